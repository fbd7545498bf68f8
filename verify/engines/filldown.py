"""Settle filled-down formula columns from their saved values, a whole run of rows at a time.

A backprop table is a few dozen columns, each filled down: every row holds the formula of the
row above shifted by one row (verify/reading/refs.py: one *shape*). settle() takes the cells a check
wants, cuts each column into *runs* (consecutive rows of one shape) and, per run, evaluates the
shape ONCE with NumPy over all its rows (verify/engines/fastmath.py), with the saved values as inputs.

This is the formulas engine's shortcut through the saved values (verify/engines/formulas_engine.py,
step 2) without a cell-level dependency graph: the order is proved from the shapes instead.
On one sheet, when every formula cell a run reads lies in an EARLIER row, or in the same row
in another column with no cycle among the columns read that way, then row k depends only on
rows <= k. So if every cell of rows < k gives back its own saved value (to 1e-13), those saved
values are what a full recalculation gives, and rows < k are settled. k is the first row of the
sheet where anything does not hold:

- a cell whose formula does not give back its saved value (an edited formula, a stale value),
  or whose inputs are not all numbers (text, a bool, an empty cell, an error), or whose result
  is not a finite number (Excel would show an error);
- the top of a run that the shapes cannot prove: a shape verify/engines/fastmath.py does not compile
  (ranges, IF, text ...), a reference to a later row's formula, to another sheet's formula,
  outside the grid, or a name that is not a cell.

Everything from row k on, and every cell not in a run, is left to the general path of the
formulas engine, which treats the settled cells as known values. A workbook whose formulas need
more than formulas_engine.SHAPE_BUDGET shapes is not settled at all: the general path refuses it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from itertools import compress, groupby, repeat
from operator import itemgetter
from typing import Callable, Iterable, Iterator

import numpy as np

from verify.engines import fastmath
from verify.reading import refs
from verify.reading.book import Book, Sheet
from verify.reading.cells import CellKey
from verify.reading.refs import Ref, Shape

# How closely a formula must give back its saved value: formulas_engine's _REPRODUCE_RTOL/ATOL.
REPRODUCE_RTOL = 1e-13
REPRODUCE_ATOL = 1e-15
_NEVER = math.inf  # the first unsettled row of a sheet where everything holds


def settle(
    workbook: Book,
    targets: Iterable[CellKey],
    names_of: Callable[[str], dict[str, Ref]],
    *,
    max_shapes: int,
) -> dict[CellKey, float]:
    """The value of every cell of `targets` (and of the formula cells they read) that the saved values settle.

    `names_of(sheet)`: the defined names a formula on `sheet` sees, as absolute Refs.
    """
    found = _find_runs(workbook, targets, _Shapes(names_of, max_shapes))
    if found is None:
        return {}
    runs, formula_rows = found
    numbers = _Numbers(workbook)
    first_unsettled: dict[str, float] = defaultdict(lambda: _NEVER)
    same_row: dict[str, TopologicalSorter] = defaultdict(TopologicalSorter)  # sheet: column -> columns it reads
    results: list[tuple[_Run, np.ndarray]] = []
    for run in runs:
        found = _evaluate(run, workbook, numbers, formula_rows)
        if found is None:
            first_unsettled[run.sheet] = min(first_unsettled[run.sheet], run.top)
            continue
        values, first_bad, reads_in_row = found
        first_unsettled[run.sheet] = min(first_unsettled[run.sheet], first_bad)
        same_row[run.sheet].add(run.col, *reads_in_row)
        results.append((run, values))
    for sheet, graph in same_row.items():
        try:
            graph.prepare()
        except CycleError:  # a circular reference within a row: the general path reports it
            first_unsettled[sheet] = 0
    settled: dict[CellKey, float] = {}
    for run, values in results:
        last = int(min(run.bottom, first_unsettled[run.sheet] - 1))
        if last >= run.top:
            rows = range(run.top, last + 1)
            settled.update(zip(zip(repeat(run.sheet), rows, repeat(run.col)), values[: len(rows)].tolist()))
    return settled


@dataclass(frozen=True)
class _Run:
    """Rows top..bottom (inclusive) of one column of one sheet, every one holding `shape`."""

    sheet: str
    col: int
    top: int
    bottom: int
    shape: Shape

    @property
    def size(self) -> int:
        return self.bottom - self.top + 1


def _find_runs(
    workbook: Book, targets: Iterable[CellKey], shapes: _Shapes
) -> tuple[list[_Run], dict[tuple[str, int], np.ndarray]] | None:
    """Runs covering the formula cells of `targets` and every formula cell of the same sheet they
    read (recursively), and the sorted formula rows of each column they cover; None past the shape budget."""
    wanted: dict[tuple[str, int], list[int]] = defaultdict(list)
    for (sheet, col), keys in groupby(targets, key=itemgetter(0, 2)):  # a check wants whole columns: few groups
        wanted[(sheet, col)] += map(itemgetter(1), keys)
    runs: list[_Run] = []
    done: dict[tuple[str, int], set[int]] = defaultdict(set)
    queue = list(wanted.items())
    while queue:
        (sheet, col), rows = queue.pop()
        found = workbook.sheets.get(sheet)
        if found is None:
            continue
        formulas = found.formulas
        new = sorted(set(rows).difference(done[(sheet, col)]))
        new = list(compress(new, map(formulas.__contains__, zip(new, repeat(col)))))
        done[(sheet, col)].update(new)
        for run in _split(found, col, new, shapes):
            if run is None:
                return None
            runs.append(run)
            queue += [(key, rows) for key, rows in _reads(run) if key[0] == sheet]
    return runs, {key: np.array(sorted(rows), dtype=np.int64) for key, rows in done.items()}


def _split(sheet: Sheet, col: int, rows: list[int], shapes: _Shapes) -> Iterator[_Run | None]:
    """`rows` (sorted formula cells of one column) as runs: consecutive rows of one shape; None past the budget.

    The formulas of the next rows are compared with the run's shape rendered for them, in
    chunks that double while they match, so a column of one shape costs a few list
    comparisons; only a row that reads differently has its own shape worked out.
    """
    formulas = sheet.formulas
    start = 0
    while start < len(rows):
        top = rows[start]
        shape = shapes.of(sheet.title, top, col, formulas[(top, col)])
        if shape is None:
            yield None
            return
        template, offsets = shape.row_template(col)
        end, chunk = start + 1, 8  # rows[start:end] are in the run
        while end < len(rows) and rows[end] == rows[end - 1] + 1:
            stop = end + _consecutive(rows, end, min(end + chunk, len(rows)))
            end += _matching(template, offsets, rows[end], list(map(formulas.__getitem__, zip(rows[end:stop], repeat(col)))))
            if end == stop:
                chunk *= 2
                continue
            other = shapes.of(sheet.title, rows[end], col, formulas[(rows[end], col)])  # written differently
            if other is None:
                yield None
                return
            if other is not shape:
                break
            end += 1
        yield _Run(sheet.title, col, top, rows[end - 1], shape)
        start = end


class _Shapes:
    """Shapes of formulas, one object per distinct shape, at most `budget` of them."""

    def __init__(self, names_of: Callable[[str], dict[str, Ref]], budget: int):
        self.names_of = names_of
        self.budget = budget
        self._found: dict[tuple, Shape] = {}

    def of(self, sheet: str, row: int, col: int, formula: str) -> Shape | None:
        """The shape of one formula (_UNREADABLE for one refs.shape() cannot read); None past the budget."""
        try:
            shape = refs.shape(formula, row, col, self.names_of(sheet))
        except refs.UnsupportedFormula:
            return _UNREADABLE
        shape = self._found.setdefault((shape.text, shape.refs), shape)
        return shape if len(self._found) <= self.budget else None


_UNREADABLE = Shape("", (), frozenset(), ())  # a link to another workbook, say: never settled here


def _consecutive(rows: list[int], start: int, stop: int) -> int:
    """How many of rows[start:stop] continue rows[start - 1] without a gap (rows: sorted, distinct)."""
    if rows[stop - 1] - rows[start - 1] == stop - start:
        return stop - start
    n = 0
    while start + n < stop and rows[start + n] == rows[start + n - 1] + 1:
        n += 1
    return n


def _matching(template: str, offsets: tuple[int, ...], first: int, written: list[str]) -> int:
    """How many formulas of `written` (rows first, first + 1, ...) read as `template` renders them."""
    n = len(written)
    rendered = list(map(template.__mod__, zip(*(range(first + o, first + o + n) for o in offsets)))) if offsets else [template % ()] * n
    if rendered == written:
        return n
    return next(k for k, (a, b) in enumerate(zip(rendered, written)) if a != b)


def _reads(run: _Run) -> list[tuple[tuple[str, int], range]]:
    """((sheet, col), rows) of the single cells each reference of a run reads, where they are inside the grid."""
    found = []
    for ref in run.shape.refs:
        if ref.name is not None or ref.is_range or ref.sheet is not None:
            continue
        col = ref.left.at(run.col)
        if ref.top.absolute:
            rows = range(ref.top.value, ref.top.value + 1)
        else:
            rows = range(max(run.top + ref.top.value, 1), min(run.bottom + ref.top.value, refs.MAX_ROW) + 1)
        if 1 <= col <= refs.MAX_COL and len(rows):
            found.append(((run.sheet, col), rows))
    return found


class _Numbers:
    """Saved values as float arrays by column (NaN where a cell holds no finite number), built when first needed."""

    def __init__(self, workbook: Book):
        self.workbook = workbook
        self._columns: dict[tuple[str, int], np.ndarray] = {}

    def rows(self, sheet: str, col: int, top: int, bottom: int) -> np.ndarray:
        """The numbers of rows top..bottom (1 <= top <= bottom) of a column."""
        column = self._columns.get((sheet, col))
        if column is None:
            found = self.workbook.sheets[sheet]
            keys = zip(range(found.max_row + 1), repeat(col))
            values = list(map(itemgetter(0), map(found.saved.get, keys, repeat((math.nan, "n")))))
            if set(map(type, values)) != {float}:  # text, a bool, an error (headers, labels): not a number
                values = [v if type(v) is float else math.nan for v in values]
            column = np.array(values, dtype=float)
            column[~np.isfinite(column)] = math.nan
            self._columns[(sheet, col)] = column
        if bottom < len(column):
            return column[top : bottom + 1]
        return np.concatenate([column[top:], np.full(bottom + 1 - max(top, len(column)), math.nan)])


def _evaluate(
    run: _Run, workbook: Book, numbers: _Numbers, formula_rows: dict[tuple[str, int], np.ndarray]
) -> tuple[np.ndarray, float, set[int]] | None:
    """(the run's values from the saved inputs, its first row that does not settle, the columns it
    reads formulas of in its own row); None when its shape cannot be proved (see the docstring)."""
    function = fastmath.compile(run.shape.text) if run.shape.text else None
    if function is None:
        return None
    sheets = {name.upper(): name for name in workbook.sheets}
    args: list[np.ndarray | float] = []
    reads_in_row: set[int] = set()
    for ref in run.shape.refs:
        if ref.name is not None or ref.is_range:
            return None
        sheet = run.sheet if ref.sheet is None else sheets.get(ref.sheet.upper())
        col = ref.left.at(run.col)
        top = ref.top.value if ref.top.absolute else run.top + ref.top.value
        bottom = ref.top.value if ref.top.absolute else run.bottom + ref.top.value
        if sheet is None or not (1 <= col <= refs.MAX_COL and 1 <= top and bottom <= refs.MAX_ROW):
            return None
        if ref.sheet is not None:  # written with a sheet name, its own one too: only constants are proved
            if _holds_formulas(workbook.sheets[sheet], col, top, bottom):
                return None
        elif _among(formula_rows[(run.sheet, col)], top, bottom):  # every formula row it reads is in a run
            if ref.top.absolute and top >= run.top:
                return None  # a fixed cell in the run's rows or below
            if not ref.top.absolute and ref.top.value > 0:
                return None  # a later row
            if not ref.top.absolute and ref.top.value == 0:
                if col == run.col:
                    return None  # the cell itself: a circular reference
                reads_in_row.add(col)
        args.append(numbers.rows(sheet, col, top, bottom) if not ref.top.absolute else numbers.rows(sheet, col, top, top)[0])
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(function(args), dtype=float), (run.size,))
        saved = numbers.rows(run.sheet, run.col, run.top, run.bottom)
        ok = np.isfinite(values) & (np.abs(values - saved) <= np.maximum(REPRODUCE_ATOL, REPRODUCE_RTOL * np.maximum(np.abs(values), np.abs(saved))))
    for arg in args:  # an input that is not a number: Excel's rules are the general path's
        ok &= np.isfinite(arg)
    bad = np.flatnonzero(~ok)
    return values, (run.top + int(bad[0]) if len(bad) else _NEVER), reads_in_row


def _among(rows: np.ndarray, top: int, bottom: int) -> bool:
    """Whether any of the sorted `rows` lies in top..bottom."""
    return bool(np.searchsorted(rows, bottom, side="right") > np.searchsorted(rows, top, side="left"))


def _holds_formulas(sheet: Sheet, col: int, top: int, bottom: int) -> bool:
    """Whether any of rows top..bottom of a column holds a formula."""
    return any((r, col) in sheet.formulas for r in range(top, bottom + 1))
