"""How fast `backprop-sheet generate` writes workbooks, beside a naive XlsxWriter loop, in one run.

    python benchmarks/generate.py            # default workbook, 6 × 1,000 and 6 × 10,000 iterations, naive loop
    python benchmarks/generate.py --quick    # the same at a tenth of the size

Each measurement runs in a fresh Python process, so its peak memory (ru_maxrss) is its own.
The naive loop writes the same LR-table cells (same formula text, same saved values) with one
write_formula/write_number call per cell into a plain xlsxwriter.Workbook, the way a first
version would; the generator adds the Network and Summary sheets, formats, notes and charts.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/verify.py sits beside this file: keep this folder off the path, or `import verify` finds it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the iterations")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "ITERATIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, iterations = args.one[0], int(args.one[1])
        print(json.dumps(_measure(kind, iterations)))
        return
    big = 1_000 if args.quick else 10_000
    runs = [("generator", 100), ("generator", big // 10), ("generator", big), ("naive", big)]
    results = [(kind, n, _in_fresh_process(kind, n)) for kind, n in runs]
    print(f"{'what':<34}{'iterations':>11}{'formula cells':>15}{'seconds':>9}{'cells/s':>11}{'peak MB':>9}{'file MB':>9}")
    for kind, n, r in results:
        label = "backprop-sheet generate" if kind == "generator" else "naive write_formula loop"
        print(
            f"{label:<34}{n:>11,}{r['cells']:>15,}{r['seconds']:>9.2f}{r['cells'] / r['seconds']:>11,.0f}"
            f"{r['peak_mb']:>9.0f}{r['file_mb']:>9.1f}"
        )
    small, fast, naive = (r for _, _, r in results[1:])
    print(f"\nspeed-up over the naive loop at {big:,} iterations: {naive['seconds'] / fast['seconds']:.1f}×")
    print(
        f"generator peak memory, {big // 10:,} -> {big:,} iterations: {small['peak_mb']:.0f} -> {fast['peak_mb']:.0f} MB "
        f"(naive loop: {naive['peak_mb']:.0f} MB)"
    )


def _in_fresh_process(kind: str, iterations: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(iterations)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _measure(kind: str, iterations: int) -> dict:
    from network import layout
    from excelgen.spec import load_template

    spec = load_template().with_options(iterations=iterations)
    cells = len(spec.learning_rates) * (iterations + 1) * len(layout.COMPUTED_HEADERS)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp, "bench.xlsx")
        start = time.perf_counter()
        if kind == "generator":
            from excelgen.workbook import write_workbook

            write_workbook(spec, target)
        else:
            _naive(spec, target)
        seconds = time.perf_counter() - start
        size = target.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"cells": cells, "seconds": seconds, "peak_mb": peak, "file_mb": size / 1e6}


def _naive(spec, target: Path) -> None:
    """One write call per cell, the same formulas and saved values as the generator's LR tables."""
    import xlsxwriter

    from network import layout
    from excelgen.formulas import row_formulas
    from verify.reference import train_spec

    columns = train_spec(spec).columns
    wb = xlsxwriter.Workbook(str(target))
    first = layout.FIRST_DATA_ROW
    for j, rate in enumerate(spec.learning_rates):
        ws = wb.add_worksheet(layout.lr_sheet_name(rate))
        ws.write_number(*layout.ETA_CELL, rate)
        for col, header in enumerate(layout.HEADERS):
            ws.write_string(layout.HEADER_ROW, col, header)
        values = [columns[h][j] for h in layout.COMPUTED_HEADERS]
        for k in range(spec.iterations + 1):
            row = first + k
            ws.write_number(row, 0, k)
            texts = row_formulas(str(row + 1), str(row) if k else None, spec.has_biases)
            for col, (text, value) in enumerate(zip(texts, values), start=1):
                ws.write_formula(row, col, text, None, float(value[k]))
    for name, cell_name in (layout.INPUT_NAMES | layout.WEIGHT_NAMES).items():
        wb.define_name(cell_name, "=0")
    wb.close()


if __name__ == "__main__":
    main()
