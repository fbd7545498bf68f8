"""`verify` checks the workbook of a general network (`generate --template xor`, `softmax`, a TOML with `layers`).

Generated workbooks pass with both engines; faults planted into them (a formula edited in the sheet XML, its
saved values left stale; a formula edited with openpyxl and recalculated by LibreOffice; a tampered saved
value; a formula replaced by its value) are reported at their cell, by the column's name, as the root cause.
Oracles: the cell and column where each fault was planted (found from network.columns' headers, not from
verify), the generator's own formulas for the dependency records, and the exit codes the README documents.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import GENERAL_TEMPLATES, need_soffice
from backprop_sheet.cli import cli
from excelgen.workbook import write_workbook
from network import At, Kind, Quantity, load_network, parse_network
from network.layout import FIRST_DATA_ROW, column_letter
from planting import constant_instead_of_formula, edit_sheet, formula_of_cell, formulas_in_column, saved_value
from verify.reading.book import read
from verify.reading.libreoffice import recalculate

ENGINES = ["formulas", "libreoffice"]


def network_of(template: str):
    return load_network(template).with_options(iterations=40, learning_rates=GENERAL_TEMPLATES[template])


def letter(template: str, column: str) -> str:
    """The column letter of a header on the template's LR sheets, from network/columns.py's order."""
    return column_letter([c.header for c in network_of(template).columns()].index(column) + 1)


def cell(template: str, sheet: str, column: str, iteration: int) -> tuple[str, str, int]:
    """(address, column name, iteration) as a finding names them."""
    return f"'{sheet}'!{letter(template, column)}{FIRST_DATA_ROW + 1 + iteration}", column, iteration


def row(iteration: int) -> int:
    return FIRST_DATA_ROW + 1 + iteration


@dataclass(frozen=True)
class Fault:
    """A fault planted on one sheet and the findings each check must report there ([]: the check passes)."""

    template: str
    sheet: str
    edit: Callable[[str], str]  # sheet XML -> sheet XML
    structure: list[tuple[str, str, int]]
    saved: list[tuple[str, str, int]]
    recalculated: list[tuple[str, str, int]]


def _xor(sheet: str, edit, structure=(), saved=(), recalculated=()) -> Fault:
    return Fault("xor", sheet, edit, list(structure), list(saved), list(recalculated))


def _softmax(sheet: str, edit, structure=(), saved=(), recalculated=()) -> Fault:
    return Fault("softmax", sheet, edit, list(structure), list(saved), list(recalculated))


G, I = letter("xor", "a_2_1[e1]"), letter("xor", "δ_2_1[e1]")
W212 = letter("xor", "w_2_1_2")
Z12E3 = letter("xor", "z_1_2[e3]")
TANH_Z = letter("softmax", "z_1_1[e2]")
E1, A2_1 = letter("softmax", "E[e1]"), letter("softmax", "a_2_1[e1]")
Z13E3, A13E3 = letter("softmax", "z_1_3[e3]"), letter("softmax", "a_1_3[e3]")

FAULTS = {
    # the output δ of a sigmoid with a + in its slope a·(1 − a); the saved values stay those of the right formula
    "xor: δ with a·(1 + a)": _xor(
        "LR 0.5", formulas_in_column(I, f"(1-{G}{{r}})", f"(1+{G}{{r}})"),
        recalculated=[cell("xor", "LR 0.5", "δ_2_1[e1]", 0)],
    ),
    "xor: a formula replaced by its value": _xor(
        "LR 1.0", constant_instead_of_formula(f"{Z12E3}{row(2)}"),
        structure=[cell("xor", "LR 1.0", "z_1_2[e3]", 2)],
    ),
    "xor: an update adds the gradient": _xor(
        "LR 2.0", formulas_in_column(W212, "-$B$2*", "+$B$2*"),
        recalculated=[cell("xor", "LR 2.0", "w_2_1_2", 1)],
    ),
    # tanh's slope 4/(e^z + e^−z)² written with e^z − e^−z, in the second example's hidden δ
    "softmax: tanh slope with a minus": _softmax(
        "LR 0.1",
        formulas_in_column(letter("softmax", "δ_1_1[e2]"), f"EXP({TANH_Z}{{r}})+EXP(-{TANH_Z}{{r}})",
                            f"EXP({TANH_Z}{{r}})-EXP(-{TANH_Z}{{r}})"),
        recalculated=[cell("softmax", "LR 0.1", "δ_1_1[e2]", 0)],
    ),
    "softmax: a tampered saved value": _softmax(
        "LR 0.5", saved_value(f"{letter('softmax', 'a_2_2[e3]')}{row(7)}", "0.25"),
        saved=[cell("softmax", "LR 0.5", "a_2_2[e3]", 7)],
    ),
    # two independent mistakes in iteration 0: both are root causes, in dependency order (example 1 first)
    "softmax: two independent mistakes": _softmax(
        "LR 1.0",
        lambda xml: formula_of_cell(f"{E1}{row(0)}", f"-(tgt_t_1_e1*LOG10({A2_1}{row(0)}))")(
            formula_of_cell(f"{A13E3}{row(0)}", f"TANH(2*{Z13E3}{row(0)})")(xml)),
        recalculated=[cell("softmax", "LR 1.0", "E[e1]", 0), cell("softmax", "LR 1.0", "a_1_3[e3]", 0)],
    ),
}
CLEAN = {"xor": "LR 5.0", "softmax": "LR 2.0"}  # the sheet of each workbook without a fault


@pytest.fixture(scope="module")
def broken(general_workbooks, tmp_path_factory) -> dict[str, Path]:
    """Each template's workbook with its FAULTS planted, each on its own sheet: template -> path."""
    folder = tmp_path_factory.mktemp("general-faults")
    books = {}
    for template, path in general_workbooks.items():
        for k, fault in enumerate(f for f in FAULTS.values() if f.template == template):
            path = edit_sheet(path, folder / f"{template}-{k}.xlsx", fault.sheet, fault.edit)
        books[template] = path
    return books


