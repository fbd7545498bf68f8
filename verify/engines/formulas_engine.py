"""Recalculate a workbook's formulas with the pure-Python `formulas` package, fast.

Used naively (ExcelModel().loads(path).finish().calculate()) the package needs about a minute
for the default workbook, because it builds one graph node per cell. Here:

1. Each distinct formula *shape* (verify/reading/refs.py: the formula with its references made
   relative) is parsed and compiled once; cells of the same column share it.
2. Shortcut through the saved values: every shape is evaluated ONCE over all its cells, as
   NumPy arrays, with the saved values as inputs. A cell whose formula gives back its own
   saved value (to 1e-13) and whose inputs are all such cells (or constants) is recalculated:
   since the workbook has no cycles, the saved values ARE what a full recalculation gives.
   Nothing is trusted without being recomputed: a cell whose formula was edited, a stale or
   missing saved value, breaks the chain there.
3. Every other cell (downstream of the first one that did not reproduce) is evaluated level by
   level of the dependency graph, from the constants up; cells of one level that share a shape
   (the same column on several sheets) go through the compiled formula in one call.

Only the cells asked for and what they depend on are evaluated. Defined names and references
to other sheets are resolved here. A range is bounded by what exists: it stops at its sheet's
used area (A:A, 1:1 and A1:XFD1048576 span the cells the sheet has, not the grid's 17 billion),
a workbook whose formulas would read more than RANGE_BUDGET cells through ranges in all, or
that needs more than SHAPE_BUDGET distinct shapes compiled, is refused with a WorkbookError
before anything is evaluated. The compiled formula takes its inputs as sorted upper-case
names; they are matched to the placeholders _R0, _R1, ... by name, never by position.

start() begins evaluate() as soon as the cells a check wants are known: a workbook with
BACKGROUND_CELLS of them or more in a forked child (verify/engines/forked.py), which answers with a float
array, while the check goes on with the saved values; a smaller one when its result is asked for.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Mapping

import formulas
import formulas.functions.text as _text_functions
import numpy as np
import schedula as sh
from formulas.tokens.operand import XlError

from network.errors import WorkbookError
from verify.reading import book as books
from verify.reading import cells
from verify.engines import fastmath
from verify.engines import filldown
from verify.engines import forked
from verify.reading import gcpause
from network.layout import column_letter
from verify.reading import refs
from verify.reading.book import Book
from verify.reading.cells import CellKey, Value
from verify.reading.refs import Ref, Shape

CIRCULAR = "#CIRCULAR!"  # what a cell on (or downstream of) a circular reference evaluates to
# An empty cell for `formulas` (schedula loads it on first use: here, not first in a worker near its memory ceiling).
_EMPTY = sh.EMPTY
# Functions that work cell by cell on arrays, so a whole group of cells can go in one call.
_ELEMENTWISE = frozenset(
    {"ABS", "EXP", "IF", "INT", "LN", "LOG10", "MOD", "POWER", "ROUND", "SIGN", "SQRT", "TANH"}
)
# How closely a formula must give back its saved value for the shortcut (2.): LibreOffice
# saves 15 significant digits, and a weight crossing zero keeps only absolute accuracy.
_NUMBERS = {float, np.float64}  # what a number cell's value is here (bool is no number in this sense)
_REPRODUCE_RTOL = filldown.REPRODUCE_RTOL  # 1e-13
_REPRODUCE_ATOL = filldown.REPRODUCE_ATOL
# The most cells the formulas of one workbook may read through ranges, all ranges together
# (a cell's range counts once per cell that reads it): about ten seconds and a few hundred MB.
RANGE_BUDGET = 5_000_000
# The most distinct formula shapes one workbook may need compiled (about 1.5 ms each): a
# generated workbook has about 60, however many iterations it holds.
SHAPE_BUDGET = 5_000




def _excel_rept(text, times):
    """REPT as Excel computes it: #VALUE! for a result over a cell's 32,767 characters, where `formulas` would build
    it (REPT(REPT("x",32767),32767): a billion characters, 1.25 GB)."""
    text = _text_functions._str(text)
    times = int(float(_text_functions.replace_empty(times)))
    if times < 0 or len(text) * times > books.MAX_CELL_CHARS:
        return _text_functions.Error.errors["#VALUE!"]
    return text * times


_text_functions.FUNCTIONS["REPT"] = _text_functions.wrap_ufunc(_excel_rept, **_text_functions._kw0)

# A check with at least this many cells to recalculate has them recalculated in a forked child
# while it checks the saved values (start()); below it the fork costs what it saves (the default
# workbook, 17,574 cells: 5 ms slower), and a class of small workbooks keeps one process per worker.
BACKGROUND_CELLS = 100_000


def start(workbook: Book, targets: Iterable[CellKey], *, shortcut: bool = True) -> Recalculating:
    """evaluate() of `targets`, begun now: for a big workbook in a forked child (verify/engines/forked.py), so
    that the caller can check the saved values meanwhile; .result() waits for it."""
    return Recalculating(workbook, list(targets), shortcut)


class Recalculating:
    """The recalculation start() began; result() is {target: its value}, in the order of the targets."""

    def __init__(self, workbook: Book, targets: list[CellKey], shortcut: bool):
        self.workbook, self.targets, self.shortcut = workbook, targets, shortcut
        big = len(targets) >= BACKGROUND_CELLS
        self._child = forked.Forked(_packed, workbook, targets, shortcut) if big else None

    def result(self) -> dict[CellKey, Value]:
        if self._child is None:
            computed = evaluate(self.workbook, self.targets, shortcut=self.shortcut)
            return {key: computed.get(key) for key in self.targets}
        numbers, others = self._child.result()
        found = dict(zip(self.targets, numbers.tolist()))
        found.update((self.targets[k], value) for k, value in others.items())
        return found

    def cancel(self) -> None:
        if self._child is not None:
            self._child.cancel()


def _packed(workbook: Book, targets: list[CellKey], shortcut: bool) -> tuple[np.ndarray, dict[int, Value]]:
    """The targets' values as a float array in their order, and the few that are not floats by position
    (a compact answer from a child process: 2.8 MB for 348,174 cells instead of a pickled dict)."""
    computed = evaluate(workbook, targets, shortcut=shortcut)
    values = list(map(computed.get, targets))
    if set(map(type, values)) == {float}:
        return np.array(values, dtype=float), {}
    others = {k: value for k, value in enumerate(values) if type(value) is not float}
    return np.array([value if type(value) is float else 0.0 for value in values], dtype=float), others


def evaluate(workbook: Book, targets: Iterable[CellKey], *, shortcut: bool = True) -> dict[CellKey, Value]:
    """The recalculated value of every cell in `targets` (and of every cell they depend on).

    `shortcut`: settle what the saved values settle first (step 2 above); a workbook saved
    without values (by openpyxl, say) gains nothing from it.
    """
    book = _Book(workbook)
    targets = list(targets)
    settled = {}
    if shortcut:
        with gcpause.paused():  # hundreds of thousands of keys and values, no cycles among them
            settled = filldown.settle(workbook, targets, book.names_of, max_shapes=SHAPE_BUDGET)
    graph = _Graph.build(book, itertools.filterfalse(settled.__contains__, targets), known=settled)
    values: dict[CellKey, object] = settled  # the settled numbers, then the constants and every cell evaluated
    values.update(graph.constants)
    with _quiet_schedula():
        pending = graph.order
        if shortcut:
            pending = _settle_from_saved(book, graph, values)
        for batch in graph.batches(pending):
            _store(batch, _run(book, batch, values), values)
    for key in graph.circular:
        values[key] = CIRCULAR
    for key in (*graph.constants, *graph.cells):  # the settled ones are numbers already
        values[key] = _plain(values[key])
    return values


@dataclass
class _Cell:
    """One formula cell: its shape, and the cells each placeholder stands for."""

    key: CellKey
    shape: Shape | None  # None when the formula cannot be read at all
    inputs: tuple[object, ...]  # per placeholder: a CellKey, a _Box (a range), or an XlError

    @property
    def group(self) -> object:
        """Cells with equal groups can go through one compiled formula together: equal shapes are
        one object (_Book.cell), so the shape's identity will do."""
        return id(self.shape) if self.shape else self.key

    @property
    def vectorisable(self) -> bool:
        return (
            self.shape is not None
            and self.shape.functions <= _ELEMENTWISE
            and not any(isinstance(i, _Box) for i in self.inputs)
        )


