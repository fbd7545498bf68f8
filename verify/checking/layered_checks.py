"""The checks on a general network's tables: formulas where formulas belong, values against network/reference.py.

1. Structure: every cell of every computed column holds a formula, iteration 0's weights and biases too
   (they read the Network sheet's initial values: `=w_1_1_1_init`); an empty one makes the table unfinished.
2. Values, saved or recalculated by an engine, against the general NumPy reference, fed with the workbook's
   own numbers: the examples and the initial weights and biases from the Network sheet's named cells, η from
   the sheet's η cell. Tables whose numbers agree but for η train side by side in one call.

The root causes of a table's wrong values come from the columns' dependency records (network/columns.py,
Column.depends): a cell is a root cause when it is wrong while every input its formula is written with is
right (the same row's columns it reads, the row above's for an update, the Network sheet's constants and η,
from which the reference itself starts). Cells are visited row by row, each row's columns in dependency
order (weights and biases first, then the forward pass, the δs, the gradients); a column is reported at its
first such cell. The first wrong cell of the table is always one; a wrong column whose inputs are wrong too
(downstream of another mistake) is not reported, an independent second mistake is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from network import At, Column, Example, Kind, Network, Quantity, trajectory
from network.layout import constant_name, fixed_bias_name
from verify.reading import cells
from verify.checking import classic_checks
from verify.reading.book import Book
from verify.reading.cells import CellKey, Value
from verify.checking.expected import BadInput
from verify.tables.layered_tables import GeneralTable
from verify.reports.report import Finding
from verify.reading.table import Table


@dataclass(frozen=True)
class Start:
    """The network one table trains: the workbook's numbers, its rows, and its η as the one learning rate."""

    net: Network


class GeneralChecks:
    """The checks of verify/checking/workbook.py for the tables of a general network (check.py's classic ones beside it)."""

    def __init__(self, tables: list[GeneralTable]):
        self.general = {g.table.sheet: g for g in tables}
        self.tables = [g.table for g in tables]

    def structure(self, table: Table, book: Book) -> list[Finding]:
        computed = computed_cells(self.general[table.sheet])
        found = (classic_checks.still_empty(table, book, computed), classic_checks.not_formulas(table, book, computed))
        return [f for f in found if f]

    def values(
        self, tables: list[Table], check: str, values: Mapping[CellKey, Value], book: Book, rtol: float, atol: float
    ) -> list[list[Finding]]:
        """One check (saved values, or an engine's) of every table: its root causes, [] when it passes."""
        general = [self.general[t.sheet] for t in tables]
        starts = [start(g, values) for g in general]
        columns = iter(expected([s for s in starts if isinstance(s, Start)]))
        results = []
        for g, s in zip(general, starts):
            if isinstance(s, BadInput):
                results.append([classic_checks.bad_input(g.table, check, s)])
            else:
                results.append(root_causes(g, check, next(columns), values, book, rtol=rtol, atol=atol))
        return results

    def cells(self, table: Table) -> int:
        """The cells compared per check: every computed column on every row."""
        return (table.last_row - table.first_row + 1) * len(table.columns)

    def describe(self, table: Table) -> str:
        return self.general[table.sheet].describe()


def computed_cells(g: GeneralTable) -> list[tuple[CellKey, str, int]]:
    """(cell, column name, iteration) of every cell that must hold a formula, row by row."""
    t = g.table
    return [
        ((t.sheet, row, t.columns[c.header]), c.header, i)
        for i, row in enumerate(range(t.first_row, t.last_row + 1))
        for c in g.columns
    ]


def start(g: GeneralTable, values: Mapping[CellKey, Value]) -> Start | BadInput:
    """The network a table trains, with the numbers of `values` (saved or recalculated); or the first of those
    cells that does not hold a number."""
    net, table = g.net, g.table
    n = len(net.examples)

    def read(q: Quantity, defined: str) -> float:
        cell = cells.key(table.scalars[defined])
        x = cells.number(values.get(cell))
        if x is None:
            raise _NotANumber(BadInput(net.name_of(q), cell, values.get(cell)))
        return x

    try:
        examples = tuple(
            Example(
                tuple(read(q, constant_name(q, n)) for k in range(1, net.layers[0] + 1)
                      for q in [Quantity(Kind.INPUT, 0, k, example=e)]),
                tuple(read(q, constant_name(q, n)) for j in range(1, net.layers[-1] + 1)
                      for q in [Quantity(Kind.TARGET, neuron=j, example=e)]),
            )
            for e in range(1, n + 1)
        )
        weights = tuple(
            tuple(tuple(read(q, constant_name(q, n)) for k in range(1, below + 1) for q in [Quantity(Kind.WEIGHT, l, j, k)])
                  for j in range(1, width + 1))
            for l, (below, width) in enumerate(zip(net.layers, net.layers[1:]), start=1)
        )
        biases = tuple(tuple(_bias(net, l, j, read) for j in range(1, width + 1)) for l, width in enumerate(net.layers[1:], start=1))
        eta = cells.number(values.get(cells.key(table.eta)))
        if eta is None:
            raise _NotANumber(BadInput("η", cells.key(table.eta), values.get(cells.key(table.eta))))
    except _NotANumber as bad:
        return bad.args[0]
    return Start(replace(net, examples=examples, weights=weights, biases=biases,
                         iterations=table.last_row - table.first_row, learning_rates=(eta,)))


