"""Find the backprop tables in a workbook, generated or built by hand.

One code path for every layout. On each worksheet:

1. a header row is a row whose texts name quantities of the vocabulary (verify/tables/vocabulary.py); it
   starts a backprop table when it names at least 4 weights and 8 quantities in all. A sheet may hold
   several (tables stacked one below another, one per learning rate, each with its own η just above its
   header row);
2. the table's rows run from the first row under the header that holds a weight down to the
   last row before the weight column runs empty (on while later rows hold formulas with that column
   empty: an exercise), never into the next table's η and header rows;
3. inputs, targets and biases (i1, i2, t1, t2, b1, b2) are table columns when the header names
   them; otherwise cells: the Network sheet's defined names (in_i1, tgt_t1, ...), then a cell
   labelled `i1` on the same sheet (value to its right, or below it), then on another sheet; a bias
   no cell holds may be typed into its layer's net inputs, as Mazur's post writes them
   (`=w1*i1+w2*i2+0.35`): the number at the end of h1's (o1's) formula (Table.typed);
4. the columns whose header names nothing are recognised by their formulas (verify/tables/recognise.py:
   what the updates subtract is ∂E/∂w, a column computing 1/(1+EXP(−h1)) is a_h1, ...); columns of
   formulas that nothing recognised are kept in Table.unchecked, to be listed in the report;
5. η is a column headed `η`/`LR`, or the cell labelled `η`, `ɳ`, `ͷ`, `LR`, `learning rate`, ...
   (value to the right or below); when several are labelled, the one the first update formula
   references; with no label at all, the one absolute reference of that formula outside the table,
   else the cell the first updates read through a relative reference (`=E32-(B29*X32)`).

A generated workbook is one layout among these (headers network.layout.HEADERS, η labelled in
A2, inputs through defined names). find_tables() raises WorkbookError when no sheet holds a
table, when a table lacks a quantity the check needs (listing what is missing), and when a
table holds only typed-in numbers (no computed rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from network import layout
from network.errors import WorkbookError
from verify.tables import recognise
from verify.tables import vocabulary
from verify.reading.book import Book, Sheet
from network.layout import column_number
from verify.reading.refs import ADDRESS
from verify.reading.table import CLASSIC, CellRef, Table
from verify.tables.scan import SCAN_ROWS, filled

WEIGHTS = layout.WEIGHTS
EXAMPLE = tuple(layout.INPUT_NAMES)  # i1, i2, t1, t2: the classic network's one example, its inputs and targets
BIASES = tuple(layout.BIAS_NAMES)  # b1, b2
MIN_WEIGHTS = 4  # a header row names at least this many weights ...
MIN_QUANTITIES = 8  # ... and this many quantities in all
SCAN_COLS = 120

_SCALAR_NAMES = layout.INPUT_NAMES | layout.BIAS_NAMES | layout.WEIGHT_NAMES
_ETA = "η (learning rate)"
NO_COMPUTED_ROWS = "computed rows"
NO_TABLE = ("no backpropagation table found: no sheet has a header row naming the weights w1..w8 "
            "and the quantities computed from them (h1, a_h1, ..., E_total, ∂E/∂w1, ...)")


def find_tables(book: Book, skip: frozenset[str] = frozenset()) -> list[Table]:
    """Every backprop table in `book` (but on the sheets in `skip`), sheet by sheet, top to bottom; WorkbookError
    when there is none, or when one lacks something."""
    tables, empty, problems = _find(book, skip)
    if problems:
        raise WorkbookError("; ".join(empty + problems) + _ADVICE)
    return tables


def tables_and_unread(book: Book, skip: frozenset[str] = frozenset()) -> tuple[list[Table], list[str]]:
    """find_tables(), but a table that lacks something, or holds no formulas, beside tables that are complete is
    said in a sentence (a note of the report) instead of stopping the check of the others."""
    tables, empty, problems = _find(book, skip)
    if problems and not tables:
        raise WorkbookError("; ".join(empty + problems) + _ADVICE)
    return tables, empty + [problem + _ADVICE for problem in problems]


_ADVICE = ". Add a column with that header, or a cell labelled with it (e.g. 'i1', 'LR') with the value to its right"


def _find(book: Book, skip: frozenset[str]) -> tuple[list[Table], list[str], list[str]]:
    """(the tables, the tables without computed rows, the tables that lack something) of `book` but `skip`'s
    sheets; WorkbookError when there is no table at all."""
    named = _named_scalars(book)
    grids = {ws.title: _grid(ws) for ws in book.sheets.values()}
    labels = {title: _labels(title, grid) for title, grid in grids.items()}
    tables, problems, empty = [], [], []
    for ws in book.sheets.values():
        if ws.title in skip:
            continue
        headers = _header_rows(grids[ws.title])
        for header, below in zip(headers, [h.row for h in headers[1:]] + [None]):
            table, missing = _read_table(ws, header, named, labels, below)
            _sort(table, missing, ws, header, tables, problems, empty)
    if empty and not tables and not problems:
        raise WorkbookError("; ".join(empty))
    if not tables and not problems:
        raise WorkbookError(NO_TABLE)
    return tables, empty, problems


def _sort(table: Table | None, missing: list[str], ws: Sheet, header: _Header, tables: list[Table],
          problems: list[str], empty: list[str]) -> None:
    """One header's outcome: a table, a table without computed rows, or a table that lacks something."""
    if missing == [NO_COMPUTED_ROWS]:
        empty.append(
            f"sheet '{ws.title}' has a backpropagation table (header row {header.row}) but no computed "
            f"rows: under the header there are only typed-in numbers, no formulas to check"
        )
    elif missing:
        problems.append(
            f"sheet '{ws.title}' has a backpropagation table (header row {header.row}) but no "
            f"{', '.join(missing)}"
        )
    else:
        tables.append(table)