@dataclass(frozen=True)
class _Box:
    """A rectangular range of one sheet, 1-based and inclusive, kept as its corners."""

    sheet: str
    top: int
    left: int
    bottom: int
    right: int

    @property
    def size(self) -> int:
        return (self.bottom - self.top + 1) * (self.right - self.left + 1)

    def rows(self) -> Iterator[list[CellKey]]:
        for r in range(self.top, self.bottom + 1):
            yield [(self.sheet, r, c) for c in range(self.left, self.right + 1)]

    def keys(self) -> Iterator[CellKey]:
        for row in self.rows():
            yield from row


class _Book:
    """Cell access, sheet names, defined names and compiled shapes of a workbook."""

    def __init__(self, workbook: Book):
        self.workbook = workbook
        self.sheets = {name.upper(): name for name in workbook.sheets}
        self.compiled: dict[str, object] = {}
        self._names: dict[str, dict[str, Ref]] = {}
        self._last_shape: dict[tuple[str, int], tuple[Shape, Callable]] = {}  # column -> last shape, its renderer
        self._shapes: dict[tuple, Shape] = {}  # every distinct shape, once

    def formula(self, key: CellKey) -> str | None:
        return self.workbook.formula(key)

    def constant(self, key: CellKey) -> object:
        """A cell's saved value, as `formulas` takes it (the value of a constant cell)."""
        return _internal(self.workbook.saved(key))

    def cell(self, key: CellKey, formula: str) -> _Cell:
        sheet, row, col = key
        shape, render = self._last_shape.get((sheet, col), (None, None))
        if shape is None or render(row) != formula:  # not the shape of the cell above, filled down
            try:
                shape = refs.shape(formula, row, col, self.names_of(sheet))
            except refs.UnsupportedFormula:
                return _Cell(key, None, ())
            shape = self._shapes.setdefault((shape.text, shape.refs), shape)  # equal shapes: one object
            self._last_shape[(sheet, col)] = (shape, shape.column_renderer(col))
        return _Cell(key, shape, tuple(self._locate(ref, sheet, row, col) for ref in shape.refs))

    def names_of(self, sheet: str) -> dict[str, Ref]:
        """Upper-case defined name -> absolute Ref: workbook names and `sheet`'s own names."""
        if sheet not in self._names:
            found: dict[str, Ref] = {}
            for name, text in self.workbook.names_for(sheet).items():
                reference = books.parse_reference(text)  # None for a constant or a formula: #NAME?
                if reference is not None:
                    found[name] = refs.absolute_ref(*reference)
            self._names[sheet] = found
        return self._names[sheet]

    def _size(self, sheet: str) -> tuple[int, int]:
        """(max_row, max_column), the used area: what a whole-column or whole-row range spans."""
        found = self.workbook.sheets[sheet]
        return (found.max_row, found.max_col)

    def _locate(self, ref: Ref, own_sheet: str, row: int, col: int) -> object:
        if ref.name is not None:
            return XlError("#NAME?")
        sheet = own_sheet if ref.sheet is None else self.sheets.get(ref.sheet.upper())
        if sheet is None:
            return XlError("#REF!")
        if not ref.is_range:
            top, left = ref.top.at(row), ref.left.at(col)
            if not (1 <= top <= refs.MAX_ROW and 1 <= left <= refs.MAX_COL):
                return XlError("#REF!")
            return (sheet, top, left)
        max_row, max_col = self._size(sheet)
        top, left, bottom, right = ref.box(row, col, max_row, max_col)
        if top < 1 or left < 1 or bottom > refs.MAX_ROW or right > refs.MAX_COL:
            return XlError("#REF!")
        # Bounded by what exists: the cells past the used area are all empty.
        return _Box(sheet, top, left, min(bottom, max(max_row, top)), min(right, max(max_col, left)))


