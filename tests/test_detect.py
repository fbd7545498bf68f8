"""Layout detection: the header vocabulary, hand-built layouts, generated workbooks, foreign files."""

from __future__ import annotations

import re
from pathlib import Path

import handbuilt
import openpyxl
import pytest

from network import layout
from excelgen.errors import WorkbookError
from network import load_network
from verify.tables import vocabulary
from conftest import classic_values, read_book
from verify.tables.classic_tables import find_tables

HANDBUILT_PAGE = Path(__file__).resolve().parents[1] / "docs" / "handbuilt.md"


@pytest.mark.parametrize(
    "header, quantity",
    [
        ("E_total", "E_total"),
        ("E_Total", "E_total"),
        ("E_tot", "E_total"),
        ("E_t", "E_total"),
        ("Etot", "E_total"),
        ("E total", "E_total"),
        ("a_h1", "a_h1"),
        ("ah1", "a_h1"),
        ("out_h1", "a_h1"),
        ("σ(h1)", "a_h1"),
        ("A_H2", "a_h2"),
        ("net_h1", "h1"),
        ("H1", "h1"),
        ("out_o2", "a_o2"),
        ("E_o1", "E1"),
        ("W3", "w3"),
        ("w 3", "w3"),
        ("dE/dw1", "∂E_total/∂w1"),
        ("∂E/∂w1", "∂E_total/∂w1"),
        ("∂E_total/∂w1", "∂E_total/∂w1"),
        ("∂E_t/∂w1", "∂E_total/∂w1"),
        ("dE_total/dw1", "∂E_total/∂w1"),
        ("dE_tot/dW8", "∂E_total/∂w8"),
        ("∂E_total/∂out_h1", "∂E_total/∂a_h1"),
        ("dE/da_h2", "∂E_total/∂a_h2"),
        ("Iteration", "iteration"),
        ("i1", "i1"),
        ("t2:", "t2"),
        ("b1", "b1"),
        ("w₁", "w1"),  # a subscript digit
        # the family of the spellings seen in a class
        ("dw1", "∂E_total/∂w1"),
        ("δw2", "∂E_total/∂w2"),
        ("∂E∂W1", "∂E_total/∂w1"),
        ("dE_dw4", "∂E_total/∂w4"),
        ("Etotaldw1", "∂E_total/∂w1"),
        ("Etot∂w6", "∂E_total/∂w6"),
        ("grad_w7", "∂E_total/∂w7"),
        ("act_h1", "a_h1"),
        ("act_o1", "a_o1"),
        ("activation_h2", "a_h2"),
        ("sigmoid_o2", "a_o2"),
        ("output_o1", "a_o1"),
        ("∂E/∂act_h1", "∂E_total/∂a_h1"),
        ("dact_h2", "∂E_total/∂a_h2"),
        ("Δw1", None),  # the change of w1, η·∂E/∂w1, not its derivative
        *((h, h) for h in layout.HEADERS),  # the generated sheet's own headers
        # texts that name nothing
        ("LR 0.1", None),
        ("Month", None),
        ("w9", None),
        ("h3", None),
        ("w1 new", None),
        ("h1 = w1*i1 + w2*i2", None),
        (0.15, None),
        (None, None),
    ],
)
def test_vocabulary_maps_header_to_quantity(header, quantity):
    assert vocabulary.quantity(header) == quantity


@pytest.mark.parametrize(
    "text, is_eta",
    [
        ("LR", True),
        ("lr", True),
        ("η", True),
        ("ɳ", True),
        ("eta", True),
        ("learning rate", True),
        ("Learning Rate", True),
        ("Learning_rate:", True),
        ("η (learning rate)", True),
        ("ͷ", True),  # U+0377, a look-alike of η
        ("Ͷ", True),
        ("ƞ (learning rate)", True),
        ("ή", True),
        ("learning rate ŋ", True),
        ("n", False),
        ("rate", False),
        ("LR 0.5", False),
        ("Income", False),
        (0.5, False),
    ],
)
def test_eta_labels(text, is_eta):
    assert vocabulary.is_eta_label(text) is is_eta


