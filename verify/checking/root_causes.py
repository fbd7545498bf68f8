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
from verify.naming.tolerance import FULL_PRECISION, at_precision, close, rounding_slack
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
    digits: int = FULL_PRECISION,
) -> list[Finding]:
    """Every independent root cause among the table's values (saved or recalculated), in dependency order;
    [] when all agree with the reference `want` (name -> every row's value). `digits`: the significant digits the
    values carry (verify/naming/tolerance.py: a file that stores fewer is compared at that precision)."""
    rtol = at_precision(rtol, digits)
    names = compared(table)
    by_name = columns_of(table.net)
    rows = range(table.iterations + 1)
    by_column = [[values.get(cell) for cell in table.column_cells(q)] for q in names]
    raw = [list(line) for line in zip(*by_column)] if names else [[] for _ in rows]
    actual = np.array([[_float(v) for v in line] for line in raw], dtype=float).reshape(len(rows), len(names))
    expect = np.column_stack([want[q] for q in names])
    judged = judgeable(table, names, raw)
    wrong = ~close(actual, expect, rtol, atol) & judged
    flat = np.flatnonzero(wrong)  # row by row, each row in dependency order
    if flat.size == 0:
        return []
    first_i, first_j = divmod(int(flat[0]), len(names))
    numbers = Numbers(table.net, {q: actual[:, k] for k, q in enumerate(names)}, dict(start.constants), start.eta,
                      len(rows))
    suspects = [q for k, q in enumerate(names) if wrong[:, k].any()]
    # column -> (its first row that is wrong given its inputs, the value due there)
    causes = wrong_given_inputs(numbers, suspects, rtol=rtol, atol=atol, digits=digits,
                                judged={q: judged[:, k] for k, q in enumerate(names)})
    for k, q in enumerate(names):  # a starting number typed into a column has no formula to recompute
        if q not in by_name and wrong[:, k].any():
            i = int(np.argmax(wrong[:, k]))
            causes[q] = (i, float(expect[i, k]))
    causes[names[first_j]] = (first_i, float(expect[first_i, first_j]))
    findings = []
    for n, (q, (i, should)) in enumerate(sorted(causes.items(), key=lambda item: (item[1][0], names.index(item[0])))):
        j = names.index(q)
        cell = table.cell(q, i)
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


def judgeable(table: Table, names: list[str], raw: list[list[Value]]) -> np.ndarray:
    """rows × names: the cells a value check judges. An unfinished table (an exercise, a last row that holds only
    the updated weights) has every filled cell judged whose inputs are judged too; an empty cell, and every cell
    that reads one (in its own row or the row above), is left out (the structure check names the empty ones)."""
    filled = np.array([[v is not None and v != "" for v in line] for line in raw], dtype=bool).reshape(len(raw), len(names))
    if filled.all():
        return filled
    by_name = columns_of(table.net)
    index = {q: k for k, q in enumerate(names)}
    judged = filled.copy()
    for i in range(len(raw)):
        for k, q in enumerate(names):
            if not judged[i, k] or q not in by_name:
                continue
            for dep in by_name[q].depends:
                j = index.get(dep.name)
                if j is None:
                    continue
                if (dep.at is At.ROW and not judged[i, j]) or (dep.at is At.PREVIOUS and i and not judged[i - 1, j]):
                    judged[i, k] = False
                    break
    return judged


def wrong_given_inputs(numbers: Numbers, names: list[str], *, rtol: float, atol: float,
                       digits: int = FULL_PRECISION,
                       judged: Mapping[str, np.ndarray] | None = None) -> dict[str, tuple[int, float]]:
    """The columns of `names` that are wrong even given their own inputs as the sheet holds them: name -> (the
    first such row, 0-based; what it should hold there given its inputs), in the order of `names`. Names without
    a formula of their own (the iteration, a starting number) are skipped; rows whose inputs hold an error value
    are not judged, nor the rows `judged` leaves out (an empty cell, or one that reads an empty cell). Values stored
    with fewer `digits` than a double may drift by their rounding_slack()."""
    found = {}
    rounded = digits < FULL_PRECISION
    moved = [numbers.perturbed(0.5 * 10.0 ** (1 - digits), seed) for seed in (1, 2)] if rounded else []
    for q in [q for q in names if q in columns_of(numbers.net)]:
        with np.errstate(all="ignore"):
            local = numbers.right(q)
            bad = np.isfinite(local) & ~close(local, numbers.actual(q), rtol, atol)
            if judged is not None and q in judged:
                bad &= judged[q]
            if rounded and bad.any():
                bad &= np.abs(local - numbers.actual(q)) > rounding_slack(local, [m.right(q) for m in moved])
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
    initial = {
        w: v
        for w, ref in table.scalars.items()
        if w in by_name and by_name[w].kind is Kind.WEIGHT and (v := cells.number(values.get(cells.key(ref)))) is not None
    }
    return mistakes.identify(
        table, q, i, numbers,
        formulas={q: [book.formula(c) if c else None for c in table.column_cells(q)]},  # what the catalogue reads
        initial_weights=initial or None, rtol=rtol, atol=atol,
    )


def _float(value: Value) -> float:
    x = cells.number(value)
    return np.nan if x is None else x