@dataclass
class _Graph:
    """The formula cells to evaluate in dependency order, and the constants they read."""

    cells: dict[CellKey, _Cell]
    constants: dict[CellKey, object]
    levels: dict[CellKey, int]  # 0 reads only constants; n reads a cell of level n - 1
    order: list[CellKey]  # by level: every cell after the cells it reads
    circular: set[CellKey]
    sources: dict[CellKey, list[CellKey]]  # the formula cells each formula cell reads

    @classmethod
    def build(cls, book: _Book, targets: Iterable[CellKey], known: Mapping[CellKey, object] = {}) -> _Graph:
        """The graph of `targets` and what they read, up to the cells in `known` (values found already)."""
        found: dict[CellKey, _Cell] = {}
        constants: dict[CellKey, object] = {}
        expanded: set[_Box] = set()
        read = 0  # cells read through ranges so far, against RANGE_BUDGET
        stack = list(targets)
        while stack:
            key = stack.pop()
            if key in found or key in constants or key in known:
                continue
            formula = book.formula(key)
            if formula is None:
                constants[key] = book.constant(key)
                continue
            cell = book.cell(key, formula)
            found[key] = cell
            for target in cell.inputs:
                if isinstance(target, _Box):
                    read += target.size
                    if read > RANGE_BUDGET:
                        raise WorkbookError(_too_many(key, target))
                    if target not in expanded:
                        expanded.add(target)
                        stack.extend(target.keys())
                elif not isinstance(target, XlError):
                    stack.append(target)
        shapes = {cell.shape.text for cell in found.values() if cell.shape}
        if len(shapes) > SHAPE_BUDGET:
            raise WorkbookError(
                f"the formulas have {len(shapes):,} different shapes (more than {SHAPE_BUDGET:,}): too many "
                "for --engine formulas; use --engine libreoffice"
            )
        levels, circular, sources = _levels(found)
        order = sorted(levels, key=levels.__getitem__)
        return cls(found, constants, levels, order, circular, sources)

    def batches(self, keys: list[CellKey]) -> Iterator[list[_Cell]]:
        """`keys` (in dependency order) in groups of one level and one shape."""
        groups: dict[tuple, list[_Cell]] = defaultdict(list)
        for key in keys:
            cell = self.cells[key]
            groups[(self.levels[key], cell.group)].append(cell)
        yield from groups.values()  # dicts keep insertion order: by level