def test_the_docs_list_the_vocabulary():
    """Every spelling in verify/tables/vocabulary.py appears in docs/handbuilt.md's vocabulary table, and back."""
    section = HANDBUILT_PAGE.read_text("utf-8")
    rows = dict(re.findall(r"^\| `([^`]+)` \| (.+) \|$", section, re.M))
    for canonical, spellings in vocabulary.SPELLINGS.items():
        if canonical.startswith("∂"):  # documented as patterns: any E spelling, any a_h spelling
            continue
        if spellings == (canonical,):  # w1..w8: nothing to list
            assert "| `w1` … `w8` |" in section
            continue
        assert canonical in rows, f"docs/handbuilt.md lacks the row of {canonical}"
        assert re.findall(r"`([^`]+)`", rows[canonical]) == [s for s in spellings if s != canonical], canonical
    for pattern in ("`∂E_total/∂a_h1`, `∂E_total/∂a_h2`", "`∂E_total/∂w1` … `∂E_total/∂w8`"):
        assert f"| {pattern} |" in section
    for label in vocabulary.ETA_LABELS:
        assert f"`{label}`" in section


# What each hand-built layout (tests/handbuilt.py) must be read as: sheet, header row, rows,
# η cell, where i1 and t2 come from, and a few columns.
LAYOUT_CASES = [
    # layout, sheet, header, first, last, η, i1, t2, {quantity: column}
    ("typical", "Backprop", 9, 10, 22, "B7", "column C", "column B", {"w1": "E", "E_total": "W", "∂E_total/∂w8": "AE"}),
    ("cells_above", "Sheet1", 12, 13, 25, "H2", "B2", "E2", {"iteration": "A", "a_h1": "K", "∂E_total/∂a_h2": "V"}),
    ("per_learning_rate", "eta=0.5", 3, 4, 16, "B1", "'Inputs'!B1", "'Inputs'!B4", {"a_o1": "O", "E_total": "T"}),
    ("biases_left", "Mazur", 3, 4, 16, "B10", "B3", "B6", {"iteration": "D", "w1": "E", "∂E_total/∂w1": "X"}),
    ("own_words", "My backprop", 7, 8, 20, "B5", "B1", "B4", {"a_o2": "Q", "∂E_total/∂w3": "Y", "∂E_total/∂w8": "AD"}),
    ("biases_typed", "Typed biases", 3, 4, 16, "B10", "B3", "B6", {"h1": "M", "o1": "Q", "∂E_total/∂w1": "X"}),
]


@pytest.mark.parametrize(
    "edit, typed",
    [
        (None, {"b1": 0.35, "b2": 0.6}),
        (lambda ws: ws.__setitem__("Q4", ws["Q4"].value.replace("+0.6", "+0.6*1")), {"b1": 0.35, "b2": 0.6}),  # b2·1
        (lambda ws: ws.__setitem__("O4", ws["O4"].value.replace("+0.35", "+0.36")), {"b1": 0.35, "b2": 0.6}),  # h1's
        (lambda ws: ws.__setitem__("M4", ws["M4"].value.replace("+0.35", "+B10")), {"b2": 0.6}),  # a cell, no number
    ],
    ids=["as-written", "times-one", "h2-differs", "a-cell"],
)
def test_a_bias_typed_into_the_net_inputs_is_read_from_them(edit, typed):
    """No cell holds b1 or b2: each is the number at the end of its layer's first net input (h1, o1) in iteration 0."""
    wb = handbuilt.biases_typed()
    if edit is not None:
        edit(wb["Typed biases"])
    (t,) = find_tables(read_book(wb))
    assert "b1" not in t.starts and "b2" not in t.starts
    assert dict(t.typed) == typed


