"""The mistake catalogue: each mistake, planted into a correct hand-built sheet and recalculated
by LibreOffice, is named at its column and first wrong row."""

from __future__ import annotations

import re
from pathlib import Path

import handbuilt
import numpy as np
import openpyxl
import pytest

from conftest import Inputs, read_book, train_classic
from verify.checking.root_causes import wrong_given_inputs
from verify.naming import mistakes
from verify.naming.mistakes import CLASSIC, name_mistake
from verify.naming.recompute import Numbers
from verify.reading.table import Table
from verify.tables.classic_tables import find_tables

CATALOGUE_PAGE = Path(__file__).resolve().parents[1] / "docs" / "mistakes.md"

def test_every_plant_has_an_expected_sentence():
    assert set(handbuilt.NAMED) == set(handbuilt.PLANTS)


@pytest.mark.parametrize("name", handbuilt.PLANTS)
def test_planted_mistake_is_named(name, handbuilt_books):
    plant = handbuilt.PLANTS[name]
    table, sheet = _read(handbuilt_books["mistakes"], name)
    column = plant.wrong_column
    sentence = name_mistake(table, column, plant.first_wrong, sheet.numbers,
                            formulas=sheet.formulas, initial_weights=sheet.initial_weights)
    assert sentence is not None
    header, letter = table.headers[column], table.column_letter(column)
    rows = "from row" if name not in ("typed weight differs", "eta slides", "one row copied wrongly") else "row"
    assert sentence.startswith(f"{header} (column {letter}, {rows} {table.first_row + plant.first_wrong}): ")
    assert handbuilt.NAMED[name] in sentence


@pytest.mark.parametrize("name", handbuilt.KEYS)
def test_catalogue_additions_are_named_by_their_entry(name, handbuilt_books):
    plant = handbuilt.PLANTS[name]
    table, sheet = _read(handbuilt_books["mistakes"], name)
    named = mistakes.identify(table, plant.wrong_column, plant.first_wrong, sheet.numbers,
                              formulas=sheet.formulas, initial_weights=sheet.initial_weights)
    assert named is not None and named.key == handbuilt.KEYS[name]


@pytest.mark.parametrize("layout", handbuilt.LAYOUTS)
def test_correct_columns_match_no_mistake(layout, handbuilt_books):
    """Asked about a column that is right, the catalogue names nothing."""
    for table in find_tables(read_book(handbuilt_books[layout])):
        _, sheet = _read(handbuilt_books[layout], table.sheet)
        for column in ("∂E_total/∂w3", "E1", "w2", "h1"):
            assert name_mistake(table, column, 1, sheet.numbers) is None


def test_unknown_mistake_is_not_named():
    """∂E/∂w5 three times too large is in no catalogue entry: no sentence, rather than a wrong one."""
    x = Inputs(0.05, 0.1, 0.01, 0.99)
    columns = train_classic((0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55), x, (0.5,), 5).columns
    values = {q: v[0].copy() for q, v in columns.items()}
    values["∂E_total/∂w5"] *= 3
    table = Table("S", 1, 2, 7, {q: i + 1 for i, q in enumerate(values)}, eta=None)
    assert name_mistake(table, "∂E_total/∂w5", 0, _numbers(values, x, 0.5)) is None


def test_root_causes_are_the_columns_wrong_given_their_own_inputs():
    """Two independent mistakes planted into the reference's own numbers: both columns are root
    causes at their first wrong row; E_total, which adds the wrong E1 correctly, is not."""
    x = Inputs(0.05, 0.1, 0.01, 0.99)
    columns = train_classic((0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55), x, (0.5,), 5).columns
    values = {q: v[0].copy() for q, v in columns.items()}
    values["E1"][2:] *= 2  # nothing reads E1 but E_total: E_total still agrees with E1 + E2
    values["E_total"][2:] = values["E1"][2:] + values["E2"][2:]
    values["∂E_total/∂w8"][5] *= 3  # the last row: no update reads it
    found = wrong_given_inputs(_numbers(values, x, 0.5), list(values), rtol=1e-9, atol=1e-12)
    assert {q: row for q, (row, _) in found.items()} == {"E1": 2, "∂E_total/∂w8": 5}
    assert found["E1"][1] == pytest.approx(columns["E1"][0][2])


def test_fixture_matches_published_figures_of_the_classic_example(handbuilt_books):
    """An oracle independent of this code: the classic step-by-step example's printed numbers
    (Mazur), reproduced by the biases_left layout after LibreOffice's recalculation."""
    table, sheet = _read(handbuilt_books["biases_left"], "Mazur")
    assert sheet.values["E_total"][0] == pytest.approx(0.298371109, abs=1e-9)
    assert sheet.values["w5"][1] == pytest.approx(0.35891648, abs=1e-8)
    assert sheet.values["w1"][1] == pytest.approx(0.149780716, abs=1e-9)


def test_the_docs_list_the_catalogue_in_order():
    section = CATALOGUE_PAGE.read_text("utf-8")
    documented = re.findall(r"^\| `([a-z-]+)` \| ", section, re.M)
    assert documented == [entry.key for entry in mistakes.CATALOGUE]


class _Sheet:
    """A table's numbers as the checks read them: values, inputs, η, formulas, initial weights."""

    def __init__(self, path: Path, table: Table) -> None:
        values = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path)
        rows = range(table.first_row, table.last_row + 1)

        def number(ref):
            return float(values[ref.sheet].cell(ref.row, ref.col).value)

        def column(q, book=values):
            return [book[table.sheet].cell(r, table.columns[q]).value for r in rows]

        quantities = [q for q in table.columns if q != "iteration"]
        self.values = {q: np.array([_number(v) for v in column(q)]) for q in quantities}
        self.formulas = {q: column(q, formulas) for q in quantities}

        def scalar(q, default=None):
            if q in table.columns:
                return self.values[q][0]
            return number(table.scalars[q]) if q in table.scalars else default

        self.inputs = Inputs(*(scalar(q) for q in ("i1", "i2", "t1", "t2")), scalar("b1", 0.0), scalar("b2", 0.0))
        self.eta = number(table.eta)
        self.numbers = _numbers(self.values, self.inputs, self.eta)
        self.initial_weights = {w: number(r) for w, r in table.scalars.items() if w.startswith("w")}


def _numbers(values: dict[str, np.ndarray], x: Inputs, eta: float) -> Numbers:
    """A classic table's numbers as the checks hold them: its columns, the inputs as constants, η."""
    rows = len(next(iter(values.values())))
    constants = {q: getattr(x, q) for q in ("i1", "i2", "t1", "t2", "b1", "b2")}
    constants |= {w: values[w][0] for w in mistakes.WEIGHTS if w in values}  # a weight starts from its first row
    return Numbers(CLASSIC, values, constants, eta, rows)


def _number(value) -> float:
    """A saved value as a float; NaN for an error value such as #VALUE!."""
    return float(value) if isinstance(value, (int, float)) else np.nan


def _read(path: Path, sheet: str) -> tuple[Table, _Sheet]:
    table = next(t for t in find_tables(read_book(path)) if t.sheet == sheet)
    return table, _Sheet(path, table)