def _settle_from_saved(book: _Book, graph: _Graph, values: dict[CellKey, object]) -> list[CellKey]:
    """Step 2 of the module docstring: store the cells the saved values settle; return the rest."""
    if not graph.cells:  # filldown.settle() settled every formula
        return []
    guesses = dict(values)
    for key in graph.cells:
        guesses[key] = book.constant(key)  # a formula cell's saved value
    by_shape: dict[tuple, list[_Cell]] = defaultdict(list)
    for key in graph.order:
        cell = graph.cells[key]
        if cell.vectorisable:
            by_shape[cell.group].append(cell)
    computed: dict[CellKey, object] = {}
    for group in by_shape.values():
        _store(group, _run(book, group, guesses), computed)
    pending = []
    for key in graph.order:  # a cell settles when it reproduces and every formula cell it reads has settled
        if key in computed and _reproduces(computed[key], guesses[key]) and all(
            p in values for p in graph.sources[key]
        ):
            values[key] = computed[key]
        else:
            pending.append(key)
    return pending


def _run(book: _Book, batch: list[_Cell], values: Mapping[CellKey, object]) -> list[object]:
    """The values of a batch of cells of one shape, reading their inputs from `values`."""
    fast = _arithmetic(batch, values)
    if fast is not None:
        return fast
    first = batch[0]
    func = _compile(book, first.shape) if first.shape else None
    if func is None:
        return [XlError("#NAME?")] * len(batch)
    if len(batch) > 1 and first.vectorisable:
        results = _call(func, [_column(batch, name, values) for name in func.inputs], len(batch))
        if results is not None:
            return results
    results = []
    for cell in batch:  # one by one: ranges, SUM and the like, or a batch that did not fit
        result = _call(func, [_argument(cell, name, values) for name in func.inputs], 1)
        results.append(result[0] if result else XlError("#VALUE!"))
    return results


def _arithmetic(batch: list[_Cell], values: Mapping[CellKey, object]) -> list[object] | None:
    """verify/engines/fastmath.py's NumPy evaluation of a plain arithmetic shape whose inputs are all numbers, else None."""
    shape = batch[0].shape
    function = fastmath.compile(shape.text) if shape is not None else None
    if function is None:
        return None
    args = []
    for k in range(len(shape.refs)):
        inputs = [values.get(cell.inputs[k]) for cell in batch]  # a range or an error finds nothing: None
        if not set(map(type, inputs)) <= _NUMBERS:
            return None  # text, a bool, an empty cell, an error, a range: `formulas` knows Excel's rules
        args.append(np.array(inputs, dtype=float))
    result = fastmath.evaluate(function, args)
    return None if result is None else list(np.broadcast_to(result, (len(batch),)))


def _store(batch: list[_Cell], results: list[object], into: dict[CellKey, object]) -> None:
    for cell, result in zip(batch, results):
        into[cell.key] = result


def _compile(book: _Book, shape: Shape):
    """The compiled formula of a shape (cached); None when `formulas` cannot parse it."""
    if shape.text not in book.compiled:
        try:
            book.compiled[shape.text] = formulas.Parser().ast(shape.text)[1].compile()
        except Exception:  # a syntax `formulas` does not know: the cell evaluates to #NAME?
            book.compiled[shape.text] = None
    return book.compiled[shape.text]


def _call(func, args: list, n: int) -> list | None:
    """func(*args) as a list of n cell values; None when the result has the wrong size."""
    try:
        result = np.asarray(func(*args), dtype=object)
    except Exception:  # e.g. a function `formulas` has not implemented
        return [XlError("#NAME?")] * n
    flat = result.ravel()
    if flat.size == n or (n == 1 and flat.size >= 1):
        return list(flat[:n])
    if flat.size == 1:
        return [flat[0]] * n
    return None


