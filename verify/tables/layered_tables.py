"""Recognise the workbook of a general network (a template with `layers`) and rebuild its network from it.

A general network's LR sheet has a header row of the names of network/names.py (`iteration`, `z_1_1[e1]`,
`a_1_1[e1]`, ..., `δ_2_1[e1]`, `E_total`, `∂E_total/∂w_1_1_1`, ..., `w_1_1_1`): a row naming weights, weighted
sums, activations, δs and E_total in that scheme is such a table (the classic names `w1`, `h1`, ... never are).
What the names cannot say, the activations and the loss, the workbook records in the defined name
`network_description` (network/layout.py: GeneralShape, written by excelgen/general_sheets.py):

    layers 2-2-1; activations sigmoid, sigmoid; loss half-squared-error; examples 4; biases trained

From it the network's columns follow (network/columns.py), and each LR sheet must hold every one of them
under its header. The numbers stay in their cells and are read per check (verify/checking/starts.py): the
examples, initial weights and biases on the Network sheet through their defined names (`in_x_1_e1`,
`tgt_t_1_e1`, `w_2_1_3_init`, `b_2_1_init`, `bias_b_2_1`), η in the cell labelled η on each LR sheet.

Each table is the one table model (verify/reading/table.py) with the rebuilt network; find_tables() gives None
for a workbook without such a header row (the classic network's tables, generated
or built by hand, go to verify/tables/classic_tables.py), and raises WorkbookError naming what a general table lacks.
"""

from __future__ import annotations

from network import Column, Dep, Example, Kind, Network, parse
from network.columns import At
from network.description import ACTIVATIONS, LOSSES, MAX_EXAMPLES, MAX_LAYERS, MAX_NEURONS
from network.errors import WorkbookError
from network.layout import (
    GENERAL_DESCRIPTION_NAME, LR_SHEET_PREFIX, GeneralShape, constant_name, fixed_bias_name, read_general_shape,
)
from verify.tables import vocabulary
from verify.reading.book import Book, Sheet
from verify.reading.table import CellRef, Table
from verify.tables.scan import SCAN_ROWS, filled

MAX_COLUMNS = 16_384
# A header row of a general network names at least one quantity of each of these kinds.
HEADER_KINDS = frozenset({Kind.WEIGHT, Kind.Z, Kind.A, Kind.DELTA, Kind.E_TOTAL})
MAX_LISTED = 6  # missing columns a message names before "and N more"


def find_tables(book: Book) -> list[Table] | None:
    """Every general network's table in `book`; None when no sheet has one (a classic workbook)."""
    headers = {title: header for title, ws in book.sheets.items() if (header := _header_row(ws)) is not None}
    if not headers:
        return None
    net = _network(book, next(iter(headers.items())))
    computed = tuple(c for c in net.columns() if c.kind is not Kind.ITERATION)
    tables, problems = [], []
    for title, ws in book.sheets.items():
        if title in headers:
            table, missing = _read_table(book, ws, headers[title], net, computed)
            if missing:
                listed = ", ".join(missing[:MAX_LISTED]) + (f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else "")
                problems.append(f"sheet '{title}' has the table of a {_shape(net)} network (header row "
                                f"{headers[title][0]}) but no {listed}")
            else:
                tables.append(table)
        elif title.startswith(LR_SHEET_PREFIX):
            problems.append(f"sheet '{title}' has no table of the network (no header row naming its columns)")
    if problems:
        raise WorkbookError("; ".join(problems))
    return tables


def constant_of(net: Network, dep: Dep) -> str:
    """The defined name of a Network-sheet dependency of a column: an input, a target, an initial weight or
    bias (of a trained bias), or a fixed bias."""
    q = parse(dep.name)
    if q.kind is Kind.BIAS and not net.train_biases:
        return fixed_bias_name(q.layer, q.neuron)
    return constant_name(q, len(net.examples))


# ---------------------------------------------------------------- the header row


Header = tuple[int, dict[str, int]]  # (1-based row, header text -> 1-based column, each text's first column)


def _header_row(ws: Sheet) -> Header | None:
    """The row near the top that names the most quantities of the general scheme, when it names each kind of
    HEADER_KINDS; None otherwise. The header keeps every text of its row (those that name nothing too)."""
    rows: dict[int, dict[str, int]] = {}
    for (row, col), (value, kind) in ws.saved.items():  # one pass, no sorting: this runs on every workbook
        if row <= SCAN_ROWS and kind == "s" and (row, col) not in ws.formulas:
            texts = rows.setdefault(row, {})
            text = str(value).strip()
            texts[text] = min(col, texts.get(text, col))
    best, named = None, 0
    for row, texts in sorted(rows.items()):
        quantities = [q for q in map(parse, texts) if q is not None]
        if HEADER_KINDS <= {q.kind for q in quantities} and len(quantities) > named:
            best, named = (row, texts), len(quantities)
    return best


# ---------------------------------------------------------------- the network