@pytest.fixture(scope="module")
def verify_json(broken):
    """`verify --json` of a broken workbook, run once per template and engine: (exit code, report)."""
    runs = {}

    def run(template: str, engine: str) -> tuple[int, dict]:
        if (template, engine) not in runs:
            result = CliRunner().invoke(cli, ["verify", str(broken[template]), "--json", "--engine", engine])
            runs[template, engine] = (result.exit_code, json.loads(result.output) if result.exit_code == 1 else result.output)
        return runs[template, engine]

    return run


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("template", list(GENERAL_TEMPLATES))
def test_a_generated_workbook_passes(general_workbooks, template, engine):
    if engine == "libreoffice":
        need_soffice()
    result = CliRunner().invoke(cli, ["verify", str(general_workbooks[template]), "--engine", engine])
    assert result.exit_code == 0, result.output
    for rate in GENERAL_TEMPLATES[template]:
        assert re.search(rf"LR {rate}  pass  \([\d,]+ cells; η = {rate}; checks: structure, saved values, {engine}\)",
                         result.output), result.output
    assert result.output.rstrip().endswith("OK: every check passed (rtol 1e-09, atol 1e-12)")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", FAULTS)
def test_planted_fault_is_reported_at_its_cell(verify_json, name, engine):
    if engine == "libreoffice":
        need_soffice()
    fault = FAULTS[name]
    exit_code, report = verify_json(fault.template, engine)
    assert exit_code == 1, report
    [table] = [t for t in report["tables"] if t["sheet"] == fault.sheet]
    found = {check: [(f["cell"], f["quantity"], f["iteration"]) for f in table["findings"] if f["check"] == check]
             for check in ("structure", "saved values", engine)}
    assert found == {"structure": fault.structure, "saved values": fault.saved, engine: fault.recalculated}
    assert len(table["findings"]) == len(fault.structure + fault.saved + fault.recalculated)  # nothing downstream
    for f in table["findings"]:
        assert f["header"] == f["quantity"] and f"(column {f['quantity']}, iteration {f['iteration']})" in f["message"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("template", list(GENERAL_TEMPLATES))
def test_the_sheet_without_a_fault_passes(verify_json, template, engine):
    if engine == "libreoffice":
        need_soffice()
    _, report = verify_json(template, engine)
    assert [t["sheet"] for t in report["tables"] if t["passed"]] == [CLEAN[template]]


def test_text_report_names_the_cell_the_column_and_the_formula(broken):
    result = CliRunner().invoke(cli, ["verify", str(broken["xor"]), "--engine", "formulas"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    at = next(k for k, line in enumerate(lines) if line.startswith("  LR 0.5  FAIL"))
    assert re.fullmatch(rf"    formulas: 'LR 0\.5'!{I}5 \(column δ_2_1\[e1\], iteration 0\) is [-\d.e]+, expected [-\d.e]+; "
                        r"[\d,]+ other cells differ", lines[at + 1]), lines[at + 1]
    assert lines[at + 2] == f"      formula: =({G}5-tgt_t_1_e1)*{G}5*(1+{G}5)"
    assert "likely mistake" not in result.output  # the catalogue is the classic network's
    assert f"structure: 'LR 1.0'!{Z12E3}7 (column z_1_2[e3], iteration 2) holds the typed-in value" in result.output
    assert "FAILED: 3 of 4 table(s)" in result.output


def test_formula_edited_with_openpyxl_and_recalculated_by_libreoffice(general_workbooks, tmp_path):
    need_soffice()
    column = letter("xor", "δ_1_2[e4]")  # one row of a hidden δ breaks its column's pattern
    wb = openpyxl.load_workbook(general_workbooks["xor"])
    ws = wb["LR 2.0"]
    ws[f"{column}{row(10)}"] = ws[f"{column}{row(10)}"].value.replace("*(1-", "*(2-")
    wb.save(tmp_path / "edited.xlsx")  # openpyxl drops every saved value ...
    recalculated = recalculate(tmp_path / "edited.xlsx", tmp_path / "recalculated.xlsx")  # ... LibreOffice restores them
    result = CliRunner().invoke(cli, ["verify", str(recalculated), "--engine", "none"])
    assert result.exit_code == 1, result.output
    where = f"'LR 2.0'!{column}{row(10)} (column δ_1_2[e4], iteration 10)"
    assert f"saved values: {where} is " in result.output
    assert result.output.count("saved values: ") == 1 and "FAILED: 1 of 4 table(s)" in result.output


def test_the_hidden_slope_mistake_is_named_in_a_layered_network(general_workbooks, tmp_path):
    """The mistake catalogue works on any network whose columns it names: δ of the second hidden unit written with
    the FIRST unit's slope a_1_1·(1 − a_1_1), planted with openpyxl in every row of the second example's δ_1_2 column (the first example's inputs are 0: both hidden units start
    equal there) and
    recalculated by LibreOffice, is named at its first cell by the entry of that mistake."""
    need_soffice()
    delta, own, first = letter("xor", "δ_1_2[e2]"), letter("xor", "a_1_2[e2]"), letter("xor", "a_1_1[e2]")
    wb = openpyxl.load_workbook(general_workbooks["xor"])
    ws = wb["LR 1.0"]
    for r in range(row(0), row(40) + 1):
        slope, planted = f"*{own}{r}*(1-{own}{r})", f"*{first}{r}*(1-{first}{r})"
        assert ws[f"{delta}{r}"].value.endswith(slope)
        ws[f"{delta}{r}"] = ws[f"{delta}{r}"].value.replace(slope, planted)
    wb.save(tmp_path / "edited.xlsx")
    recalculated = recalculate(tmp_path / "edited.xlsx", tmp_path / "recalculated.xlsx")
    result = CliRunner().invoke(cli, ["verify", str(recalculated), "--engine", "none", "--json"])
    assert result.exit_code == 1, result.output
    [table] = [t for t in json.loads(result.output)["tables"] if not t["passed"]]
    [finding] = table["findings"]
    assert (table["sheet"], finding["cell"], finding["quantity"]) == ("LR 1.0", f"'LR 1.0'!{delta}{row(0)}", "δ_1_2[e2]")
    assert finding["mistake_key"] == "other-hidden-slope"
    assert finding["mistake"] == (f"δ_1_2[e2] (column {delta}, from row {row(0)}): "
                                  "uses a_1_1[e2]·(1−a_1_1[e2]) instead of a_1_2[e2]·(1−a_1_2[e2])")


def test_an_input_that_is_not_a_number(general_workbooks, tmp_path):
    wb = openpyxl.load_workbook(general_workbooks["softmax"])
    wb["Network"]["B10"] = "one"  # x_1 of example 2 (in_x_1_e2)
    wb.save(tmp_path / "text.xlsx")
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "text.xlsx"), "--engine", "formulas", "--json"])
    assert result.exit_code == 1, result.output
    tables = json.loads(result.output)["tables"]
    assert len(tables) == 4
    for table in tables:
        [f] = table["findings"]
        assert (f["kind"], f["cell"], f["quantity"], f["actual"]) == ("bad input", "'Network'!B10", "x_1[e2]", "one")