def test_a_net_input_whose_typed_bias_differs_is_the_mistake(tmp_path):
    """h2 adds 0.36 where h1 adds 0.35 (b1): the mistake is named at h2's first cell, not at every net input."""
    from verify.checking.workbook import check_workbook

    wb = handbuilt.biases_typed()
    ws = wb["Typed biases"]
    for row in range(4, 4 + handbuilt.ITERATIONS + 1):
        ws[f"O{row}"] = ws[f"O{row}"].value.replace("+0.35", "+0.36")
    wb.save(tmp_path / "slip.xlsx")
    report = check_workbook(tmp_path / "slip.xlsx", engine="formulas")
    assert [c.finding.cell for c in report.root_causes] == ["'Typed biases'!O4"]


def test_a_bias_in_a_cell_is_not_read_from_the_formulas():
    (t,) = find_tables(read_book(handbuilt.biases_left()))
    assert "b1" in t.starts and dict(t.typed) == {}


@pytest.mark.parametrize("name, sheet, header, first, last, eta, i1, t2, some", LAYOUT_CASES)
def test_handbuilt_layout_is_recognised(name, sheet, header, first, last, eta, i1, t2, some):
    tables = {t.sheet: t for t in find_tables(read_book(handbuilt.LAYOUTS[name]()))}
    t = tables[sheet]
    assert (t.header_row, t.first_row, t.last_row) == (header, first, last)
    assert t.eta.address() == f"'{sheet}'!{eta}"
    for q, where in (("i1", i1), ("t2", t2)):
        if where.startswith("column "):
            assert t.columns[q] == openpyxl.utils.column_index_from_string(where.split()[1])
        else:
            assert t.scalars[q].address() == (where if "!" in where else f"'{sheet}'!{where}")
    for q, letter in some.items():
        assert t.column_letter(q) == letter


@pytest.mark.parametrize("name", handbuilt.LAYOUTS)
def test_every_header_of_a_layout_is_mapped(name):
    """All the layout's columns are recognised, under the header text the student wrote."""
    wb = handbuilt.LAYOUTS[name]()
    for t in find_tables(read_book(wb)):
        ws = wb[t.sheet]
        written = {ws.cell(t.header_row, c).value: q for q, c in t.columns.items() if q not in t.origins}
        assert all(vocabulary.quantity(text) == q for text, q in written.items())
        assert {*layout.WEIGHTS, "h1", "a_o2", "E_total", "∂E_total/∂w5"} <= set(t.columns)
        assert t.headers == {q: ws.cell(t.header_row, c).value for q, c in t.columns.items()}


def test_columns_recognised_by_their_formulas():
    """own_words: `y2` computes σ(o2); `g5`..`g8` are what the updates of w5..w8 subtract; the δ
    columns the gradients read are listed as not checked; η is labelled with a look-alike `ͷ`."""
    (t,) = find_tables(read_book(handbuilt.own_words()))
    assert t.origins == {
        "a_o2": "computes a_o2",
        **{f"∂E_total/∂w{n}": f"the update of w{n} subtracts η times it" for n in range(5, 9)},
    }
    assert {q: t.column_letter(q) for q in t.origins} == {
        "a_o2": "Q", "∂E_total/∂w5": "AA", "∂E_total/∂w6": "AB", "∂E_total/∂w7": "AC", "∂E_total/∂w8": "AD",
    }
    assert t.not_checked() == ["column U 'delta_o1': not checked", "column V 'delta_o2': not checked"]
    assert t.eta_label == "ͷ"
    text = t.describe()
    assert "columns (by header): A # = iteration" in text
    assert "columns (by formula): Q 'y2' = a_o2 (computes a_o2), AA 'g5' = ∂E_total/∂w5" in text
    assert "column U 'delta_o1': not checked" in text


