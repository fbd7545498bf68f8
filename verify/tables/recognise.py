"""Columns recognised by what they compute, when their header names nothing in the vocabulary.

After the header match (verify/tables/classic_tables.py), the formulas identify what is left:

- the update of a weight, `w_next = w − η·X` (or `+`), names the column X it
  reads in the row above as ∂E/∂w, and gives the cell it reads η from, also through a
  relative reference (`=E32-(B29*X32)`), which classic_tables.py uses when no cell is labelled η;
- any other column is evaluated on random numbers standing for the recognised columns and
  compared with every quantity still missing, computed the right way from the same numbers
  (verify/naming/recompute.py's formulas): a column computing 1/(1+EXP(−h1)) is a_h1, one computing
  (a_o1 − t1)·a_o1·(1 − a_o1)·a_h1 is ∂E/∂w5. A column that only feeds others (a δ column)
  is evaluated inside the formulas that read it.

Nothing from the workbook is ever executed: a formula is read through verify/reading/refs.py's
tokenizer and verify/engines/fastmath.py's parser of plain arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.random  # noqa: F401 - loaded with the checker, not first in a worker that is near its memory ceiling

from verify.engines import fastmath
from verify.naming import mistakes
from network.layout import BIAS_NAMES, INPUT_NAMES, WEIGHTS
from verify.naming.recompute import Numbers
from verify.naming.tolerance import close
from verify.reading.table import CLASSIC
from verify.reading import refs

Cell = tuple[str, int, int]  # (sheet, row, col), 1-based
PROBES = 4  # random points a formula is evaluated at
RTOL = 1e-9  # probes agree as the checks' numbers do (verify/naming/tolerance.py), down to
ATOL = 1e-15  # a smaller absolute floor: they are computed the same way
MAX_LENGTH = 2000  # longer formulas are not evaluated (a hand-written one is a few hundred characters)


@dataclass(frozen=True)
class Found:
    """What the formulas told: quantity -> column, how each was recognised, η's cell, the rest."""

    columns: dict[str, int] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)  # quantity -> "the update of w1 subtracts η times it"
    eta: Cell | None = None  # the cell the first update formulas read η from
    unchecked: dict[int, str] = field(default_factory=dict)  # column -> header text, formulas nothing recognised


def by_formulas(
    sheet: str,
    formula: Callable[[int, int], str | None],
    columns: Mapping[str, int],
    candidates: Mapping[int, str],
    first: int,
    last: int,
    cells: Mapping[str, Cell],
    names: Mapping[str, str],
) -> Found:
    """Recognise the `candidates` (column -> header text) of the table on `sheet` by their formulas.

    formula(row, col): the formula text ("=...") of a cell of `sheet`, or None.
    columns: the quantities recognised by their headers -> column.
    first, last: the table's rows. cells: quantities held in single cells (i1, w1, ...) -> cell.
    names: upper-case defined name -> the quantity it holds (IN_I1 -> i1).
    """
    known = dict(columns)
    how: dict[str, str] = {}
    pending = {c: text for c, text in candidates.items() if _formula_in(formula, c, first, last)}
    row = first + 1 if last > first else first
    eta = _updates(sheet, formula, known, how, pending, first, last)
    context = _Context(sheet, formula, known, pending, cells, names, row)
    progress = True
    while progress and pending:
        progress = False
        for col in sorted(pending):
            q = context.identify(col)
            if q is not None:
                known[q] = col
                how[q] = f"computes {q}"
                del pending[col]
                progress = True
    new = {q: c for q, c in known.items() if q not in columns}
    return Found(new, how, eta, dict(pending))


# --- the updates ----------------------------------------------------------------------------------


def _updates(
    sheet: str,
    formula: Callable[[int, int], str | None],
    known: dict[str, int],
    how: dict[str, str],
    pending: dict[int, str],
    first: int,
    last: int,
) -> Cell | None:
    """Name the gradient column each weight's update reads; the η cell the first one reads."""
    if last <= first:
        return None
    eta = None
    table_cols = set(known.values()) | set(pending)
    for w in WEIGHTS:
        if w not in known:
            continue
        text = formula(first + 1, known[w])
        if not text:
            continue
        try:
            shape = refs.shape(text, first + 1, known[w])
        except (refs.UnsupportedFormula, AttributeError):
            continue
        own, grads, others = [], [], []
        for ref in shape.refs:
            if ref.name is not None or ref.is_range:
                others.append(ref)
                continue
            sheet_of, r, c = ref.sheet or sheet, ref.top.at(first + 1), ref.left.at(known[w])
            if sheet_of == sheet and r == first and c == known[w]:
                own.append(ref)
            elif sheet_of == sheet and r == first and c in table_cols:
                grads.append((ref, c))
            else:
                others.append(ref)
        if len(own) != 1 or len(grads) != 1 or len(others) != 1:
            continue  # without η, `w − X` reads a column of changes X = η·∂E/∂w (a Δw), not ∂E/∂w
        (ref, col), eta_ref = grads[0], others[0]
        if not _is_update(shape, own[0], ref, eta_ref):
            continue
        g = mistakes.g(w)
        if g not in known and col in pending:
            known[g] = col
            how[g] = f"the update of {w} subtracts η times it"
            del pending[col]
        if eta is None and eta_ref.name is None and not eta_ref.is_range:
            eta = (eta_ref.sheet or sheet, eta_ref.top.at(first + 1), eta_ref.left.at(known[w]))
    return eta


