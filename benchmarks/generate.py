"""How fast `backprop-sheet generate` writes workbooks, beside a naive XlsxWriter loop, in one run.

    python benchmarks/generate.py                 # both parts below, at 10,000 iterations
    python benchmarks/generate.py --quick         # the same at a tenth of the size
    python benchmarks/generate.py --only softmax  # just the classic against the softmax template

Part `naive`: the default workbook (era-s6, 6 learning rates) at 100, 1,000 and 10,000 iterations,
and a naive loop at 10,000. The naive loop writes the same LR-table cells (same formula text, same
saved values) with one write_formula/write_number call per cell into a plain xlsxwriter.Workbook,
the way a first version would; the generator adds the Network and Summary sheets, formats, notes
and charts.

Part `softmax`: the built-in general template `softmax` (2-3-3, tanh, softmax, cross-entropy,
3 learning rates, 100 columns) against the classic at 10,000 iterations, run in turns --repeat
times: formula cells per second of each (the best of its runs) and their ratio (target: the
softmax at least 0.8 of the classic's), then both at 2,000 and 10,000 iterations for memory
(target: the same peak at both row counts).

Each measurement runs in a fresh Python process, so its peak memory (ru_maxrss) and CPU time are
its own. Seconds are wall-clock seconds of the write alone (imports excluded); on a shared machine
the CPU seconds beside them show how much of the wall time other jobs took.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# benchmarks/verify.py sits beside this file: keep this folder off the path, or `import verify` finds it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the iterations")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="parts to run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each in part softmax (the best counts)")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "ITERATIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, iterations = args.one[0], int(args.one[1])
        print(json.dumps(_measure(kind, iterations)))
        return
    big = 1_000 if args.quick else 10_000
    for part in args.only:
        PARTS[part](args, big)


def naive(args, big: int) -> None:
    """The generator at three sizes, and the naive loop."""
    runs = [("generator", 100), ("generator", big // 10), ("generator", big), ("naive", big)]
    results = [(kind, n, _in_fresh_process(kind, n)) for kind, n in runs]
    _table(results)
    small, fast, loop = (r for _, _, r in results[1:])
    print(f"\nspeed-up over the naive loop at {big:,} iterations: {loop['seconds'] / fast['seconds']:.1f}×")
    print(
        f"generator peak memory, {big // 10:,} -> {big:,} iterations: {small['peak_mb']:.0f} -> {fast['peak_mb']:.0f} MB "
        f"(naive loop: {loop['peak_mb']:.0f} MB)\n"
    )


def softmax(args, big: int) -> None:
    """The softmax template against the classic, in turns; then both at a fifth of the rows, for memory."""
    turns = [(kind, big) for _ in range(args.repeat) for kind in ("generator", "softmax")]
    results = [(kind, n, _in_fresh_process(kind, n)) for kind, n in turns]
    small = big // 5
    results += [(kind, small, _in_fresh_process(kind, small)) for kind in ("generator", "softmax")]
    _table(results)
    best = {kind: max((r for k, n, r in results if k == kind and n == big), key=_rate) for kind in ("generator", "softmax")}
    classic, general = _rate(best["generator"]), _rate(best["softmax"])
    cpu = {kind: r["cells"] / r["cpu_seconds"] for kind, r in best.items()}
    print(
        f"\nformula cells per second at {big:,} iterations, best of {args.repeat}: classic {classic:,.0f}, "
        f"softmax {general:,.0f}: ratio {general / classic:.2f} (target >= 0.80; "
        f"per CPU second {cpu['softmax'] / cpu['generator']:.2f})"
    )
    from excelgen.workbook import DEFLATE_LEVEL

    print("per formula cell, writing the rows + saving the file (XlsxWriter zips the sheets' XML at "
          f"deflate level {DEFLATE_LEVEL}):")
    for kind, label in (("generator", "classic"), ("softmax", "softmax")):
        r = best[kind]
        rows, save = (r["seconds"] - r["save_seconds"]) / r["cells"] * 1e6, r["save_seconds"] / r["cells"] * 1e6
        print(f"  {label:<8}{rows:.2f} + {save:.2f} µs, {r['xml_bytes'] / r['cells']:.0f} bytes of sheet XML per formula cell")
    peak = {(k, n): r["peak_mb"] for k, n, r in results}
    for kind, label in (("generator", "classic"), ("softmax", "softmax")):
        print(f"{label} peak memory, {small:,} -> {big:,} iterations: {peak[kind, small]:.0f} -> {peak[kind, big]:.0f} MB")
    print()


PARTS = {"naive": naive, "softmax": softmax}
LABELS = {"generator": "backprop-sheet generate", "softmax": "generate --template softmax", "naive": "naive write_formula loop"}


def _table(results: list[tuple[str, int, dict]]) -> None:
    print(
        f"{'what':<30}{'iterations':>11}{'formula cells':>15}{'seconds':>9}{'saving':>8}{'CPU s':>8}{'cells/s':>11}"
        f"{'peak MB':>9}{'file MB':>9}"
    )
    for kind, n, r in results:
        print(
            f"{LABELS[kind]:<30}{n:>11,}{r['cells']:>15,}{r['seconds']:>9.2f}{r['save_seconds']:>8.2f}{r['cpu_seconds']:>8.2f}"
            f"{_rate(r):>11,.0f}{r['peak_mb']:>9.0f}{r['file_mb']:>9.1f}"
        )


def _rate(result: dict) -> float:
    return result["cells"] / result["seconds"]


def _in_fresh_process(kind: str, iterations: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(iterations)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _measure(kind: str, iterations: int) -> dict:
    import xlsxwriter

    from excelgen.api import template_network
    from excelgen.workbook import write_workbook
    from network import layout

    close, saving = xlsxwriter.Workbook.close, []

    def timed_close(wb) -> None:  # Workbook.close() assembles and zips the file: the "saving" seconds
        start = time.perf_counter()
        close(wb)
        saving.append(time.perf_counter() - start)

    xlsxwriter.Workbook.close = timed_close

    spec = template_network("softmax" if kind == "softmax" else "era-s6", iterations=iterations)
    per_row = len(spec.columns()) - 1 if kind == "softmax" else len(layout.COMPUTED_HEADERS)  # the iteration is a number
    cells = len(spec.learning_rates) * (iterations + 1) * per_row
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp, "bench.xlsx")
        start, cpu = time.perf_counter(), time.process_time()
        if kind == "naive":
            _naive(spec, target)
        else:
            write_workbook(spec, target)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = target.stat().st_size
        with zipfile.ZipFile(target) as z:
            xml = sum(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/sheet"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"cells": cells, "seconds": seconds, "save_seconds": sum(saving), "cpu_seconds": cpu, "peak_mb": peak,
            "file_mb": size / 1e6, "xml_bytes": xml}


def _naive(spec, target: Path) -> None:
    """One write call per cell, the same formulas and saved values as the generator's LR tables."""
    import xlsxwriter

    from excelgen.formulas import row_formulas
    from network import layout, trajectory

    columns = trajectory(spec)
    first_row, later_rows = (row_formulas(spec, first_row=first)[1:] for first in (True, False))
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
            for col, (text, value) in enumerate(zip(later_rows if k else first_row, values), start=1):
                ws.write_formula(row, col, text.format(r=row + 1, p=row), None, float(value[k]))
    for name, cell_name in (layout.INPUT_NAMES | layout.WEIGHT_NAMES).items():
        wb.define_name(cell_name, "=0")
    wb.close()


if __name__ == "__main__":
    main()
