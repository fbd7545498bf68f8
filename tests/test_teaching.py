"""The Network sheet as a teacher hands it out: every derivation step, a row picker, a live diagram,
and pages that print.

The oracle is the NumPy reference (network.trajectory) at the row the pickers choose,
after a real spreadsheet engine (LibreOffice, and Gnumeric) recalculated the edited workbook.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import need_soffice, need_ssconvert
from network import layout, load_network, trajectory
from excelgen.workbook import write_workbook
from verify.reading.libreoffice import recalculate

NEW_STEPS = (
    "∂E_total/∂w5 = ∂(E1 + E2)/∂w5 = ∂E1/∂w5",  # block 2
    "∂E1/∂a_h1 = ∂E1/∂o1 · ∂o1/∂a_h1 = (a_o1 − t1)·a_o1·(1 − a_o1)·w5",  # block 4, the two paths
    "∂E2/∂a_h1 = ∂E2/∂o2 · ∂o2/∂a_h1 = (a_o2 − t2)·a_o2·(1 − a_o2)·w7",
    "∂E_total/∂a_h1 = ∂E1/∂a_h1 + ∂E2/∂a_h1",
    "∂E_total/∂w1 = ∂E_total/∂a_h1 · ∂a_h1/∂h1 · ∂h1/∂w1",  # block 5, the generic chain
)
DIAGRAM_EDGES = {"w1 →": "w1", "w3 ↘ h2": "w3", "w2 ↗ h1": "w2", "w4 →": "w4",
                 "w5 →": "w5", "w7 ↘ o2": "w7", "w6 ↗ o1": "w6", "w8 →": "w8"}
DIAGRAM_NODES = ("i1", "i2", "a_h1", "a_h2", "a_o1", "a_o2", "t1", "t2", "E1", "E2", "E_total")
LIVE_LINES = 11 + 5 + 4 + 6 + 5 + 4 + 3  # blocks 1-6 and the update rule: every line with a live value
PICK = {"mazur": (7, 0.5), "era-s6": (63, 2.0)}  # template -> (iteration, learning rate) the pickers choose


def lines(ws) -> dict[str, float | str | None]:
    """Each line of the Network sheet with a value (blocks 1-3 in A..G, 4-6 and the update rule in I..O) -> the value."""
    found = {}
    first = next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Block 1 ·"))
    for text_col, value_col in ((1, 7), (9, 15)):
        for row in range(first, ws.max_row + 1):
            text, value = ws.cell(row, text_col).value, ws.cell(row, value_col).value
            if isinstance(text, str) and value is not None and not text.startswith(("Block", "Update rule")):
                found[text] = value
    return found


def diagram(ws) -> dict[str, float]:
    """Each node and edge of the live diagram (the cells right of column H) -> the value below its name."""
    names = set(DIAGRAM_NODES) | set(DIAGRAM_EDGES) | {"b1", "b2"}
    return {
        DIAGRAM_EDGES.get(c.value, c.value): ws.cell(c.row + 1, c.column).value
        for row in ws.iter_rows(min_col=9) for c in row if c.value in names
    }


def expected_lines(spec, k: int, rate: float) -> dict[str, float]:
    """What each line must show at iteration k of the LR sheet of `rate`, from the NumPy reference."""
    j = spec.learning_rates.index(rate)
    col = {h: v[j] for h, v in trajectory(spec).items()}
    v = {h: float(c[k]) for h, c in col.items()}
    v_next = float(col["w5"][k + 1])
    t1, t2 = spec.examples[0].targets
    d1 = (v["a_o1"] - t1) * v["a_o1"] * (1 - v["a_o1"])
    d2 = (v["a_o2"] - t2) * v["a_o2"] * (1 - v["a_o2"])
    by_start = {h: v[h] for h in layout.COMPUTED_HEADERS}
    by_start |= {
        "∂E1/∂w5": v["∂E_total/∂w5"], "∂E1/∂a_o1": v["a_o1"] - t1, "∂a_o1/∂o1": v["a_o1"] * (1 - v["a_o1"]),
        "∂o1/∂w5": v["a_h1"], "∂E1/∂a_h1": d1 * v["w5"], "∂E2/∂a_h1": d2 * v["w7"], "∂E1/∂a_h2": d1 * v["w6"],
        "∂E2/∂a_h2": d2 * v["w8"], "η, the learning rate of the chosen LR sheet": rate,
        "w5 − η · ∂E_total/∂w5, both at the chosen iteration": v_next, "= w5 one row further down that LR sheet": v_next,
    }
    return by_start


def which(text: str, want: dict[str, float]) -> str | None:
    """The key of `want` a line shows: the quantity left of its first " = ", or a key the whole line starts with."""
    quantity = text.split(" = ", 1)[0]
    if quantity in want:
        return quantity
    return next((key for key in want if " " in key and text.startswith(key)), None)


def close(a, b) -> bool:
    return isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=1e-11, abs_tol=1e-15)


@pytest.fixture(scope="module")
def mazur_workbook(tmp_path_factory) -> Path:
    return write_workbook(load_network("mazur"), tmp_path_factory.mktemp("teach") / "mazur.xlsx")


def test_blocks_2_4_and_5_carry_every_step(default_workbook):
    texts = lines(openpyxl.load_workbook(default_workbook)["Network"])
    for step in NEW_STEPS:
        assert any(t.startswith(step) for t in texts), step
    titles = [c.value for row in openpyxl.load_workbook(default_workbook)["Network"].iter_rows() for c in row]
    for block in range(1, 7):
        assert any(isinstance(t, str) and t.startswith(f"Block {block} ·") for t in titles)
    assert len(texts) == LIVE_LINES


def test_the_pickers_are_yellow_named_and_validated(default_workbook):
    wb = openpyxl.load_workbook(default_workbook)
    ws = wb["Network"]
    for name, value in (("show_iteration", 0), ("show_rate", 0.1)):
        sheet, address = next(iter(wb.defined_names[name].destinations))
        cell = wb[sheet][address.replace("$", "")]
        assert sheet == "Network" and cell.value == value and cell.fill.fgColor.rgb.endswith("FFF2CC")
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert {dv.type for dv in rules.values()} == {"whole", "list"}
    assert next(dv for dv in rules.values() if dv.type == "whole").formula2 == "100"
    assert next(dv for dv in rules.values() if dv.type == "list").formula1 == '"0.1,0.2,0.5,0.8,1.0,2.0"'


@pytest.mark.parametrize("template", ["era-s6", "mazur"])
def test_saved_values_are_iteration_0_of_the_first_sheet(default_workbook, mazur_workbook, template):
    spec = load_network(template)
    book = default_workbook if template == "era-s6" else mazur_workbook
    ws = openpyxl.load_workbook(book, data_only=True)["Network"]
    want = expected_lines(spec, 0, spec.learning_rates[0])
    for text, value in lines(ws).items():
        start = which(text, want)
        if start is not None:
            assert close(value, want[start]), (text, value, want[start])
    shown = diagram(ws)
    weights = [w for layer in spec.weights for row in layer for w in row]  # w1..w8
    assert all(close(shown[w], weights[k]) for k, w in enumerate(layout.WEIGHTS))
    assert ("b1" in shown) == spec.biases_given


def _pick_and_recalculate(source: Path, tmp_path: Path, engine: str, k: int, rate: float) -> openpyxl.Workbook:
    wb = openpyxl.load_workbook(source)
    for name, value in (("show_iteration", k), ("show_rate", rate)):
        sheet, address = next(iter(wb.defined_names[name].destinations))
        wb[sheet][address.replace("$", "")] = value
    edited = tmp_path / "picked.xlsx"
    wb.save(edited)
    if engine == "libreoffice":
        need_soffice()
        out = recalculate(edited, tmp_path / "lo.xlsx")
    else:
        need_ssconvert()
        out = tmp_path / "gnumeric.xlsx"
        subprocess.run(["ssconvert", "--recalc", str(edited), str(out)], check=True, capture_output=True, timeout=300)
    return openpyxl.load_workbook(out, data_only=True)


@pytest.mark.parametrize("engine", ["libreoffice", "gnumeric"])
@pytest.mark.parametrize("template", ["era-s6", "mazur"])
def test_blocks_and_diagram_follow_the_pickers(default_workbook, mazur_workbook, tmp_path, engine, template):
    spec = load_network(template)
    k, rate = PICK[template]
    source = default_workbook if template == "era-s6" else mazur_workbook
    ws = _pick_and_recalculate(source, tmp_path, engine, k, rate)["Network"]
    want = expected_lines(spec, k, rate)
    checked = 0
    for text, value in lines(ws).items():
        start = which(text, want)
        if start is not None:
            assert close(value, want[start]), (engine, text, value, want[start])
            checked += 1
    assert checked == LIVE_LINES
    shown = diagram(ws)
    for node in [*DIAGRAM_NODES, *layout.WEIGHTS]:
        (i1, i2), (t1, t2) = spec.examples[0].inputs, spec.examples[0].targets
        reference = want.get(node, {"i1": i1, "i2": i2, "t1": t1, "t2": t2}.get(node))
        assert close(shown[node], reference), (engine, node, shown[node], reference)


@pytest.fixture(scope="module")
def printed(default_workbook, tmp_path_factory) -> list[str]:
    """The default workbook printed by LibreOffice: the text of each page."""
    need_soffice()
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the printed pages")
    pdf = recalculate(default_workbook, tmp_path_factory.mktemp("print") / "backprop.pdf", convert_to="pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def test_the_default_workbook_prints_on_few_pages(printed):
    rates = load_network().learning_rates
    assert len(printed) <= 20
    assert len(printed) == 1 + len(rates) + 1  # Network, one page per LR sheet (no chart split), Summary


def test_the_network_sheet_fits_its_first_page(printed):
    first = printed[0]
    for block in range(1, 7):
        assert f"Block {block} ·" in first
    assert "Update rule · w_new = w_old − η · ∂E_total/∂w" in first
    assert "= w5 one row further down that LR sheet" in first
    assert "page 1 of" in first


def test_titles_print_whole_and_once(printed):
    for page, rate in zip(printed[1:], load_network().learning_rates):
        title = f"Gradient descent with learning rate η = {layout.rate_text(rate)}: one row per iteration"
        assert page.count(title) == 1
        assert " 49 " in page and "\n 50 " not in page  # the first 50 rows, iterations 0-49


def test_every_sheet_has_a_page_setup(default_workbook):
    z = zipfile.ZipFile(default_workbook)
    sheets = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    for name in sheets:
        xml = z.read(name).decode()
        assert 'orientation="landscape"' in xml and 'paperSize="9"' in xml, name
        assert '<pageSetUpPr fitToPage="1"/>' in xml and "&amp;P of &amp;N" in xml, name
        assert "<pageMargins " in xml, name
    workbook = z.read("xl/workbook.xml").decode()
    assert workbook.count('name="_xlnm.Print_Titles"') == len(load_network().learning_rates)
    assert "'LR 0.1'!$A$1:$AD$54" in workbook  # the charts and the first 50 rows


@pytest.mark.slow
def test_the_cnn_sheets_print_their_pages_whole(cnn_run, tmp_path):
    need_soffice()
    from cnn.export import CNN_SHEETS, cnn_sheets

    workbook = write_workbook(load_network(), tmp_path / "cnn.xlsx", extra_sheets=cnn_sheets(cnn_run))
    pdf = recalculate(workbook, tmp_path / "cnn.pdf", convert_to="pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) <= 20
    by_sheet = {}
    for page in pages[8:]:  # after Network, six LR sheets and the Summary
        footer = page.rstrip().splitlines()[-1].strip()  # the sheet's name, then "page n of N"
        by_sheet.setdefault(next(s for s in CNN_SHEETS if footer.startswith(s)), []).append(page)
    assert list(by_sheet) == list(CNN_SHEETS)
    for sheet in CNN_SHEETS[:3]:  # training, architecture, confusion: one page each, nothing spilled over
        (page,) = by_sheet[sheet]
        assert page.count("DRY RUN") == 1