def _is_update(shape: refs.Shape, own: refs.Ref, grad: refs.Ref, eta: refs.Ref) -> bool:
    """The formula computes w ± η·X on random numbers."""
    rng = np.random.default_rng(1)
    w, x, e = (rng.uniform(0.1, 0.9, PROBES) for _ in range(3))
    got = _evaluate(shape, {own: w, grad: x, eta: e})
    return got is not None and (_close(got, w - e * x) or _close(got, w + e * x))


# --- the other columns -------------------------------------------------------------------------------


class _Context:
    """Random numbers for every recognised quantity, and the formulas of the columns still pending."""

    def __init__(self, sheet, formula, known, pending, cells, names, row) -> None:
        self.sheet, self.formula, self.known, self.pending = sheet, formula, known, pending
        self.cells = {cell: q for q, cell in cells.items()}
        self.names, self.row = names, row
        # random weights and inputs, and every other quantity computed from them the right way:
        # a column that computes a quantity by any path (E_total from E1 + E2 or from the a_o)
        # gives that quantity's numbers
        rng = np.random.default_rng(8)
        present = set(known) | set(self.cells.values())  # a bias the table does not have is 0
        constants = {q: rng.uniform(0.1, 0.9) if q in present or q not in BIAS_NAMES else 0.0
                     for q in (*INPUT_NAMES, *BIAS_NAMES)}  # i1, i2, t1, t2, b1, b2
        weights = {w: rng.uniform(-1.0, 1.0, PROBES) for w in WEIGHTS}
        self.values = {q: np.full(PROBES, x) for q, x in constants.items()} | weights
        numbers = Numbers(CLASSIC, weights, constants, 0.5, PROBES)
        for q in mistakes.COMPUTED:
            if q not in WEIGHTS:
                with np.errstate(all="ignore"):
                    self.values[q] = numbers[q]

    def identify(self, col: int) -> str | None:
        """The missing quantity that column `col` computes, if exactly one matches."""
        got = self._column(col, depth=0)
        if got is None:
            return None
        matches = [q for q in mistakes.COMPUTED if q not in self.known and q not in WEIGHTS and _close(got, self.values[q])]
        return matches[0] if len(matches) == 1 else None

    def _column(self, col: int, depth: int) -> np.ndarray | None:
        """Column `col` evaluated on the random numbers (None when it reads something unknown)."""
        text = self.formula(self.row, col)
        if not text or depth > 3:
            return None
        try:
            shape = refs.shape(text, self.row, col)
        except (refs.UnsupportedFormula, AttributeError):
            return None
        values = {}
        for ref in shape.refs:
            value = self._ref(ref, col, depth)
            if value is None:
                return None
            values[ref] = value
        return _evaluate(shape, values)

    def _ref(self, ref: refs.Ref, col: int, depth: int) -> np.ndarray | None:
        if ref.name is not None:
            q = self.names.get(ref.name.upper())
            return None if q is None else self.values.get(q)
        if ref.is_range:
            return None
        sheet, r, c = ref.sheet or self.sheet, ref.top.at(self.row), ref.left.at(col)
        if sheet == self.sheet and r == self.row:
            for q, known_col in self.known.items():
                if known_col == c and q in self.values:
                    return self.values[q]
            if c in self.pending and c != col:
                return self._column(c, depth + 1)  # an intermediate column (δ): read through it
            return None
        q = self.cells.get((sheet, r, c))
        return None if q is None else self.values.get(q)


# --- evaluating a formula's shape --------------------------------------------------------------------------


def _evaluate(shape: refs.Shape, values: Mapping[refs.Ref, np.ndarray]) -> np.ndarray | None:
    """The shape's formula on `values` (one per placeholder), or None when it is not plain arithmetic
    (verify/engines/fastmath.py: numbers, + − * / ^, parentheses, a few functions; never Python's eval)."""
    if len(shape.text) > MAX_LENGTH:
        return None
    function = fastmath.compile(shape.text)
    if function is None:
        return None
    result = fastmath.evaluate(function, [values[ref] for ref in shape.refs])
    return None if result is None else np.broadcast_to(result, (PROBES,))


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(close(a, b, RTOL, ATOL).all())


def _formula_in(formula: Callable[[int, int], str | None], col: int, first: int, last: int) -> bool:
    """The column holds a formula in one of the table's first two rows."""
    return any(formula(r, col) for r in range(first, min(first + 1, last) + 1))