def _remove_header(ws):
    ws[f"{letter('softmax', 'δ_2_3[e2]')}4"] = "delta"


def _remove_description(wb):
    del wb.defined_names["network_description"]


def _unknown_activation(wb):
    text = wb.defined_names["network_description"].attr_text
    wb.defined_names["network_description"].attr_text = text.replace("tanh", "tanhh")


@pytest.mark.parametrize("edit, message", [
    (lambda wb: _remove_header(wb["LR 0.5"]),
     "sheet 'LR 0.5' has the table of a 2-3-3 network (header row 4) but no δ_2_3[e2]"),
    (_remove_description, "but the workbook has no defined name network_description, which says its layers"),
    (_unknown_activation, "unknown or misplaced activation 'tanhh'"),
    (lambda wb: wb["LR 1.0"].delete_rows(4), "sheet 'LR 1.0' has no table of the network"),
])
def test_a_general_workbook_that_cannot_be_checked(general_workbooks, tmp_path, edit, message):
    wb = openpyxl.load_workbook(general_workbooks["softmax"])
    edit(wb)
    wb.save(tmp_path / "bad.xlsx")
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "bad.xlsx"), "--engine", "formulas"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and message in result.stderr and "Traceback" not in result.output


def test_verbose_shows_the_network_it_rebuilt(general_workbooks):
    result = CliRunner().invoke(cli, ["verify", str(general_workbooks["softmax"]), "--engine", "none", "-v"])
    assert result.exit_code == 0, result.output
    assert "network: 2-3-3 (tanh, softmax; cross-entropy), 3 examples, biases trained" in result.output
    assert "η: 'LR 0.1'!B2" in result.output and "in_x_1_e2 = 'Network'!B10" in result.output