@dataclass(frozen=True)
class _Header:
    row: int
    columns: dict[str, int]  # canonical -> 1-based column
    texts: dict[str, str]  # canonical -> header text as written
    run: dict[int, str]  # every header text of the row's run, recognised or not: column -> text

    def holds(self, label: _Label) -> bool:
        """True when `label` is one of this header row's column headers."""
        return label.row == self.row and label.col in self.columns.values()


def _header_rows(grid: dict[tuple[int, int], object]) -> list[_Header]:
    """Every run of header cells that looks like a backprop table's, top to bottom: several tables stacked on one
    sheet (one per learning rate) each have their own header row. In one row, the run naming the most quantities."""
    best: dict[int, _Header] = {}
    for row, run in _runs(grid):
        columns, texts = {}, {}
        for col, text in run:
            q = vocabulary.quantity(text)
            if q is not None and q not in columns:
                columns[q], texts[q] = col, text
        weights = sum(w in columns for w in WEIGHTS)
        if weights < MIN_WEIGHTS or len(columns) < MIN_QUANTITIES:
            continue
        if row not in best or len(columns) > len(best[row].columns):
            best[row] = _Header(row, columns, texts, dict(run))
    return [best[row] for row in sorted(best)]


def _runs(grid: dict[tuple[int, int], object]) -> list[tuple[int, list[tuple[int, str]]]]:
    """The runs of text cells in each row, as (row, [(col, text), ...]): a number, a formula or
    two empty cells in a row end a run, so a label column at the left (`i1 | 0.05`) is not
    mistaken for part of a table's header."""
    runs = []
    for (row, col), value in sorted(grid.items()):
        text = isinstance(value, str) and not value.startswith("=")
        last = runs[-1] if runs else None
        if text and last and last[0] == row and col - last[1][-1][0] <= 2 and last[2]:
            last[1].append((col, value))
        elif text:
            runs.append((row, [(col, value)], True))
        elif last and last[0] == row:
            runs[-1] = (last[0], last[1], False)  # a value closes the run
    return [(row, run) for row, run, _ in runs]


def _grid(ws: Sheet) -> dict[tuple[int, int], object]:
    """(row, col) -> value of the non-empty cells near the top of a sheet (where headers and labels sit)."""
    return {(row, col): value for row, col, value in ws.cells(SCAN_ROWS, SCAN_COLS)}


