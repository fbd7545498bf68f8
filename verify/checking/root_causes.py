"""The root causes of a table's wrong values, one search for every network, over its column records
(network/columns.py, Column.depends).

Cells are visited row by row, each row in dependency order (the starting numbers a table holds in columns,
then the weights and biases, the forward pass, the δs, the gradients: each column after the columns of its own
row that it reads). The first wrong cell is a root cause. So is every other wrong column that is wrong even
given its own inputs as the sheet holds them: recomputed with its right formula from the sheet's own values of
what it reads (verify/naming/recompute.py), it differs from what it holds (a second, independent mistake).
A column that is only wrong because what it reads is wrong agrees with its recomputation and is only counted.
Each root cause is then named, where it can be, by the mistake catalogue (verify/naming/mistakes.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import numpy as np

from network import At, Column, Kind
from verify.checking.starts import Start
from verify.naming import mistakes
from verify.naming.recompute import Numbers, columns_of
from verify.naming.tolerance import close
from verify.reading import cells
from verify.reading.book import Book
from verify.reading.cells import CellKey, Value
from verify.reading.table import Table
from verify.reports.report import Finding


def compared(table: Table) -> list[str]:
    """The names of the table's columns the value checks compare, in dependency order."""
    by_name = columns_of(table.net)
    typed = [q for q in table.starts if q in table.columns and q not in by_name]  # inputs typed into columns
    return typed + [c.header for c in dependency_order(tuple(by_name.values())) if c.header in table.columns]


def dependency_order(columns: tuple[Column, ...]) -> list[Column]:
    """The columns in sheet order, each moved after the columns of its own row it reads (a row's weights and
    biases, at the end of a general network's sheet, come before the first weighted sum that reads them)."""
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


def root_causes(
    table: Table,
    check: str,
    start: Start,
    want: Mapping[str, np.ndarray],
    values: Mapping[CellKey, Value],
    book: Book,
    *,
    rtol: float,
    atol: float,
) -> list[Finding]:
    """Every independent root cause among the table's values (saved or recalculated), in dependency order;
    [] when all agree with the reference `want` (name -> every row's value)."""
    names = compared(table)
    by_name = columns_of(table.net)
    rows = range(table.first_row, table.last_row + 1)
    raw = [[values.get((table.sheet, row, table.columns[q])) for q in names] for row in rows]
    actual = np.array([[_float(v) for v in line] for line in raw], dtype=float).reshape(len(rows), len(names))
    expect = np.column_stack([want[q] for q in names])
    wrong = ~close(actual, expect, rtol, atol)
    flat = np.flatnonzero(wrong)  # row by row, each row in dependency order
    if flat.size == 0:
        return []
    first_i, first_j = divmod(int(flat[0]), len(names))
    numbers = Numbers(table.net, {q: actual[:, k] for k, q in enumerate(names)}, dict(start.constants), start.eta,
                      len(rows))
    suspects = [q for k, q in enumerate(names) if wrong[:, k].any()]
    # column -> (its first row that is wrong given its inputs, the value due there)
    causes = wrong_given_inputs(numbers, suspects, rtol=rtol, atol=atol)
    for k, q in enumerate(names):  # a starting number typed into a column has no formula to recompute
        if q not in by_name and wrong[:, k].any():
            i = int(np.argmax(wrong[:, k]))
            causes[q] = (i, float(expect[i, k]))
    causes[names[first_j]] = (first_i, float(expect[first_i, first_j]))
    findings = []
    for n, (q, (i, should)) in enumerate(sorted(causes.items(), key=lambda item: (item[1][0], names.index(item[0])))):
        j = names.index(q)
        cell = (table.sheet, table.first_row + i, table.columns[q])
        finding = Finding(
            check=check,
            kind="error value" if cells.is_error(raw[i][j]) else "mismatch",
            cell=cells.address(cell),
            quantity=q,
            header=table.headers.get(q, q),
            iteration=i,
            formula=book.formula(cell),
            expected=should,
            actual=raw[i][j],
            # the first finding counts every other wrong cell of the table, the others their column's
            others=int(flat.size) - 1 if n == 0 else int(wrong[i + 1 :, j].sum()),
        )
        named = _name_mistake(table, q, i, numbers, values, book, rtol=rtol, atol=atol)
        findings.append(replace(finding, mistake=named.sentence, mistake_key=named.key) if named else finding)
    return findings


def wrong_given_inputs(numbers: Numbers, names: list[str], *, rtol: float, atol: float) -> dict[str, tuple[int, float]]:
    """The columns of `names` that are wrong even given their own inputs as the sheet holds them: name -> (the
    first such row, 0-based; what it should hold there given its inputs), in the order of `names`. Names without
    a formula of their own (the iteration, a starting number) are skipped; rows whose inputs hold an error value
    are not judged."""
    found = {}
    for q in [q for q in names if q in columns_of(numbers.net)]:
        with np.errstate(all="ignore"):
            local = numbers.right(q)
            bad = np.isfinite(local) & ~close(local, numbers.actual(q), rtol, atol)
        if bad.any():
            i = int(np.argmax(bad))
            found[q] = (i, float(local[i]))
    return found


def _name_mistake(
    table: Table, q: str, i: int, numbers: Numbers, values: Mapping[CellKey, Value], book: Book,
    *, rtol: float, atol: float,
) -> mistakes.Named | None:
    """Ask the catalogue (verify/naming/mistakes.py) which known mistake makes column `q` wrong from row i."""
    by_name = columns_of(table.net)
    rows = range(table.first_row, table.last_row + 1)
    initial = {
        w: v
        for w, ref in table.scalars.items()
        if w in by_name and by_name[w].kind is Kind.WEIGHT and (v := cells.number(values.get(cells.key(ref)))) is not None
    }
    return mistakes.identify(
        table, q, i, numbers,
        formulas={q: [book.formula((table.sheet, r, table.columns[q])) for r in rows]},  # what the catalogue reads
        initial_weights=initial or None, rtol=rtol, atol=atol,
    )


def _float(value: Value) -> float:
    x = cells.number(value)
    return np.nan if x is None else x
