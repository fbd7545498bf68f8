"""What the CNN Forward sheet costs: formula cells, generation time and LibreOffice's recalculation, side by side.

    python benchmarks/cnn_forward.py --run runs/8k-seed1            # a run folder of `backprop-sheet train`
    python benchmarks/cnn_forward.py --run runs/20k-seed1 --repeat 5

Three workbooks from the default template: without CNN sheets, with the three CNN sheets of the run folder but
without CNN Forward, and with all four (`generate --cnn-run DIR`, digit 0). Each generation runs in a fresh Python
process and is timed there, imports excluded; each LibreOffice run is a full `soffice --convert-to xlsx` with
forced recalculation in a throwaway profile (verify.reading.libreoffice.recalculate): start, load, recalculate, save.
The best of --repeat runs is shown (other programs on the machine only ever add time).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# benchmarks/verify.py sits beside this file: keep this folder off the path, or `import verify` finds it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

KINDS = {  # label -> cnn_sheets' digit argument ("none": no --cnn-run at all)
    "default workbook, no CNN sheets": "none",
    "+ CNN Training, Architecture, Confusion": None,
    "+ CNN Forward (generate --cnn-run)": 0,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=Path("runs/8k-seed1"), help="a run folder (default runs/8k-seed1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best is shown")
    parser.add_argument("--one", nargs=2, metavar=("DIGIT", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps({"seconds": _generate(args.run, args.one[0], Path(args.one[1]))}))
        return

    from verify.reading.libreoffice import recalculate

    print(f"run folder {args.run}; best of {args.repeat}")
    print(f"{'workbook':<42}{'formula cells':>14}{'CNN Forward':>13}{'generate s':>12}{'LibreOffice s':>15}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, digit in KINDS.items():
            target = Path(tmp, "bench.xlsx")
            generate = min(_in_fresh_process(args.run, digit, target) for _ in range(args.repeat))
            total, forward = _formula_cells(target)
            recalc = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                recalculate(target, Path(tmp, "recalculated.xlsx"))
                recalc.append(time.perf_counter() - start)
            print(f"{label:<42}{total:>14,}{forward:>13,}{generate:>12.2f}{min(recalc):>15.2f}")


def _generate(run: Path, digit: str, target: Path) -> float:
    from cnn.export import cnn_sheets
    from network import load_network
    from excelgen.workbook import write_workbook

    start = time.perf_counter()
    if digit == "none":
        write_workbook(load_network(), target, force=True)
    else:
        write_workbook(load_network(), target, force=True, extra_sheets=cnn_sheets(run, None if digit == "None" else int(digit)))
    return time.perf_counter() - start


def _in_fresh_process(run: Path, digit, target: Path) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--run", str(run), "--one", str(digit), str(target)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds"]


def _formula_cells(path: Path) -> tuple[int, int]:
    """Formula cells of the whole workbook and of the CNN Forward sheet (the <f> elements of the sheet XML)."""
    book = zipfile.ZipFile(path)
    names = re.findall(r'<sheet name="([^"]+)" sheetId="(\d+)"', book.read("xl/workbook.xml").decode())
    counts = {name: book.read(f"xl/worksheets/sheet{k}.xml").count(b"<f>") for k, (name, _) in enumerate(names, start=1)}
    return sum(counts.values()), counts.get("CNN Forward", 0)


if __name__ == "__main__":
    main()