def _read_table(
    ws: Sheet, header: _Header, named: dict[str, CellRef], labels: dict[str, dict[str, list[_Label]]],
    below: int | None = None,
) -> tuple[Table | None, list[str]]:
    """The table under `header` (ending before the header row `below` of the next table on the sheet, if any), or
    the list of required quantities it lacks."""
    missing = [w for w in WEIGHTS if w not in header.columns]
    anchor = header.columns[next(w for w in WEIGHTS if w in header.columns)]
    first = next((r for r in range(header.row + 1, header.row + 6) if filled(_value(ws, r, anchor))), None)
    if first is None:
        return None, missing + ["rows of numbers under the header"]
    last = _last_row(ws, header, first, anchor, below)
    if not any(_formula(ws, r, c) for r in range(first, min(first + 2, last) + 1) for c in header.run):
        return None, [NO_COMPUTED_ROWS]
    columns = dict(header.columns)
    scalars: dict[str, CellRef] = {}
    for q in EXAMPLE + BIASES + WEIGHTS:
        if q in columns and q not in WEIGHTS:
            continue
        ref = named.get(q) or _labelled(ws.title, header, q, labels, same_sheet_only=q in WEIGHTS)
        if ref is not None:
            scalars[q] = ref
    found = _by_formulas(ws, header, first, last, columns, scalars)
    columns.update(found.columns)
    missing = [w for w in WEIGHTS if w not in columns]
    missing += [q for q in EXAMPLE if q not in columns and q not in scalars]
    eta, eta_label = _eta(ws, header, first, columns, labels, found.eta)
    if eta is None:
        missing.append(_ETA)
    if missing:
        return None, missing
    starts = {}  # a weight starts from its column's first row; the rest from a cell outside the table, else that row
    for q in EXAMPLE + BIASES + WEIGHTS:
        if q in columns and (q in WEIGHTS or q not in scalars):
            starts[q] = CellRef(ws.title, first, columns[q])
        elif q in scalars:
            starts[q] = scalars[q]
    typed = {b: x for b, x in _typed_biases(ws, first, columns).items() if b not in starts}
    return (
        Table(
            sheet=ws.title,
            header_row=header.row,
            first_row=first,
            last_row=last,
            columns=columns,
            eta=eta,
            scalars=scalars,
            headers={q: t for q, t in header.texts.items() if q in columns}
            | {q: header.run[c] for q, c in found.columns.items() if header.run.get(c)},
            eta_label=eta_label,
            origins=found.how,
            unchecked=found.unchecked,
            net=CLASSIC,
            starts=starts,
            typed=typed,
        ),
        [],
    )


# A number added at the end of a formula, alone (`+0.35`, or `+0.35*1` as b1·1 is written): a typed bias.
_TYPED_ADDEND = re.compile(r"\+\s*(\d+(?:\.\d*)?(?:E[+-]?\d+)?)\s*(?:\*\s*1(?:\.0*)?)?\s*$", re.IGNORECASE)
_FIRST_NET_INPUT = {"b1": "h1", "b2": "o1"}  # the first net input each bias is added to


def _typed_biases(ws: Sheet, first: int, columns: dict[str, int]) -> dict[str, float]:
    """b1 and b2 typed into the net inputs' formulas: the number at the end of h1's (o1's) formula in iteration 0
    (`=E4*$B$3+F4*$B$4+0.35`: b1 = 0.35). An h2 that adds another number, or none, is then a mistake at its cell."""
    found = {}
    for bias, net in _FIRST_NET_INPUT.items():
        formula = _formula(ws, first, columns[net]) if net in columns else None
        match = _TYPED_ADDEND.search(formula) if formula else None
        if match:
            found[bias] = float(match[1])
    return found


# --- labelled cells ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Label:
    text: str
    row: int  # where the label itself sits
    col: int
    value: CellRef  # the cell holding the labelled value


def _labels(sheet: str, grid: dict[tuple[int, int], object]) -> dict[str, list[_Label]]:
    """Cells labelled with a quantity or η, canonical (or "η") -> labels in reading order.

    The value is the cell to the right of the label when that holds a number or formula, else
    the cell below. Header rows of tables are labels too (of columns): the caller skips those.
    """
    found: dict[str, list[_Label]] = {}
    for (row, col), text in sorted(grid.items()):
        if not isinstance(text, str) or text.startswith("="):
            continue  # a number or a formula labels nothing
        q = "η" if vocabulary.is_eta_label(text) else vocabulary.quantity(text)
        if q is None:
            continue
        for r, c in ((row, col + 1), (row + 1, col)):
            if filled(grid.get((r, c))):
                found.setdefault(q, []).append(_Label(text, row, col, CellRef(sheet, r, c)))
                break
    return found


def _labelled(
    sheet: str, header: _Header, q: str, labels: dict[str, dict[str, list[_Label]]], *, same_sheet_only: bool
) -> CellRef | None:
    """The cell labelled `q` on `sheet` (not a header of the table), else on exactly one other sheet."""
    own = [lab for lab in labels[sheet].get(q, []) if not header.holds(lab)]
    if own:
        return own[0].value
    if same_sheet_only:
        return None
    others = [found[0].value for name, by_q in labels.items() if name != sheet for found in [by_q.get(q)] if found]
    return others[0] if len(others) == 1 else None


