"""Every formula computes its saved value in LibreOffice AND in Gnumeric (issue 23, point 3).

The workbook of each built-in template (era-s6, mazur, xor, softmax), an exercise and a workbook with the CNN sheets
are recalculated by each app (`soffice --convert-to xlsx`, `ssconvert --recalc`); every formula cell's new value
is compared with the value the generator saved (NumPy's or PyTorch's): numbers within 1e-9 relative, text and
TRUE/FALSE equal. Small iteration counts keep it fast. docs/formulas.md lists the functions these workbooks use.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest

from backprop_sheet import generate
from conftest import need_soffice, need_ssconvert
from verify.reading.libreoffice import convert_many

RTOL, ATOL = 1e-9, 1e-12
# name -> generate()'s template and options
WORKBOOKS = {
    "era-s6": ("era-s6", {"iterations": 20}),
    "mazur": ("mazur", {"iterations": 20}),
    "xor": ("xor", {"iterations": 20}),
    "softmax": ("softmax", {"iterations": 20}),
    "exercise": ("era-s6", {"iterations": 20, "exercise": "forward"}),
    "cnn": ("era-s6", {"iterations": 2}),
}
APPS = ("libreoffice", "gnumeric")


@pytest.fixture(scope="module")
def generated(cnn_run, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("apps")
    return {
        name: generate(template, folder / f"{name}.xlsx", cnn_run=cnn_run if name == "cnn" else None, **options)
        for name, (template, options) in WORKBOOKS.items()
    }


@pytest.fixture(scope="module")
def recalculated(generated, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(app, name) -> the workbook as that app recalculated and saved it: LibreOffice in one start for all."""
    need_soffice()
    need_ssconvert()
    folder = tmp_path_factory.mktemp("apps-recalculated")
    fresh = convert_many(list(generated.values()), folder / "libreoffice", timeout=600)
    assert len(fresh) == len(generated), "LibreOffice did not recalculate every workbook"
    out = {("libreoffice", name): fresh[path] for name, path in generated.items()}
    for name, path in generated.items():
        target = folder / f"gnumeric-{name}.xlsx"
        subprocess.run(["ssconvert", "--recalc", str(path), str(target)], check=True, capture_output=True, timeout=300)
        out["gnumeric", name] = target
    return out


def _cells(path: Path, *, data_only: bool) -> dict[tuple[str, str], object]:
    """(sheet, "B14") -> the cell's value (a formula's text, or with data_only its saved value)."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)  # read-only: Gnumeric's notes trip the rest
    try:
        return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.value is not None}
    finally:
        wb.close()


def _agree(saved: object, fresh: object) -> bool:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (saved, fresh))
    if numbers:
        return abs(saved - fresh) <= RTOL * max(abs(saved), abs(fresh)) + ATOL
    return saved == fresh


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("name", list(WORKBOOKS))
def test_every_formula_computes_its_saved_value(generated, recalculated, app, name):
    formulas = _cells(generated[name], data_only=False)
    saved = _cells(generated[name], data_only=True)
    fresh = _cells(recalculated[app, name], data_only=True)
    checked, wrong = 0, []
    for key, value in formulas.items():
        text = getattr(value, "text", value)  # an array formula's text
        if not (isinstance(text, str) and text.startswith("=")):
            continue
        checked += 1
        if not _agree(saved.get(key), fresh.get(key)):
            wrong.append(f"{key[0]}!{key[1]}: saved {saved.get(key)!r}, {app} {fresh.get(key)!r}  {text[:100]}")
    assert checked > 100, checked  # the LR tables (an exercise: its iteration 0), Network, Summary, CNN sheets
    assert not wrong, f"{len(wrong)} of {checked} formulas differ:\n" + "\n".join(wrong[:10])