def test_a_class_of_general_workbooks(general_workbooks, broken, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.xlsx").write_bytes(general_workbooks["xor"].read_bytes())
    (folder / "ben.xlsx").write_bytes(broken["softmax"].read_bytes())
    result = CliRunner().invoke(cli, ["verify", str(folder), "--engine", "formulas"])
    assert result.exit_code == 1, result.output
    assert "ada.xlsx  pass" in result.output
    ben = cell("softmax", "LR 0.1", "δ_1_1[e2]", 0)[0]
    assert f"ben.xlsx  FAIL  {ben}: {ben} (column δ_1_1[e2], iteration 0) is " in result.output


# --- the dependency records the root causes are found with -----------------------------------------------

OWN = {  # relu and linear layers, fixed biases, one example: what xor and softmax do not have
    "name": "own", "iterations": 3, "learning_rates": [0.1], "layers": [3, 2, 2, 1],
    "activations": ["relu", "linear", "tanh"], "biases": [[0.1, -0.2], [0.3, 0.0], [0.5]],
    "examples": [{"inputs": [0.5, -1.0, 2.0], "targets": [0.25]}],
    "weights": [[[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]], [[0.7, -0.8], [0.9, 0.1]], [[-0.2, 0.3]]],
}
SOFTMAX_SQUARED = {  # softmax with half-squared-error: its δ reads every output
    **OWN, "layers": [2, 3], "activations": ["softmax"], "biases": [[0.0, 0.1, 0.2]],
    "examples": [{"inputs": [1.0, 0.5], "targets": [0.0, 1.0, 0.0]}, {"inputs": [0.0, 1.0], "targets": [1.0, 0.0, 0.0]}],
    "weights": [[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]],
}
_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?![\w(])|\b([a-z][a-z0-9_]*)\b")
_CONSTANT = [  # the generator's defined names -> the quantity they hold
    (re.compile(r"in_x_(\d+)_e(\d+)"), lambda k, e: Quantity(Kind.INPUT, 0, int(k), example=int(e))),
    (re.compile(r"tgt_t_(\d+)_e(\d+)"), lambda j, e: Quantity(Kind.TARGET, neuron=int(j), example=int(e))),
    (re.compile(r"w_(\d+)_(\d+)_(\d+)_init"), lambda l, j, k: Quantity(Kind.WEIGHT, int(l), int(j), int(k))),
    (re.compile(r"(?:bias_)?b_(\d+)_(\d+)(?:_init)?"), lambda l, j: Quantity(Kind.BIAS, int(l), int(j))),
]


@pytest.mark.parametrize("net", [network_of("xor"), network_of("softmax"), parse_network(OWN, "own"),
                                 parse_network(SOFTMAX_SQUARED, "softmax-squared")], ids=["xor", "softmax", "own", "sq"])
def test_dependency_records_name_what_each_written_formula_reads(net, tmp_path):
    """Column.depends (network/columns.py) lists exactly the cells and names the generator's formulas read:
    iteration 0 and 1 of every column, read back from the workbook."""
    book = read(write_workbook(net, tmp_path / "net.xlsx"))
    columns = net.columns()
    header_of = {column_letter(k + 1): c.header for k, c in enumerate(columns)}
    for k, c in enumerate(columns[1:], start=1):
        read_by = set()
        for r in (FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 2):
            formula = book.formula((f"LR {net.learning_rates[0]}", r, k + 1))
            for letters, number, defined in _REF.findall(formula):
                if defined:
                    read_by.add((_quantity(net, defined), At.NETWORK))
                elif (letters, number) == ("B", "2"):
                    read_by.add(("η", At.SHEET))
                else:
                    read_by.add((header_of[letters], At.ROW if int(number) == r else At.PREVIOUS))
        assert read_by == {(d.name, d.at) for d in c.depends}, c.header


def _quantity(net, defined: str) -> str:
    for pattern, quantity in _CONSTANT:
        m = pattern.fullmatch(defined)
        if m:
            return net.name_of(quantity(*m.groups()))
    raise AssertionError(f"unknown defined name {defined}")