def _eta(
    ws: Sheet,
    header: _Header,
    first: int,
    columns: dict[str, int],
    labels: dict[str, dict[str, list[_Label]]],
    read_by_updates: tuple[str, int, int] | None,
) -> tuple[CellRef | None, str | None]:
    """The learning-rate cell and its label (see the module docstring for the order of search)."""
    span = range(min(header.columns.values()), max(header.columns.values()) + 2)
    for c in span:  # a column of η inside the table
        text = _value(ws, header.row, c)
        if vocabulary.is_eta_label(text):
            return CellRef(ws.title, first, c), str(text)
    candidates = [lab for lab in labels[ws.title].get("η", []) if not header.holds(lab)]
    referenced = _absolute_refs_of_first_update(ws, first, columns)
    if read_by_updates is not None and read_by_updates[0] == ws.title:
        referenced.add(read_by_updates[1:])
    for lab in candidates:
        if (lab.value.row, lab.value.col) in referenced:
            return lab.value, lab.text
    if candidates:
        return candidates[0].value, candidates[0].text
    outside = [
        (r, c) for r, c in referenced if not (r >= first and c in columns.values()) and filled(_value(ws, r, c))
    ]
    if len(outside) == 1:
        return CellRef(ws.title, *outside[0]), None
    same_sheet = read_by_updates is not None and read_by_updates[0] == ws.title
    if same_sheet and filled(_value(ws, read_by_updates[1], read_by_updates[2])):
        return CellRef(*read_by_updates), None  # reached through a relative reference (`B29`)
    elsewhere = [lab for name, by_q in labels.items() if name != ws.title for lab in by_q.get("η", [])]
    if len(elsewhere) == 1:
        return elsewhere[0].value, elsewhere[0].text
    return None, None




def _absolute_refs_of_first_update(ws: Sheet, first: int, columns: dict[str, int]) -> set[tuple[int, int]]:
    """(row, col) of the same-sheet references with `$` on the row in the first update formulas."""
    found = set()
    for w in WEIGHTS:
        formula = _value(ws, first + 1, columns[w]) if w in columns else None
        if not (isinstance(formula, str) and formula.startswith("=")):
            continue
        for _, col, row_dollar, row in ADDRESS.findall(formula.upper()):
            if row_dollar:
                found.add((int(row), column_number(col)))
    return found


def _by_formulas(
    ws: Sheet, header: _Header, first: int, last: int, columns: dict[str, int], scalars: dict[str, CellRef]
) -> recognise.Found:
    """The table's columns that its header does not name, recognised by their formulas (verify/tables/recognise.py)."""
    inside = range(min(header.run), max(header.run) + 1)
    right = max(header.run) + 1
    while _formula(ws, first + 1, right) or _formula(ws, first, right):  # formulas beyond the last header
        right += 1
    candidates = {
        c: str(header.run.get(c) or "")
        for c in [*inside, *range(max(header.run) + 1, right)]
        if c not in columns.values() and not vocabulary.is_eta_label(header.run.get(c))
    }
    return recognise.by_formulas(
        ws.title,
        lambda r, c: _formula(ws, r, c),
        columns,
        candidates,
        first,
        last,
        {q: (ref.sheet, ref.row, ref.col) for q, ref in scalars.items()},
        {name.upper(): q for q, name in _SCALAR_NAMES.items()},
    )


def _last_row(ws: Sheet, header: _Header, first: int, anchor: int, below: int | None = None) -> int:
    """The table's last row: where the first weight column ends, or further down while the rows below go on
    with formulas in other header columns, or an iteration number, and that weight column empty (an exercise
    whose updates are still to fill in); never into the next table's header row `below` (nor the η row just above
    it: a label and a typed number)."""
    end = below - 1 if below is not None else None

    def inside(row: int) -> bool:
        return end is None or row <= end

    last = first
    while inside(last + 1) and filled(_value(ws, last + 1, anchor)):
        last += 1
    def goes_on(row: int) -> bool:  # formulas, or the next iteration's number, in the table's columns
        counter = header.columns.get("iteration")
        return any(_formula(ws, row, col) for col in header.run) or (counter is not None and filled(_value(ws, row, counter)))

    longest = last
    while inside(longest + 1) and goes_on(longest + 1) and not filled(_value(ws, longest + 1, anchor)):
        longest += 1
    return longest


def _value(ws: Sheet, row: int, col: int) -> object:
    """The content of one cell (a formula as its text)."""
    return ws.value(row, col)


def _formula(ws: Sheet, row: int, col: int) -> str | None:
    """The formula text ("=...") of one cell, or None."""
    return ws.formulas.get((row, col))


def _named_scalars(book: Book) -> dict[str, CellRef]:
    """i1, i2, t1, t2, b1, b2, w1..w8 -> their cells, through the Network sheet's defined names."""
    found = {}
    for quantity, name in _SCALAR_NAMES.items():
        ref = book.destination(name)
        if ref is not None:
            found[quantity] = ref
    return found