def expected(starts: list[Start]) -> list[dict[str, np.ndarray]]:
    """Per start: column name -> its expected value on every row; networks equal but for η train together."""
    groups: dict[Network, list[int]] = defaultdict(list)
    for k, s in enumerate(starts):
        groups[replace(s.net, learning_rates=())].append(k)
    result: list[dict[str, np.ndarray]] = [{} for _ in starts]
    for net, members in groups.items():
        rates = tuple(starts[k].net.learning_rates[0] for k in members)
        columns = trajectory(replace(net, learning_rates=rates), overflow="ignore")
        for position, k in enumerate(members):
            result[k] = {header: rows[position] for header, rows in columns.items()}
    return result


def root_causes(
    g: GeneralTable,
    check: str,
    want: Mapping[str, np.ndarray],
    values: Mapping[CellKey, Value],
    book: Book,
    *,
    rtol: float,
    atol: float,
) -> list[Finding]:
    """The table's root causes in `values` (module docstring), in dependency order; [] when all agree."""
    table = g.table
    order = dependency_order(g.columns)
    names = [c.header for c in order]
    index = {name: k for k, name in enumerate(names)}
    rows = range(table.first_row, table.last_row + 1)
    raw = [[values.get((table.sheet, row, table.columns[name])) for name in names] for row in rows]
    actual = np.array([[_float(v) for v in line] for line in raw], dtype=float).reshape(len(rows), len(names))
    expect = np.column_stack([want[name] for name in names])
    with np.errstate(invalid="ignore"):
        right = np.abs(actual - expect) <= np.maximum(atol, rtol * np.maximum(np.abs(actual), np.abs(expect)))
    wrong = ~right
    flat = np.flatnonzero(wrong)  # row by row, each row in dependency order
    if flat.size == 0:
        return []
    inputs_right = np.ones_like(right)
    for k, column in enumerate(order):
        for dep in column.depends:
            if dep.at is At.ROW:
                inputs_right[:, k] &= right[:, index[dep.name]]
            elif dep.at is At.PREVIOUS:
                inputs_right[1:, k] &= right[:-1, index[dep.name]]
    roots = wrong & inputs_right
    causes = sorted((int(np.argmax(roots[:, k])), k) for k in range(len(names)) if roots[:, k].any())
    findings = []
    for n, (i, k) in enumerate(causes):
        cell = (table.sheet, table.first_row + i, table.columns[names[k]])
        findings.append(Finding(
            check=check,
            kind="error value" if cells.is_error(raw[i][k]) else "mismatch",
            cell=cells.address(cell),
            quantity=names[k],
            header=names[k],
            iteration=i,
            formula=book.formula(cell),
            expected=float(expect[i, k]),
            actual=raw[i][k],
            # the first finding counts every other wrong cell of the table, the others their column's
            others=int(flat.size) - 1 if n == 0 else int(wrong[i + 1 :, k].sum()),
        ))
    return findings


def dependency_order(columns: tuple[Column, ...]) -> list[Column]:
    """The columns in sheet order, each moved after the columns of its own row it reads (a row's weights and
    biases, at the end of the sheet, come before the first weighted sum that reads them)."""
    by_name = {c.header: c for c in columns}
    order: dict[str, Column] = {}

    def place(c: Column) -> None:
        if c.header not in order:
            for dep in c.depends:
                if dep.at is At.ROW:
                    place(by_name[dep.name])
            order[c.header] = c

    for c in columns:
        place(c)
    return list(order.values())


class _NotANumber(Exception):
    """A starting number that is not one (carries the BadInput)."""


def _bias(net: Network, l: int, j: int, read) -> float:
    """b_l_j's starting value: a trained bias's initial value, a fixed bias, or 0 where the network has none."""
    q = Quantity(Kind.BIAS, l, j)
    if net.train_biases:
        return read(q, constant_name(q, len(net.examples)))
    return read(q, fixed_bias_name(l, j)) if net.biases_given else 0.0


def _float(value: Value) -> float:
    x = cells.number(value)
    return np.nan if x is None else x
