"""How long `backprop-sheet verify` takes, beside the naive `formulas` run and a bare LibreOffice recalculation.

    python benchmarks/verify.py            # all three parts below
    python benchmarks/verify.py --cap 60   # give up on the plain ExcelModel run after 60 s
    python benchmarks/verify.py --only class hostile   # just the class and the hostile suite

Part `single`: the default workbook (6 x 100) and a 6 x 2,000 one.

For each workbook, in one run, one after the other:
- verify, as a user runs it (a fresh `backprop-sheet verify` process, imports included), with
  each engine: formulas, libreoffice, none (saved values only);
- a plain `formulas.ExcelModel().loads(path).finish().calculate()` of the same file, in its own
  process, stopped after --cap seconds (printed as "> cap");
- a bare LibreOffice recalculation of the same file (verify.reading.libreoffice.recalculate).
`verify --engine formulas` and the bare recalculation are timed side by side: alternately,
--rounds times (3 by default), each round printed, then their medians. Then the ratios: how
much faster verify's `formulas` engine is than the plain ExcelModel run, what verify adds to a
bare LibreOffice recalculation, and the whole `verify --engine formulas` against the bare
LibreOffice recalculation of the same file (the medians, and the range over the rounds).
Targets: the default workbook fully verified in under 3 s with either engine; on the 6 x 2,000
workbook, `verify --engine formulas` at most 0.7 of the bare LibreOffice recalculation.

    python benchmarks/verify.py --only single --iterations 2000 --cap 10   # just that comparison

Part `class`: 100 workbooks (copies of the default workbook; every third one with a planted
mistake, ∂E/∂w3 using a_h1·(1−a_h1)) checked as one class by verify.batch with 2 workers, for
each of --engine formulas and --engine libreoffice: wall time over the class (worker starts and
LibreOffice starts included) per workbook, and how many LibreOffice starts it took. Targets:
0.3 s and 0.6 s per workbook, one LibreOffice start per worker.

Part `hostile`: hostile formulas planted into the default workbook, checked as a class under the
default budget (60 s, 2 GB per worker) with each engine: every outcome, its seconds, the peak
resident memory of the worker that checked it (LibreOffice included; "-" for a worker killed
at the time limit), and the wall time and largest peak over the class.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This file is named verify.py: keep its folder off the path, or `import verify` would find it. The faults are
# planted with the tests' helper (tests/planting.py).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))

from network import load_network  # noqa: E402
from excelgen.workbook import write_workbook  # noqa: E402
from verify import batch  # noqa: E402
from verify.reading.libreoffice import recalculate  # noqa: E402
from planting import edit_sheet, formula_of_cell, formulas_in_column  # noqa: E402

ENGINES = ("formulas", "libreoffice", "none")
_VERIFY = "import sys; from backprop_sheet.cli import main; sys.argv = ['backprop-sheet', 'verify', *sys.argv[1:]]; main()"
_EXCEL_MODEL = "import sys, formulas; formulas.ExcelModel().loads(sys.argv[1]).finish().calculate()"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, nargs="+", default=[100, 2000], help="rows per LR sheet")
    parser.add_argument("--cap", type=float, default=240, help="seconds after which the ExcelModel run is stopped")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="parts to run")
    parser.add_argument("--class-size", type=int, default=100, help="workbooks in the class benchmark")
    parser.add_argument(
        "--rounds", type=int, default=3, help="side-by-side rounds of verify --engine formulas and the bare recalculation"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        for part in args.only:
            PARTS[part](args, Path(tmp))


def single(args, tmp: Path) -> None:
    """One workbook at a time, each engine, beside the plain ExcelModel run and a bare LibreOffice recalculation."""
    for iterations in args.iterations:
        spec = load_network().with_options(iterations=iterations)
        path = write_workbook(spec, Path(tmp, f"backprop-{iterations}.xlsx"))
        cells = 29 * (iterations + 1) * len(spec.learning_rates)
        print(f"\n{len(spec.learning_rates)} x {iterations:,} iterations ({cells:,} formula cells in the LR tables); {_load()}")
        # verify --engine formulas and the bare LibreOffice recalculation, alternately, round after round
        rounds = []
        for k in range(args.rounds):
            ours = _timed([sys.executable, "-c", _VERIFY, str(path), "--engine", "formulas"])
            bare = _bare_libreoffice(path, tmp)
            rounds.append((ours, bare))
            print(f"  round {k + 1}: verify --engine formulas {ours:.2f} s, bare LibreOffice recalculation {bare:.2f} s: ratio {ours / bare:.2f}x")
        ours, bare = statistics.median(r[0] for r in rounds), statistics.median(r[1] for r in rounds)
        seconds = {"formulas": ours}
        seconds |= {engine: _timed([sys.executable, "-c", _VERIFY, str(path), "--engine", engine]) for engine in ENGINES[1:]}
        for engine in ENGINES:
            print(f"  verify --engine {engine:<12} {seconds[engine]:8.2f} s" + ("  (median)" if engine == "formulas" else ""))
        naive = _timed([sys.executable, "-c", _EXCEL_MODEL, str(path)], timeout=args.cap)
        naive_text = f"> {args.cap:.0f}" if naive is None else f"{naive:.2f}"
        print(f"  formulas ExcelModel (plain)  {naive_text:>8} s")
        print(f"  LibreOffice recalculation    {bare:8.2f} s  (median)")
        speedup = f"{naive / ours:.1f}x" if naive else f"> {args.cap / ours:.1f}x"
        print(f"  ratio ExcelModel / verify --engine formulas:         {speedup}")
        print(f"  ratio verify --engine libreoffice / bare recalculation: {seconds['libreoffice'] / bare:.2f}x")
        print(
            f"  verify --engine formulas {ours:.2f} s beside a bare LibreOffice recalculation {bare:.2f} s "
            f"(medians of {len(rounds)} alternating rounds): ratio {ours / bare:.2f}x "
            f"(rounds {min(r[0] / r[1] for r in rounds):.2f}x to {max(r[0] / r[1] for r in rounds):.2f}x; "
            "target: at most 0.7 for 6 x 2,000)"
        )
        print(f"  {_load()}")


def _load() -> str:
    """The machine's load averages: the benchmark shares it with whatever else runs."""
    return "load average {:.2f}, {:.2f}, {:.2f} (1, 5, 15 min)".format(*os.getloadavg())