@pytest.mark.parametrize(
    "header, formula, quantity",
    [
        ("s(h1)", "=1/(1+EXP(-{h1}))", "a_h1"),
        ("sum", "={w1}*{i1}+{w2}*{i2}", "h1"),
        ("loss", "=0.5*({t1}-{a_o1})^2+0.5*({t2}-{a_o2})^2", "E_total"),
        ("err", "=({a_o1}-{t1})^2/2", "E1"),
        ("back", "=(({a_o1}-{t1})*{a_o1}*(1-{a_o1})*{w6}+({a_o2}-{t2})*{a_o2}*(1-{a_o2})*{w8})*{a_h2}*(1-{a_h2})*{i2}",
         "∂E_total/∂w4"),
    ],
)
def test_a_column_is_recognised_by_what_it_computes(header, formula, quantity):
    """A column of the typical layout given an unknown header (and a new formula, in the
    students' own order of terms) is still recognised."""
    wb = handbuilt.typical()
    ws = wb["Backprop"]
    (before,) = find_tables(read_book(handbuilt.typical()))
    col = before.columns[quantity]
    ws.cell(before.header_row, col).value = header
    for row in range(before.first_row, before.last_row + 1):
        letters = {q: f"{before.column_letter(q)}{row}" for q in before.columns}
        ws.cell(row, col).value = formula.format(**letters)
    if quantity.startswith("∂"):  # not read by the update of w4: only what it computes tells
        for row in range(before.first_row + 1, before.last_row + 1):
            ws.cell(row, before.columns["w4"]).value = f"=H{row - 1}-$B$7*AA{row - 1}+0*Z{row - 1}"
    (t,) = find_tables(read_book(wb))
    assert t.columns[quantity] == col and t.origins[quantity] == f"computes {quantity}"
    assert t.headers[quantity] == header


@pytest.mark.parametrize(
    "formula",
    ["=IF(A{r}>0,1,2)", '="text"', "=[1]Sheet1!A{r}", "=" + "(" * 60 + "A{r}" + ")" * 60 + "+0" * 1000, "=SUM(A{r}:C{r})", "=A{r}/0"],
)
def test_formulas_that_name_nothing_are_listed(formula):
    """A column of formulas the evaluator does not handle (or computes nothing known) is listed."""
    wb = handbuilt.typical()
    ws = wb["Backprop"]
    ws["AF9"] = "check"
    for row in range(10, 23):
        ws[f"AF{row}"] = formula.format(r=row)
    (t,) = find_tables(read_book(wb))
    assert t.not_checked() == ["column AF 'check': not checked"]


def test_a_column_of_changes_is_not_a_gradient():
    """`Δw1` = η·∂E/∂w1 and the update `w1 − Δw1`: the column is listed as not checked, not
    taken for ∂E/∂w1."""
    wb = handbuilt.typical()
    ws = wb["Backprop"]
    ws["X9"] = "Δw1"
    for row in range(10, 23):
        ws[f"X{row}"] = ws[f"X{row}"].value.replace("=", "=$B$7*(", 1) + ")"
        if row > 10:
            ws[f"E{row}"] = f"=E{row - 1}-X{row - 1}"
    (t,) = find_tables(read_book(wb))
    assert "∂E_total/∂w1" not in t.columns
    assert t.not_checked() == ["column X 'Δw1': not checked"]


def test_eta_reached_through_a_relative_reference():
    """No cell labelled η and updates written `=E10-(B7*X10)`, sliding to B8, B9, ...: η is B7."""
    t = next(t for t in find_tables(read_book(handbuilt.several_workbook())) if t.sheet == "relative eta")
    assert t.eta.address() == "'relative eta'!B7" and t.eta_label is None


def test_table_of_typed_numbers_has_no_computed_rows():
    wb = handbuilt.typical()
    ws = wb["Backprop"]
    ws.delete_rows(11, 30)
    for cell in ws[10]:
        if isinstance(cell.value, str):
            cell.value = 0.5
    with pytest.raises(WorkbookError) as err:
        find_tables(read_book(wb))
    assert str(err.value) == (
        "sheet 'Backprop' has a backpropagation table (header row 9) but no computed rows: under the "
        "header there are only typed-in numbers, no formulas to check"
    )


def test_one_table_per_learning_rate_sheet():
    tables = find_tables(read_book(handbuilt.per_learning_rate()))
    assert [t.sheet for t in tables] == ["eta=0.1", "eta=0.5", "eta=2"]
    assert [t.eta.address() for t in tables] == ["'eta=0.1'!B1", "'eta=0.5'!B1", "'eta=2'!B1"]


