"""How long `backprop-sheet verify` takes, beside the naive `formulas` run and a bare LibreOffice recalculation.

    python benchmarks/verify.py            # default workbook (6 x 100) and a 6 x 2,000 one
    python benchmarks/verify.py --cap 60   # give up on the plain ExcelModel run after 60 s

For each workbook, in one run, one after the other:
- verify, as a user runs it (a fresh `backprop-sheet verify` process, imports included), with
  each engine: formulas, libreoffice, none (saved values only);
- a plain `formulas.ExcelModel().loads(path).finish().calculate()` of the same file, in its own
  process, stopped after --cap seconds (printed as "> cap");
- a bare LibreOffice recalculation of the same file (verify.libreoffice.recalculate).
Then the ratios: how much faster verify's `formulas` engine is than the plain ExcelModel run,
and what verify adds to a bare LibreOffice recalculation. Target: the default workbook fully
verified in under 3 s with either engine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This file is named verify.py: keep its folder off the path, or `import verify` would find it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from excelgen.spec import load_template  # noqa: E402
from excelgen.workbook import write_workbook  # noqa: E402
from verify.libreoffice import recalculate  # noqa: E402

ENGINES = ("formulas", "libreoffice", "none")
_VERIFY = "import sys; from excelgen.cli import main; sys.argv = ['backprop-sheet', 'verify', *sys.argv[1:]]; main()"
_EXCEL_MODEL = "import sys, formulas; formulas.ExcelModel().loads(sys.argv[1]).finish().calculate()"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, nargs="+", default=[100, 2000], help="rows per LR sheet")
    parser.add_argument("--cap", type=float, default=240, help="seconds after which the ExcelModel run is stopped")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        for iterations in args.iterations:
            spec = load_template().with_options(iterations=iterations)
            path = write_workbook(spec, Path(tmp, f"backprop-{iterations}.xlsx"))
            cells = 29 * (iterations + 1) * len(spec.learning_rates)
            print(f"\n{len(spec.learning_rates)} x {iterations:,} iterations ({cells:,} formula cells in the LR tables)")
            seconds = {engine: _timed([sys.executable, "-c", _VERIFY, str(path), "--engine", engine]) for engine in ENGINES}
            for engine in ENGINES:
                print(f"  verify --engine {engine:<12} {seconds[engine]:8.2f} s")
            naive = _timed([sys.executable, "-c", _EXCEL_MODEL, str(path)], timeout=args.cap)
            naive_text = f"> {args.cap:.0f}" if naive is None else f"{naive:.2f}"
            print(f"  formulas ExcelModel (plain)  {naive_text:>8} s")
            start = time.perf_counter()
            recalculate(path, Path(tmp, "recalculated.xlsx"))
            bare = time.perf_counter() - start
            print(f"  LibreOffice recalculation    {bare:8.2f} s")
            speedup = f"{naive / seconds['formulas']:.1f}x" if naive else f"> {args.cap / seconds['formulas']:.1f}x"
            print(f"  ratio ExcelModel / verify --engine formulas:         {speedup}")
            print(f"  ratio verify --engine libreoffice / bare recalculation: {seconds['libreoffice'] / bare:.2f}x")


def _timed(command: list[str], timeout: float | None = None) -> float | None:
    """Wall seconds of a command that must succeed; None when it ran past `timeout`."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} ... failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
