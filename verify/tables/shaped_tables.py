"""Hand-built tables of another network shape: a 2-4-1 network written like the classic one (w1..w12, h1..h4,
a_h1..a_h4, o1, a_o1, E_total, ∂E/∂w1..∂E/∂w12), checked as the general network it is.

The layer sizes come from the header: hidden units from h1.. / a_h1.., outputs from o1.. / a_o1.., weights from
w1..wN; the inputs are what is left, N = inputs·hidden + hidden·outputs. The weights are numbered as in the
classic network, unit by unit (w1: i1→h1, w2: i2→h1, w3: i1→h2, ..., then a_h1→o1, a_h2→o1, ...), and the
formulas of the first row must say so (h2 reads w3 and w4, o1 reads w9..w12): the table is then the general
network's (layers I-H-O, sigmoid, ½(t − a)², no biases; network/description.py) under the student's headers, and
the general reference checks it. Where the header or the formulas do not fit, the sheet is named with what was
found ("a network with 4 hidden units and 1 output, 12 weights") and why it is not checked.

Only shapes other than the classic 2-2-2 are taken here; the classic network's tables are classic_tables.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from network import Example, Kind, Network, Quantity
from verify.reading.book import Book, Sheet
from verify.reading.refs import column_letter, column_number
from verify.reading.table import CellRef, Table
from verify.tables import vocabulary
from verify.tables.scan import SCAN_ROWS, filled

SCAN_COLS = 120
MIN_WEIGHTS = 4
# normalise()d header text -> (what, number): vocabulary.normalise drops case, spaces, underscores, ∂ -> d
_PATTERNS = (
    (re.compile(r"w(\d+)"), "w"),
    (re.compile(r"(?:net|z)?h(\d+)"), "h"),
    (re.compile(r"(?:a|out|act|output)h(\d+)"), "a_h"),
    (re.compile(r"(?:net|z)?o(\d+)"), "o"),
    (re.compile(r"(?:a|out|act|output)o(\d+)"), "a_o"),
    (re.compile(r"(?:de(?:total|tot|t)?/?)?dw(\d+)"), "g"),
    (re.compile(r"(?:b|bias)(\d+)"), "b"),
)
_LABELS = ((re.compile(r"(?:i|x|input)(\d+)"), "i"), (re.compile(r"(?:t|target|targeto)(\d+)"), "t"),
           (re.compile(r"(?:b|bias)(\d+)"), "b"))
_REF = re.compile(r"(?<![\w.!'])\$?([A-Z]{1,3})\$?(\d+)(?![\w(!])")


@dataclass(frozen=True)
class _Header:
    row: int
    found: dict[tuple[str, int], int]  # (what, number) -> column
    texts: dict[tuple[str, int], str]
    e_total: int | None


def find_tables(book: Book) -> tuple[list[Table], list[str], set[str]]:
    """The tables of another shape, what could not be read of them, and the sheets they are on."""
    tables, problems, claimed = [], [], set()
    for ws in book.sheets.values():
        header = _header(ws)
        if header is None:
            continue
        claimed.add(ws.title)
        table = _read(ws, header)
        if isinstance(table, str):
            problems.append(table)
        else:
            tables.append(table)
    return tables, problems, claimed


def _parse(text: object) -> tuple[str, int] | None:
    if not isinstance(text, str) or text.startswith("="):
        return None
    plain = vocabulary.normalise(text)
    for pattern, what in _PATTERNS:
        if (m := pattern.fullmatch(plain)) is not None:
            return what, int(m.group(1))
    return None


def _header(ws: Sheet) -> _Header | None:
    """The header row of a table of another shape than 2-2-2 (more weights than w8, or other units), if any."""
    rows: dict[int, _Header] = {}
    for row, col, value in ws.cells(SCAN_ROWS, SCAN_COLS):
        if not isinstance(value, str) or value.startswith("="):
            continue  # numbers and formulas name nothing
        got = _parse(value)
        header = rows.setdefault(row, _Header(row, {}, {}, None))
        if got is not None and got not in header.found:
            header.found[got], header.texts[got] = col, str(value)
        elif vocabulary.quantity(value) == "E_total" and header.e_total is None:
            rows[row] = _Header(row, header.found, header.texts, col)
    for header in rows.values():
        numbers = {what: {n for w, n in header.found if w == what} for what in ("w", "h", "a_h", "o", "a_o", "g")}
        if len(numbers["w"]) < MIN_WEIGHTS or not numbers["g"]:
            continue
        shape = (max(numbers["h"] | numbers["a_h"] or {0}), max(numbers["o"] | numbers["a_o"] or {0}), max(numbers["w"]))
        if shape != (2, 2, 8):
            return header
    return None


def _read(ws: Sheet, header: _Header) -> Table | str:
    """The table under `header` as a general network's, or a sentence naming what was found and why it is not
    checked."""
    numbers = {what: sorted(n for w, n in header.found if w == what) for what in ("w", "h", "a_h", "o", "a_o", "g")}
    hidden = max(numbers["h"] + numbers["a_h"] or [0])
    outputs = max(numbers["o"] + numbers["a_o"] or [0])
    weights = max(numbers["w"])
    found = (f"sheet '{ws.title}' has a table of a network with {hidden} hidden unit{'s' * (hidden != 1)} and "
             f"{outputs} output{'s' * (outputs != 1)}, {weights} weights (header row {header.row})")
    inputs = (weights - hidden * outputs) // hidden if hidden else 0
    if not hidden or not outputs or inputs < 1 or inputs * hidden + hidden * outputs != weights:
        return (f"{found}, which no layering of inputs, {hidden} hidden and {outputs} output units gives: verify "
                "checks it once its header names every h, a_h, o, a_o and w1..wN numbered as in the classic network")
    net = Network(name=ws.title, layers=(inputs, hidden, outputs), activations=("sigmoid", "sigmoid"),
                  loss="half-squared-error", train_biases=False,
                  examples=(Example((0.0,) * inputs, (0.0,) * outputs),),
                  weights=tuple(tuple((0.0,) * below for _ in range(width))
                                for below, width in ((inputs, hidden), (hidden, outputs))),
                  biases=((0.0,) * hidden, (0.0,) * outputs), iterations=1, learning_rates=(1.0,))
    columns, texts = {}, {}
    for (what, n), col in header.found.items():
        name = _general(net, what, n)
        if name is not None:
            columns[name], texts[name] = col, header.texts[what, n]
    if header.e_total is not None:
        columns["E_total"], texts["E_total"] = header.e_total, "E_total"
    anchor = header.found[("w", numbers["w"][0])]
    first = next((r for r in range(header.row + 1, header.row + 6) if filled(ws.value(r, anchor))), None)
    if first is None:
        return f"{found}, but no rows of numbers under it"
    last = first
    while filled(ws.value(last + 1, anchor)):
        last += 1
    wiring = _wiring_problem(ws, net, columns, first)
    if wiring:
        return f"{found}, but {wiring}: verify checks such a table when its weights are numbered as in the classic network"
    labels = _labelled(ws, header.row)
    if any(key[0] == "b" for key in [*header.found, *labels] if isinstance(key, tuple)):
        return f"{found}, with biases: verify checks another shape without biases only (the classic 2-2-2 with them)"
    scalars = {}
    for k in range(1, inputs + 1):
        if ("i", k) in labels:
            scalars[net.name_of(Quantity(Kind.INPUT, 0, k, example=1))] = labels["i", k]
    for j in range(1, outputs + 1):
        if ("t", j) in labels:
            scalars[net.name_of(Quantity(Kind.TARGET, neuron=j, example=1))] = labels["t", j]
    lacking = [f"i{k}" for k in range(1, inputs + 1) if ("i", k) not in labels]
    lacking += [f"t{j}" for j in range(1, outputs + 1) if ("t", j) not in labels]
    if "η" not in labels:
        lacking.append("η (learning rate)")
    if lacking:
        return f"{found}, but no cell labelled {', '.join(lacking)} (the label with its value to the right)"
    weight_names = [c.header for c in net.columns() if c.kind is Kind.WEIGHT]
    starts = scalars | {w: CellRef(ws.title, first, columns[w]) for w in weight_names}
    return Table(sheet=ws.title, header_row=header.row, first_row=first, last_row=last, columns=columns,
                 eta=labels["η"], scalars=scalars, headers=texts, eta_label=labels["η label"],
                 net=net, starts=starts,
                 network_from=f"the header's w1..w{weights}, hidden and output units, and the first row's formulas")


def _general(net: Network, what: str, n: int) -> str | None:
    """The general network's name of the classic-style header (what, n): ("w", 11) -> w_2_1_3, ("a_h", 3) -> a_1_3."""
    inputs, hidden, outputs = net.layers
    if what in ("w", "g"):
        if n <= inputs * hidden:
            q = Quantity(Kind.WEIGHT, 1, (n - 1) // inputs + 1, (n - 1) % inputs + 1)
        elif n <= inputs * hidden + hidden * outputs:
            m = n - inputs * hidden
            q = Quantity(Kind.WEIGHT, 2, (m - 1) // hidden + 1, (m - 1) % hidden + 1)
        else:
            return None
        if what == "g":
            q = Quantity(Kind.GRAD_WEIGHT, q.layer, q.neuron, q.source)
        return net.name_of(q)
    layer, size = (1, hidden) if what in ("h", "a_h") else (2, outputs)
    if n > size:
        return None
    kind = Kind.A if what.startswith("a_") else Kind.Z
    return net.name_of(Quantity(kind, layer, n, example=1))


def _wiring_problem(ws: Sheet, net: Network, columns: dict[str, int], first: int) -> str | None:
    """Why the first row's weighted sums do not read the weights the classic numbering gives them, or None."""
    for c in net.columns():
        if c.kind is not Kind.Z or c.header not in columns:
            continue
        formula = ws.formulas.get((first, columns[c.header])) or ""
        read = {column_number(letters) for letters, _ in _REF.findall(formula.upper())}
        wanted = [d.name for d in c.depends if d.name.startswith("w_")]
        if not all(columns.get(w) in read for w in wanted):
            return (f"the formula of {ws.value(first - 1, columns[c.header]) or c.header} in row {first} ({formula}) "
                    f"does not read the weights {', '.join(_letters(columns, wanted))} the numbering gives it")
    return None


def _letters(columns: dict[str, int], names: list[str]) -> list[str]:
    return [column_letter(columns[n]) if n in columns else n for n in names]


def _labelled(ws: Sheet, above: int) -> dict:
    """("i", k), ("t", j) and "η" -> the cell to the right of its label, in the rows above the header."""
    found: dict = {}
    for row, col, value in ws.cells(above, SCAN_COLS):
        if not isinstance(value, str) or not filled(ws.value(row, col + 1)):
            continue
        if vocabulary.is_eta_label(value):
            found.setdefault("η", CellRef(ws.title, row, col + 1))
            found.setdefault("η label", value)
            continue
        plain = vocabulary.normalise(value)
        for pattern, what in _LABELS:
            if (m := pattern.fullmatch(plain)) is not None:
                found.setdefault((what, int(m.group(1))), CellRef(ws.title, row, col + 1))
    return found