def _bare_libreoffice(path: Path, tmp: Path) -> float:
    """Wall seconds of a bare LibreOffice recalculation of `path` (verify.reading.libreoffice.recalculate)."""
    start = time.perf_counter()
    recalculate(path, Path(tmp, "recalculated.xlsx"))
    return time.perf_counter() - start


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


def class_of_100(args, tmp: Path) -> None:
    """A class of generated workbooks, a third with a planted mistake, checked with 2 workers per engine."""
    good = write_workbook(load_network(), tmp / "good.xlsx")
    wrong = edit_sheet(good, tmp / "wrong.xlsx", "LR 0.5", formulas_in_column("Y", "M{r}*(1-M{r})", "K{r}*(1-K{r})"))
    folder = tmp / "class"
    folder.mkdir()
    for k in range(args.class_size):
        shutil.copyfile(wrong if k % 3 == 2 else good, folder / f"student-{k:03}.xlsx")
    paths = batch.find_workbooks([folder])
    print(f"\nclass of {len(paths)} workbooks ({sum(k % 3 == 2 for k in range(len(paths)))} with a planted mistake), 2 workers")
    for engine in ("formulas", "libreoffice"):
        start = time.perf_counter()
        run = batch.check_many(paths, engine=engine, rtol=1e-9, atol=1e-12, jobs=2)
        wall = time.perf_counter() - start
        report = run.report
        counts = f"{report.count('pass')} pass, {report.count('fail')} FAIL, {report.count('could not check')} could not check"
        peak = max(o.peak_memory for o in report.outcomes) / 1024**2
        mean = sum(o.seconds for o in report.outcomes) / len(paths)
        print(
            f"  --engine {engine:<12} {wall:6.1f} s wall, {wall / len(paths):.2f} s per workbook ({counts}); "
            f"one check in a worker {mean:.2f} s on average; LibreOffice starts: {run.libreoffice_starts}; "
            f"worker peak {peak:,.0f} MB"
        )


def hostile(args, tmp: Path) -> None:
    """Hostile formulas planted into the default workbook, checked as a class under the default budget."""
    good = write_workbook(load_network(), tmp / "default.xlsx")
    folder = tmp / "hostile"
    folder.mkdir()
    for name, edit in HOSTILE.items():
        edit_sheet(good, folder / f"{name}.xlsx", "LR 0.1", edit)
    paths = batch.find_workbooks([folder])
    budget = batch.Budget()
    print(f"\nhostile suite: {len(paths)} workbooks, 2 workers, budget {budget.timeout:g} s and {batch.show_size(budget.max_memory)} each")
    for engine in ("formulas", "libreoffice"):
        start = time.perf_counter()
        run = batch.check_many(paths, engine=engine, rtol=1e-9, atol=1e-12, jobs=2, budget=budget)
        wall = time.perf_counter() - start
        print(f"  --engine {engine}: {wall:.1f} s wall; largest worker peak "
              f"{max(o.peak_memory for o in run.report.outcomes) / 1024**2:,.0f} MB")
        for o in run.report.outcomes:
            peak = f"{o.peak_memory / 1024**2:,.0f} MB" if o.peak_memory else "-"
            text = o.line().split("  ", 1)[1]
            print(f"    {Path(o.file).stem:<22} {o.seconds:6.1f} s  {peak:>8}  {text[:110]}")


def _distinct_shapes(xml: str) -> str:
    """10,000 formulas of distinct shapes in one column below the table."""
    rows = "".join(f'<row r="{r}"><c r="AZ{r}"><f>{r}*2+{r % 7}</f><v>{r * 2 + r % 7}</v></c></row>' for r in range(200, 10_200))
    return xml.replace("</sheetData>", rows + "</sheetData>")


# E_total of the first row (T5) carries each hostile formula; it stays a correct E_total where the engine copes.
HOSTILE = {
    "whole-sheet-range": formula_of_cell("T5", lambda f: f + "+SUM(A1:XFD1048576)*0"),
    "whole-column-range": formula_of_cell("T5", lambda f: f + "+SUM(A:A)*0"),
    "8000-char-formula": formula_of_cell("T5", lambda f: f + "+0*(" + "+".join(["1"] * 3_990) + ")"),
    "1000-nested-parens": formula_of_cell("T5", lambda f: "(" * 1000 + f + ")" * 1000),
    "10000-formula-shapes": _distinct_shapes,
}


PARTS = {"single": single, "class": class_of_100, "hostile": hostile}

if __name__ == "__main__":
    main()