def _argument(cell: _Cell, name: str, values: Mapping[CellKey, object]) -> object:
    """The value a compiled input ("_R3": the shape's 4th reference) takes for one cell."""
    k = int(name[2:]) if name.startswith("_R") and name[2:].isdigit() else len(cell.inputs)
    if k >= len(cell.inputs):
        return XlError("#NAME?")
    target = cell.inputs[k]
    if isinstance(target, XlError):
        return target
    if isinstance(target, _Box):
        return np.array([[values[c] for c in row] for row in target.rows()], dtype=object)
    return values[target]


def _column(batch: list[_Cell], name: str, values: Mapping[CellKey, object]) -> np.ndarray:
    items = [_argument(cell, name, values) for cell in batch]
    if all(isinstance(v, float) for v in items):
        return np.array(items, dtype=float)
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _levels(found: dict[CellKey, _Cell]) -> tuple[dict[CellKey, int], set[CellKey], dict[CellKey, list[CellKey]]]:
    """Level of each formula cell, the cells on or downstream of a cycle (Kahn's algorithm), and
    the formula cells each one reads (a range counts the formula cells inside it, found once per range).

    Cells are numbered, so the hot loops work on lists of ints rather than on dicts of tuples.
    """
    keys = list(found)
    number = {key: i for i, key in enumerate(keys)}
    inside: dict[_Box, list[int]] = {}
    sources: list[list[int]] = []
    for key in keys:
        here: set[int] = set()
        for target in found[key].inputs:
            if isinstance(target, _Box):
                if target not in inside:
                    inside[target] = [number[k] for k in target.keys() if k in number]
                here.update(inside[target])
            elif type(target) is tuple:
                i = number.get(target)
                if i is not None:
                    here.add(i)
        sources.append(list(here))
    waiting = [len(s) for s in sources]
    readers: list[list[int]] = [[] for _ in keys]
    for i, here in enumerate(sources):
        for j in here:
            readers[j].append(i)
    level = [0] * len(keys)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    while ready:
        i = ready.pop()
        next_level = level[i] + 1
        for reader in readers[i]:
            if level[reader] < next_level:
                level[reader] = next_level
            waiting[reader] -= 1
            if waiting[reader] == 0:
                ready.append(reader)
    levels = {key: level[i] for i, key in enumerate(keys) if waiting[i] == 0}
    circular = {key for i, key in enumerate(keys) if waiting[i] > 0}
    return levels, circular, {key: [keys[j] for j in sources[i]] for i, key in enumerate(keys)}


def _too_many(key: CellKey, box: _Box) -> str:
    """The WorkbookError message when the formulas read more than RANGE_BUDGET cells through ranges."""
    corners = f"{column_letter(box.left)}{box.top}:{column_letter(box.right)}{box.bottom}"
    return (
        f"the formulas read more than {RANGE_BUDGET:,} cells through ranges ({cells.address(key)} reads "
        f"{box.size:,} cells of {corners} on sheet {box.sheet!r}): too large for --engine formulas; "
        "make the ranges smaller or use --engine libreoffice"
    )


def _reproduces(computed: object, saved: object) -> bool:
    """True when a formula gave back its saved value (the shortcut's test, see the docstring)."""
    if isinstance(computed, (float, int, np.integer)) and not isinstance(computed, (bool, np.bool_)):
        if not isinstance(saved, float):
            return False
        c = float(computed)
        return abs(c - saved) <= max(_REPRODUCE_ATOL, _REPRODUCE_RTOL * max(abs(c), abs(saved)))
    return type(computed) is type(saved) and str(computed) == str(saved)


def _internal(found: tuple[object, str] | None) -> object:
    """A cell's (value, data type) as `formulas` takes it: float, bool, str, an XlError, or EMPTY."""
    if found is None or found[0] is None:
        return _EMPTY
    value, data_type = found
    if data_type == "e":
        return XlError(str(value)) if str(value) in cells.ERROR_TEXTS else XlError("#VALUE!")
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value if isinstance(value, str) else str(value)


def _plain(value: object) -> Value:
    """A value as the report shows it: float, bool, text, an error's text, or None (empty)."""
    if value is _EMPTY or value is None:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return str(value)


@contextlib.contextmanager
def _quiet_schedula() -> Iterator[None]:
    """`formulas` logs a traceback for every function it has not implemented; we report #NAME?."""
    logger = logging.getLogger("schedula")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)
