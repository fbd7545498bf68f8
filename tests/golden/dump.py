"""Dump a workbook cell by cell as JSON: the pinned output of tests/test_classic_pinned.py.

    python tests/golden/dump.py            # rewrite tests/golden/*.json from the current generator

Run it only when the classic workbook changes on purpose, and say so in the commit: the files pin the
classic 2-2-2 workbook as it was before its formulas, notation and saved values were derived from the one
network description (network/), so that refactor could not change a cell.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
# name -> (template, iterations, exercise)
CASES = {
    "era-s6": ("era-s6", 3, None),
    "mazur": ("mazur", 3, None),
    "era-s6-gradients": ("era-s6", 2, "gradients"),
    "mazur-forward": ("mazur", 2, "forward"),
}


def dump(path: Path) -> dict:
    """{"names": {name: refers_to}, "sheets": {sheet: {cell: [formula or constant, saved value, note]}}}:
    every non-empty cell of every sheet, with its saved value and its note (comment)."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    sheets = {}
    for ws in formulas.worksheets:
        saved = values[ws.title]
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                note = c.comment.text if c.comment is not None else None
                if c.value is None and note is None:
                    continue
                value = c.value if not hasattr(c.value, "text") else f"{{array {c.value.ref}}}{c.value.text}"
                cells[c.coordinate] = [value, saved[c.coordinate].value, note]
        sheets[ws.title] = cells
    names = {name: dn.attr_text for name, dn in formulas.defined_names.items()}
    return {"names": names, "sheets": sheets}


def write_case(name: str, folder: Path) -> Path:
    from network import load_network
    from excelgen.workbook import write_workbook

    template, iterations, exercise = CASES[name]
    spec = load_network(template).with_options(iterations=iterations)
    return write_workbook(spec, folder / f"{name}.xlsx", exercise=exercise)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in CASES:
            data = dump(write_case(name, Path(tmp)))
            (HERE / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", "utf-8")
            print(f"wrote {HERE / name}.json", file=sys.stderr)


if __name__ == "__main__":
    main()