def test_biases_are_found_when_present():
    (t,) = find_tables(read_book(handbuilt.biases_left()))
    assert {q: r.address() for q, r in t.scalars.items() if q in ("b1", "b2")} == {"b1": "'Mazur'!B7", "b2": "'Mazur'!B8"}
    assert "i1" not in t.columns  # the label `i1` left of the header row is a cell, not a column


def test_eta_without_label_is_the_absolute_reference_of_the_updates():
    wb = handbuilt.typical()
    wb["Backprop"]["A7"] = None  # no `LR` label: the updates still say $B$7
    (t,) = find_tables(read_book(wb))
    assert t.eta.address() == "'Backprop'!B7"
    assert t.eta_label is None


def test_describe_says_what_was_recognised():
    (t,) = find_tables(read_book(handbuilt.typical()))
    text = t.describe()
    assert "by formula" not in text and "not checked" not in text
    for part in ("sheet 'Backprop'", "header row 9", "rows 10-22", "'Backprop'!B7", "'LR'", "W E_tot = E_total", "E w1"):
        assert part in text


@pytest.mark.parametrize("template", ["era-s6", "mazur"])
def test_generated_workbook_is_one_layout_among_these(template, tmp_path):
    from excelgen.workbook import write_workbook

    spec = load_network(template)
    path = write_workbook(spec, tmp_path / "generated.xlsx")
    wb = openpyxl.load_workbook(path)
    tables = find_tables(read_book(wb))
    assert [t.sheet for t in tables] == [layout.lr_sheet_name(r) for r in spec.learning_rates]
    values = openpyxl.load_workbook(path, data_only=True)
    for t in tables:
        assert t.header_row == layout.HEADER_ROW + 1 and t.first_row == layout.FIRST_DATA_ROW + 1
        assert t.last_row - t.first_row == spec.iterations
        assert dict(t.columns) == {h: i + 1 for i, h in enumerate(layout.HEADERS)}
        assert (t.eta.row, t.eta.col) == (layout.ETA_CELL[0] + 1, layout.ETA_CELL[1] + 1)
        for q in ("i1", "i2", "t1", "t2") + (("b1", "b2") if spec.biases_given else ()):
            ref = t.scalars[q]
            assert ref.sheet == layout.NETWORK_SHEET
            assert values[ref.sheet].cell(ref.row, ref.col).value == classic_values(spec)[q]


@pytest.mark.parametrize(
    "damage, missing",
    [
        ({"B9": "target 2?"}, ["t2"]),  # the t2 column's header is unreadable
        ({"A7": None, "B7": None}, ["η (learning rate)"]),  # no η anywhere
        ({"C9": None, "M9": "w5 (new)"}, ["w5", "i1"]),  # no i1 column, w5 unreadable
    ],
)
def test_incomplete_table_lists_what_is_missing(damage, missing):
    wb = handbuilt.typical()
    for address, value in damage.items():
        wb["Backprop"][address] = value
    with pytest.raises(WorkbookError) as err:
        find_tables(read_book(wb))
    message = str(err.value)
    assert "sheet 'Backprop' has a backpropagation table (header row 9) but no" in message
    for q in missing:
        assert q in message


def test_budget_is_not_a_backprop_sheet():
    with pytest.raises(WorkbookError, match="no backpropagation table found"):
        find_tables(read_book(handbuilt.budget()))


def test_derivation_text_alone_is_not_a_table():
    """Equations above a table mention every quantity but do not make a header row."""
    wb = openpyxl.Workbook()
    for i, line in enumerate(handbuilt.DERIVATION):
        wb.active.cell(1 + i, 1, line)
    wb.active.append(["w1", 0.15, "w2", 0.2])  # a few labelled weights are not a table either
    with pytest.raises(WorkbookError, match="no backpropagation table found"):
        find_tables(read_book(wb))