def _network(book: Book, first: tuple[str, Header]) -> Network:
    """The network the workbook's description gives, with placeholder numbers."""
    text = book.names.get(GENERAL_DESCRIPTION_NAME.upper())
    shape = read_general_shape(text) if text is not None else None
    title, (row, _) = first
    if shape is None:
        example = GeneralShape((2, 2, 1), ("sigmoid", "sigmoid"), "half-squared-error", 4, "trained").text()
        holds = "has no defined name" if text is None else f"holds {text.strip()!r} in its defined name"
        raise WorkbookError(
            f"sheet '{title}' has the table of a general network (header row {row}), but the workbook {holds} "
            f"{GENERAL_DESCRIPTION_NAME}, which says its layers, activations and loss (e.g. \"{example}\"): "
            "generate the workbook again with backprop-sheet generate"
        )
    problem = _implausible(shape)
    if problem:
        raise WorkbookError(f"the defined name {GENERAL_DESCRIPTION_NAME} ({shape.text()!r}): {problem}")
    examples = tuple(Example((0.0,) * shape.layers[0], (0.0,) * shape.layers[-1]) for _ in range(shape.examples))
    return Network(
        name="workbook", layers=shape.layers, activations=shape.activations, loss=shape.loss,
        train_biases=shape.biases == "trained", examples=examples,
        weights=tuple(tuple((0.0,) * below for _ in range(n)) for below, n in zip(shape.layers, shape.layers[1:])),
        biases=tuple((0.0,) * n for n in shape.layers[1:]), iterations=1, learning_rates=(1.0,),
        biases_given=shape.biases != "none",
    )


def _implausible(shape: GeneralShape) -> str | None:
    """Why a description cannot be a network the generator wrote, or None."""
    if not 2 <= len(shape.layers) <= MAX_LAYERS + 1 or not all(1 <= n <= MAX_NEURONS for n in shape.layers):
        return f"layers must be 2 to {MAX_LAYERS + 1} counts of 1 to {MAX_NEURONS} neurons"
    unknown = [f for f in shape.activations if f not in ACTIVATIONS]
    if unknown or "softmax" in shape.activations[:-1]:
        return f"unknown or misplaced activation {(unknown or ['softmax'])[0]!r}"
    if shape.loss not in LOSSES:
        return f"unknown loss {shape.loss!r}"
    if not 1 <= shape.examples <= MAX_EXAMPLES:
        return f"examples must be 1 to {MAX_EXAMPLES}"
    return None


def _shape(net: Network) -> str:
    return "-".join(map(str, net.layers))


# ---------------------------------------------------------------- one sheet's table


def _read_table(
    book: Book, ws: Sheet, header: Header, net: Network, computed: tuple[Column, ...]
) -> tuple[Table | None, list[str]]:
    """The table under `header`, or what it lacks: columns, rows, η, Network-sheet constants."""
    row, texts = header
    missing = [c.header for c in computed if c.header not in texts]
    if missing:
        return None, missing
    columns = {c.header: texts[c.header] for c in computed}
    anchors = list(columns.values())
    first = next((r for r in range(row + 1, row + 6) if any(filled(ws.value(r, c)) for c in anchors)), None)
    if first is None:
        return None, ["rows under the header"]
    last = first
    while any(filled(ws.value(last + 1, c)) for c in anchors):
        last += 1
    scalars: dict[str, CellRef] = {}
    for c in computed:
        for dep in c.depends:
            if dep.at is At.NETWORK:
                defined = constant_of(net, dep)
                ref = book.destination(defined, ws.title)
                if ref is None:
                    missing.append(f"defined name {defined} ({dep.name})")
                else:
                    scalars[defined] = ref
    eta, label = _eta(ws, row)
    if eta is None:
        missing.append("η (learning rate): a cell labelled η with the value to its right")
    if missing:
        return None, list(dict.fromkeys(missing))
    unchecked = {
        col: text for text, col in texts.items()
        if col not in columns.values() and text != "iteration" and ws.formulas.get((first, col))
    }
    table = Table(ws.title, row, first, last, columns, eta, scalars, headers={h: h for h in columns},
                  eta_label=label, unchecked=unchecked, net=net, starts=_starts(net, computed, scalars))
    return table, []


_START_ORDER = (Kind.INPUT, Kind.TARGET, Kind.WEIGHT, Kind.BIAS)


def _starts(net: Network, computed: tuple[Column, ...], scalars: dict[str, CellRef]) -> dict[str, CellRef]:
    """The cell of each number the training starts from, by quantity name: the examples, then the initial
    weights, then the biases (the order they are read in)."""
    found = {dep.name: scalars[constant_of(net, dep)] for c in computed for dep in c.depends if dep.at is At.NETWORK}
    return dict(sorted(found.items(), key=lambda item: _START_ORDER.index(parse(item[0]).kind)))


def _eta(ws: Sheet, header_row: int) -> tuple[CellRef | None, str | None]:
    """The first cell above the header labelled η (`η (learning rate)`, `LR`, ...): the value right of it, or below."""
    for row, col, value in ws.cells(header_row - 1, MAX_COLUMNS):
        if vocabulary.is_eta_label(value):
            for r, c in ((row, col + 1), (row + 1, col)):
                if filled(ws.value(r, c)):
                    return CellRef(ws.title, r, c), str(value)
    return None, None
