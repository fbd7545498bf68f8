"""Hand-built workbooks for the tests: the layouts students make, written with openpyxl.

Each layout function writes one workbook the way a student might: its own header spellings and
column order, inputs as table columns or as labelled cells, η labelled differently, one sheet or
one per learning rate, initial weights typed into the first row and formulas below. A `Plant`
puts one known mistake into one column from one row on. openpyxl saves formulas without values,
so tests/conftest.py recalculates every built file once per session in real LibreOffice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.utils import get_column_letter

ITERATIONS = 12  # rows 0..12: enough to see a mistake propagate, quick to recalculate
WEIGHTS = tuple(f"w{k}" for k in range(1, 9))
ERA_S6 = {"i1": 0.05, "i2": 0.1, "t1": 0.5, "t2": 0.5}
MAZUR = {"i1": 0.05, "i2": 0.1, "t1": 0.01, "t2": 0.99}
MAZUR_BIASES = {"b1": 0.35, "b2": 0.6}
INITIAL = dict(zip(WEIGHTS, (0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55)))

Address = Callable[[str, int], str]  # (quantity, Excel row) -> "B7", or "$B$2" for a single cell


def g(q: str) -> str:
    """The canonical derivative quantity: g("w3") -> "∂E_total/∂w3"."""
    return f"∂E_total/∂{q}"


@dataclass(frozen=True)
class Plant:
    """One mistake put into one column from iteration `from_index` on.

    `formula(A, r, p, eta)` gives the wrong formula of Excel row r (p: the row above); a plant
    with `typed` instead replaces the typed-in value of iteration 0.
    """

    name: str
    column: str
    from_index: int
    formula: Callable[[Address, int, int, str], str] | None = None
    typed: float | None = None
    shows_from: int | None = None  # the first wrong iteration, when later than from_index
    shows_in: str | None = None  # the first wrong column, when not `column` itself
    to_index: int | None = None  # the last planted iteration (one row copied wrongly); None: to the end

    @property
    def first_wrong(self) -> int:
        return self.from_index if self.shows_from is None else self.shows_from

    @property
    def wrong_column(self) -> str:
        return self.column if self.shows_in is None else self.shows_in


def _slid(absolute: str, rows: int) -> str:
    """"$B$7" written without $ and filled down `rows` rows: "B7", "B8", ..."""
    col, row = absolute.replace("$", " ").split()
    return f"{col}{int(row) + rows}"


def _delta(k: int, A: Address, r: int, op: str = "-") -> str:
    """(a_o - t)*a_o*(1-a_o) of output k (1 or 2); `op` other than "-" plants a mistake."""
    a, t = A(f"a_o{k}", r), A(f"t{k}", r)
    return f"({a}{op}{t})*{a}*(1-{a})"


def _hidden_error(j: int, A: Address, r: int) -> str:
    """∂E_total/∂a_hj = δo1*w(4+j) + δo2*w(6+j)."""
    return f"{_delta(1, A, r)}*{A(f'w{4 + j}', r)}+{_delta(2, A, r)}*{A(f'w{6 + j}', r)}"


_HIDDEN_PATH = {"w1": (1, "i1"), "w2": (1, "i2"), "w3": (2, "i1"), "w4": (2, "i2")}
_OUTPUT_PATH = {"w5": (1, "a_h1"), "w6": (1, "a_h2"), "w7": (2, "a_h1"), "w8": (2, "a_h2")}

# The mistakes of the catalogue, each planted where a student makes it (see tests/test_mistakes.py).
PLANTS: dict[str, Plant] = {
    p.name: p
    for p in (
        Plant(
            "a_h1 in dw3",
            g("w3"),
            0,
            lambda A, r, p, eta: f"={A(g('a_h2'), r)}*{A('a_h1', r)}*(1-{A('a_h1', r)})*{A('i1', r)}",
        ),
        Plant(
            "a_h1 in dw3 expanded",
            g("w3"),
            0,
            lambda A, r, p, eta: f"=({_hidden_error(2, A, r)})*{A('a_h1', r)}*(1-{A('a_h1', r)})*{A('i1', r)}",
        ),
        Plant("h1 in dw5", g("w5"), 0, lambda A, r, p, eta: f"={_delta(1, A, r)}*{A('h1', r)}"),
        Plant("no half in E1", "E1", 0, lambda A, r, p, eta: f"=({A('t1', r)}-{A('a_o1', r)})^2"),
        Plant("factor 2 in dw6", g("w6"), 0, lambda A, r, p, eta: f"=2*{_delta(1, A, r)}*{A('a_h2', r)}"),
        Plant(
            "no parentheses in dw1",
            g("w1"),
            0,
            lambda A, r, p, eta: f"={_hidden_error(1, A, r)}*{A('a_h1', r)}*(1-{A('a_h1', r)})*{A('i1', r)}",
        ),
        Plant("update adds", "w2", 1, lambda A, r, p, eta: f"={A('w2', p)}+{eta}*{A(g('w2'), p)}"),
        # w6 from row 1 on starts from the first row's w6 ($ on the row): row 1 is still right.
        Plant("fixed row", "w6", 1, lambda A, r, p, eta: f"={A('w6', 0)}-{eta}*{A(g('w6'), p)}", shows_from=2),
        Plant("wrong column", "w7", 1, lambda A, r, p, eta: f"={A('w7', p)}-{eta}*{A(g('w8'), p)}"),
        # Row 0's formulas read w1 from the labelled cell (0.15): h1 is the first wrong value.
        Plant("typed weight differs", "w1", 0, typed=0.16, shows_in="h1"),
        # `B7` without $ in row 11 (iteration 1) slides to B8, B9, ... when filled down.
        Plant("eta slides", "w1", 1, lambda A, r, p, eta: f"={A('w1', p)}-{_slid(eta, r - 11)}*{A(g('w1'), p)}", shows_from=2),
        # ∂E/∂w1 written out in full with w5, w6 (the weights into o1) where w5, w7 belong
        Plant(
            "wrong out weights in dw1",
            g("w1"),
            0,
            lambda A, r, p, eta: f"=({_delta(1, A, r)}*{A('w5', r)}+{_delta(2, A, r)}*{A('w6', r)})"
            f"*{A('a_h1', r)}*(1-{A('a_h1', r)})*{A('i1', r)}",
        ),
        Plant("a_o times t in dw5", g("w5"), 0, lambda A, r, p, eta: f"={_delta(1, A, r, '*')}*{A('a_h1', r)}"),
        Plant(
            "a_o plus t in dE da_h2",
            g("a_h2"),
            0,
            lambda A, r, p, eta: f"={_delta(1, A, r, '+')}*{A('w6', r)}+{_delta(2, A, r, '+')}*{A('w8', r)}",
        ),
        # iteration 5 only: E1 reads a_o1 of the row above (one row copied wrongly)
        Plant("one row copied wrongly", "E1", 5, lambda A, r, p, eta: f"=0.5*({A('t1', r)}-{A('a_o1', p)})^2", to_index=5),
    )
}

# plant -> what the catalogue's sentence must say about it, in the words of the issue.
NAMED = {
    "a_h1 in dw3": "uses a_h1·(1−a_h1) instead of a_h2·(1−a_h2)",
    "a_h1 in dw3 expanded": "uses a_h1·(1−a_h1) instead of a_h2·(1−a_h2)",
    "h1 in dw5": "uses h1 (before the sigmoid) instead of a_h1",
    "no half in E1": "leaves out the ½: (t1 − a_o1)² instead of ½(t1 − a_o1)²",
    "factor 2 in dw6": "is twice the right value",
    "no parentheses in dw1": "misses the parentheses around ∂E/∂a_h1",
    "update adds": "adds η·∂E/∂w2 instead of subtracting it",
    "fixed row": "takes w6 from the fixed row 4 (a $ on the row) instead of the row above",
    "wrong column": "subtracts η·∂E/∂w8 instead of η·∂E/∂w7",
    "typed weight differs": "computed with w1 = 0.15, but the typed-in initial w1 (column B) is 0.16",
    "eta slides": "its η reference B8 has no $ on the row",
    "wrong out weights in dw1": "uses w5 and w6 instead of w5 and w7, the weights leaving h1",
    "a_o times t in dw5": "uses (a_o1·t1) instead of (a_o1 − t1)",
    "a_o plus t in dE da_h2": "uses (a_o1+t1) and (a_o2+t2) instead of (a_o1 − t1) and (a_o2 − t2)",
    "one row copied wrongly": "breaks the column's pattern",
}

# plant -> its catalogue entry (verify/naming/mistakes.py), for the additions whose key the tests check
KEYS = {
    "eta slides": "eta-slides",
    "wrong out weights in dw1": "wrong-out-weights",
    "a_o times t in dw5": "target-operator",
    "a_o plus t in dE da_h2": "target-operator",
    "one row copied wrongly": "broken-row",
}


@dataclass(frozen=True)
class Table:
    """Where one table goes and what its cells reference."""

    top: int  # Excel row of the header
    left: int  # 1-based column of the first header
    headers: tuple[tuple[str, str], ...]  # (quantity, header text as the student writes it), in order
    cells: dict[str, str]  # quantities held in single cells: i1 -> "$B$2", η -> "$B$1", ...
    values: dict[str, float]  # i1, i2, t1, t2 (b1, b2): typed into row 0 when they are columns
    row0_weights: dict[str, str] | None = None  # iteration 0's formulas take weights from these cells


def write_table(ws, t: Table, plant: Plant | tuple[Plant, ...] | None = None, iterations: int = ITERATIONS) -> None:
    """Header row, then iterations 0..N: typed-in initial weights and inputs, formulas elsewhere.

    `plant`: one planted mistake, or several in different columns."""
    plants = {p.column: p for p in ((plant,) if isinstance(plant, Plant) else plant or ())}
    cols = {q: get_column_letter(t.left + i) for i, (q, _) in enumerate(t.headers)}
    for i, (_, text) in enumerate(t.headers):
        ws.cell(t.top, t.left + i, text)
    first = t.top + 1
    expanded = g("a_h1") not in cols  # no ∂E/∂a_h columns: ∂E/∂w1..w4 written out in full
    biases = "b1" in t.cells or "b1" in cols
    for k in range(iterations + 1):
        r = first + k

        def A(q: str, row: int, k: int = k) -> str:
            if q in WEIGHTS and k == 0 and t.row0_weights and row == first:
                return t.row0_weights[q]  # iteration 0 reads the weights from the labelled cells
            return f"{cols[q]}{row}" if q in cols else t.cells[q]

        def A_plant(q: str, row: int) -> str:  # row 0 stands for "the first row, with $ on the row"
            return f"{cols[q]}${first}" if row == 0 else A(q, row)

        for i, (q, _) in enumerate(t.headers):
            plant = plants.get(q)
            planted = plant is not None and plant.from_index <= k <= (iterations if plant.to_index is None else plant.to_index)
            if planted and plant.formula is not None:
                value = plant.formula(A_plant, r, r - 1, t.cells["η"])
            elif planted and k == 0:
                value = plant.typed
            else:
                value = _correct(q, k, A, r, t, expanded, biases)
            ws.cell(r, t.left + i, value)
    if "E_total" in cols:
        chart = LineChart()
        chart.title = "E_total"
        col = t.left + [q for q, _ in t.headers].index("E_total")
        chart.add_data(Reference(ws, min_col=col, min_row=t.top, max_row=first + iterations), titles_from_data=True)
        ws.add_chart(chart, f"{get_column_letter(t.left + len(t.headers) + 2)}{t.top}")


def _correct(q: str, k: int, A: Address, r: int, t: Table, expanded: bool, biases: bool) -> float | str:
    """The right content of quantity q in iteration k (Excel row r)."""
    p = r - 1
    if q == "iteration":
        return k
    if q in t.values:  # an input or target as a column: typed in row 0, copied down
        return t.values[q] if k == 0 else f"={A(q, p)}"
    if q in WEIGHTS:
        return INITIAL[q] if k == 0 else f"={A(q, p)}-{t.cells['η']}*{A(g(q), p)}"
    bias = {"h": f"+{A('b1', r)}" if biases else "", "o": f"+{A('b2', r)}" if biases else ""}
    net = {
        "h1": ("w1", "i1", "w2", "i2"),
        "h2": ("w3", "i1", "w4", "i2"),
        "o1": ("w5", "a_h1", "w6", "a_h2"),
        "o2": ("w7", "a_h1", "w8", "a_h2"),
    }
    if q in net:
        wa, xa, wb, xb = net[q]
        return f"={A(wa, r)}*{A(xa, r)}+{A(wb, r)}*{A(xb, r)}{bias[q[0]]}"
    if q in ("a_h1", "a_h2", "a_o1", "a_o2"):
        return f"=1/(1+EXP(-{A(q[2:], r)}))"
    if q in ("E1", "E2"):
        return f"=0.5*({A('t' + q[1], r)}-{A('a_o' + q[1], r)})^2"
    if q == "E_total":
        return f"={A('E1', r)}+{A('E2', r)}"
    if q in (g("a_h1"), g("a_h2")):
        return f"={_hidden_error(int(q[-1]), A, r)}"
    w = q.removeprefix(g(""))
    if w in _HIDDEN_PATH:
        j, x = _HIDDEN_PATH[w]
        a = A(f"a_h{j}", r)
        chain = f"({_hidden_error(j, A, r)})" if expanded else A(g(f"a_h{j}"), r)
        return f"={chain}*{a}*(1-{a})*{A(x, r)}"
    if q in ("δo1", "δo2"):  # an intermediate column: ∂E_total/∂o1
        return f"={_delta(int(q[-1]), A, r)}"
    if w in _OUTPUT_PATH:
        k_out, a_h = _OUTPUT_PATH[w]
        delta = A(f"δo{k_out}", r) if f"δo{k_out}" in t.cells or _has_column(A, f"δo{k_out}", r) else _delta(k_out, A, r)
        return f"={delta}*{A(a_h, r)}"
    raise ValueError(f"no formula for {q}")


def _has_column(A: Address, q: str, r: int) -> bool:
    try:
        A(q, r)
    except KeyError:
        return False
    return True


def _texts(ws, row: int, col: int, lines: tuple[str, ...]) -> None:
    for i, line in enumerate(lines):
        ws.cell(row + i, col, line)


DERIVATION = (
    "Block 1: h1 = w1*i1 + w2*i2, a_h1 = σ(h1) = 1/(1+e^-h1)",
    "E_total = E1 + E2, E1 = ½(t1 - a_o1)²",
    "∂E_total/∂w5 = ∂E_total/∂a_o1 * ∂a_o1/∂o1 * ∂o1/∂w5",
    "w_new = w_old - η * ∂E_total/∂w",
)


# --- the layouts --------------------------------------------------------------------------------


def typical(plant: Plant | None = None, wb: Workbook | None = None, title: str = "Backprop") -> Workbook:
    """One sheet, the typical student table: inputs and targets as columns, η labelled `LR`.

    t1 t2 i1 i2 w1..w4 h1 a_h1 h2 a_h2 w5..w8 o1 a_o1 o2 a_o2 E1 E2 E_tot ∂E/∂w1..∂E/∂w8, no
    ∂E/∂a_h columns (∂E/∂w1..w4 written out in full), derivation text above, a chart beside.
    """
    wb, ws = _sheet(wb, title)
    ws["A1"] = "Backpropagation by hand"
    _texts(ws, 2, 1, DERIVATION)
    ws["A7"], ws["B7"] = "LR", 0.5
    order = ["t1", "t2", "i1", "i2", "w1", "w2", "w3", "w4", "h1", "a_h1", "h2", "a_h2", "w5", "w6", "w7", "w8"]
    order += ["o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total", *(g(w) for w in WEIGHTS)]
    text = {"E_total": "E_tot", **{g(w): f"∂E/∂{w}" for w in WEIGHTS}}
    write_table(ws, Table(9, 1, tuple((q, text.get(q, q)) for q in order), {"η": "$B$7"}, dict(ERA_S6)), plant)
    return wb


def cells_above(plant: Plant | None = None, wb: Workbook | None = None, title: str = "Sheet1") -> Workbook:
    """Inputs as a row of labelled cells above the table (values below the labels), η labelled
    `η` with its value below, the initial weights in a labelled column, net_/out_ headers,
    ∂E/∂w5..w8 before ∂E/∂w1..w4. Row 0's formulas take the weights from the labelled cells."""
    wb, ws = _sheet(wb, title)
    for i, q in enumerate(("i1", "i2", "t1", "t2")):
        ws.cell(1, 2 + i, q)
        ws.cell(2, 2 + i, MAZUR[q])
    ws["H1"], ws["H2"] = "η", 1.0
    ws["J1"] = "initial weights"
    for i, w in enumerate(WEIGHTS):
        ws.cell(2 + i, 10, w)
        ws.cell(2 + i, 11, INITIAL[w])
    cells = {q: f"${get_column_letter(2 + i)}$2" for i, q in enumerate(("i1", "i2", "t1", "t2"))}
    row0 = {w: f"$K${2 + i}" for i, w in enumerate(WEIGHTS)}
    headers = [("iteration", "iter"), *((w, w) for w in WEIGHTS)]
    for n in ("h1", "h2"):
        headers += [(n, f"net_{n}"), (f"a_{n}", f"out_{n}")]
    for n in ("o1", "o2"):
        headers += [(n, f"net_{n}"), (f"a_{n}", f"out_{n}")]
    headers += [("E1", "E_o1"), ("E2", "E_o2"), ("E_total", "E_total")]
    headers += [(g("a_h1"), "∂E_total/∂out_h1"), (g("a_h2"), "∂E_total/∂out_h2")]
    headers += [(g(w), f"∂E_total/∂{w}") for w in WEIGHTS[4:] + WEIGHTS[:4]]
    write_table(ws, Table(12, 1, tuple(headers), {**cells, "η": "$H$2"}, {}, row0_weights=row0), plant)
    return wb


def per_learning_rate(plant: Plant | None = None) -> Workbook:
    """One sheet per learning rate, inputs on a separate `Inputs` sheet (label, value to the right),
    η labelled `learning rate` on each sheet, headers `Iteration W1 H1 σ(h1) Etot dE_tot/dW1`."""
    wb = Workbook()
    inputs = wb.active
    inputs.title = "Inputs"
    for i, q in enumerate(("i1", "i2", "t1", "t2")):
        inputs.cell(1 + i, 1, q.upper())
        inputs.cell(1 + i, 2, MAZUR[q])
    cells = {q: f"Inputs!$B${1 + i}" for i, q in enumerate(("i1", "i2", "t1", "t2"))}
    headers = [("iteration", "Iteration"), *((w, w.upper()) for w in WEIGHTS)]
    for n in ("h1", "h2", "o1", "o2"):
        headers += [(n, n.upper()), (f"a_{n}", f"σ({n})")]
    headers += [("E1", "E1"), ("E2", "E2"), ("E_total", "Etot")]
    headers += [(g("a_h1"), "dE_tot/da_h1"), (g("a_h2"), "dE_tot/da_h2")]
    headers += [(g(w), f"dE_tot/d{w.upper()}") for w in WEIGHTS]
    for rate in (0.1, 0.5, 2.0):
        ws = wb.create_sheet(f"eta={rate:g}")
        ws["A1"], ws["B1"] = "Learning Rate", rate
        write_table(ws, Table(3, 1, tuple(headers), {**cells, "η": "$B$1"}, {}), plant if rate == 0.5 else None)
    return wb


def biases_left(plant: Plant | None = None, wb: Workbook | None = None, title: str = "Mazur") -> Workbook:
    """The classic example with biases: a labelled column of inputs, biases and η (`ɳ`) at the
    left, the table to its right from column D, `ah1`/`ao1`, `E_Total`, `∂E_t/∂w1` headers and
    no ∂E/∂a_h columns."""
    return _mazur_layout(plant, wb, title, typed_biases=False)


def biases_typed(plant: Plant | None = None, wb: Workbook | None = None, title: str = "Typed biases") -> Workbook:
    """biases_left's layout with the biases typed into the net inputs' formulas, as Mazur's post writes them
    (`=E4*$B$3+F4*$B$4+0.35`, `=I4*N4+J4*P4+0.6`): no cell holds b1 or b2."""
    return _mazur_layout(plant, wb, title, typed_biases=True)


def _mazur_layout(plant: Plant | None, wb: Workbook | None, title: str, *, typed_biases: bool) -> Workbook:
    wb, ws = _sheet(wb, title)
    params = MAZUR if typed_biases else {**MAZUR, **MAZUR_BIASES}
    for i, q in enumerate(params):
        ws.cell(3 + i, 1, q)
        ws.cell(3 + i, 2, params[q])
    ws.cell(10, 1, "ɳ")
    ws.cell(10, 2, 0.5)
    cells = {q: f"$B${3 + i}" for i, q in enumerate(params)} | {"η": "$B$10"}
    if typed_biases:  # where a cell's address would go, the number itself
        cells |= {b: f"{x:g}" for b, x in MAZUR_BIASES.items()}
    headers = [("iteration", "Step"), *((w, w) for w in WEIGHTS)]
    for n in ("h1", "h2", "o1", "o2"):
        headers += [(n, n), (f"a_{n}", f"a{n}")]
    headers += [("E1", "E1"), ("E2", "E2"), ("E_total", "E_Total")]
    headers += [(g(w), f"∂E_t/∂{w}") for w in WEIGHTS]
    write_table(ws, Table(3, 4, tuple(headers), cells, {}), plant)
    return wb


def own_words(plant: Plant | None = None, wb: Workbook | None = None, title: str = "My backprop") -> Workbook:
    """Headers in the student's own words, as a class writes them: `act_h1`, `act_o1`, `dw1`,
    `∂E∂W2`, `Etotaldw3`, `dE_dw4`; a_o2 headed `y2`, ∂E/∂w5..w8 headed `g5`..`g8` (recognised by
    their formulas: σ(o2), and what the updates subtract); δ columns the gradients read (listed
    as not checked); η labelled with the look-alike `ͷ` (U+0377)."""
    wb, ws = _sheet(wb, title)
    labels = {"i1": "i1", "i2": "i2", "t1": "t1", "t2": "t2", "η": "ͷ"}
    values = {**MAZUR, "η": 0.5}
    for i, q in enumerate(labels):
        ws.cell(1 + i, 1, labels[q])
        ws.cell(1 + i, 2, values[q])
    cells = {q: f"$B${1 + i}" for i, q in enumerate(labels)}
    headers = [("iteration", "#"), *((w, w) for w in WEIGHTS)]
    headers += [("h1", "h1"), ("a_h1", "act_h1"), ("h2", "h2"), ("a_h2", "act_h2")]
    headers += [("o1", "o1"), ("a_o1", "act_o1"), ("o2", "o2"), ("a_o2", "y2")]
    headers += [("E1", "E1"), ("E2", "E2"), ("E_total", "Etotal"), ("δo1", "delta_o1"), ("δo2", "delta_o2")]
    headers += [(g("w1"), "dw1"), (g("w2"), "∂E∂W2"), (g("w3"), "Etotaldw3"), (g("w4"), "dE_dw4")]
    headers += [(g(f"w{n}"), f"g{n}") for n in range(5, 9)]
    write_table(ws, Table(7, 1, tuple(headers), cells, {}), plant)
    return wb


LAYOUTS: dict[str, Callable[..., Workbook]] = {
    "typical": typical,
    "cells_above": cells_above,
    "per_learning_rate": per_learning_rate,
    "biases_left": biases_left,
    "biases_typed": biases_typed,
    "own_words": own_words,
}

# Where each planted mistake goes: the layout whose formulas make it natural.
PLANT_LAYOUT = {
    "a_h1 in dw3": cells_above,
    "a_h1 in dw3 expanded": typical,
    "h1 in dw5": typical,
    "no half in E1": biases_typed,  # the biases typed into the net inputs
    "factor 2 in dw6": cells_above,
    "no parentheses in dw1": typical,
    "update adds": typical,
    "fixed row": biases_left,
    "wrong column": cells_above,
    "typed weight differs": cells_above,
    "eta slides": typical,
    "wrong out weights in dw1": typical,
    "a_o times t in dw5": typical,
    "a_o plus t in dE da_h2": cells_above,
    "one row copied wrongly": biases_left,
}


def mistakes_workbook() -> Workbook:
    """One sheet per planted mistake (sheet title = the plant's name), each a self-contained layout."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, plant in PLANTS.items():
        PLANT_LAYOUT[name](plant, wb=wb, title=name)
    return wb


# Several independent mistakes on one sheet: sheet title -> (layout, plants, the root causes
# every check must report, in dependency order: (iteration, column, catalogue key)).
SEVERAL: dict[str, tuple[Callable[..., Workbook], tuple[Plant, ...], tuple[tuple[int, str, str], ...]]] = {
    # the most common class template: ∂E/∂w3 and ∂E/∂w4 both use a_h1·(1−a_h1), and w7's η slides
    "class template": (
        typical,
        (
            Plant("w3", g("w3"), 0, lambda A, r, p, eta: f"=({_hidden_error(2, A, r)})*{A('a_h1', r)}*(1-{A('a_h1', r)})*{A('i1', r)}"),
            Plant("w4", g("w4"), 0, lambda A, r, p, eta: f"=({_hidden_error(2, A, r)})*{A('a_h1', r)}*(1-{A('a_h1', r)})*{A('i2', r)}"),
            Plant("w7", "w7", 1, lambda A, r, p, eta: f"={A('w7', p)}-{_slid(eta, r - 11)}*{A(g('w7'), p)}"),
        ),
        ((0, g("w3"), "other-hidden-slope"), (0, g("w4"), "other-hidden-slope"), (2, "w7", "eta-slides")),
    ),
    # ∂E/∂w5 headed `g5` (recognised by the update of w5 only) multiplies by h1: it is blamed, not
    # the correct update that reads it
    "own words g5": (
        own_words,
        (Plant("g5", g("w5"), 0, lambda A, r, p, eta: f"={A('δo1', r)}*{A('h1', r)}"),),
        ((0, g("w5"), "net-for-activation"),),
    ),
    # no cell labelled η: every update reaches η through a relative reference, `=E10-(B7*X10)`,
    # that slides to B8, B9, ... when filled down (in the words of the issue: `=E32-(B29*X32)`)
    "relative eta": (
        typical,
        tuple(
            Plant(w, w, 1, lambda A, r, p, eta, w=w: f"={A(w, p)}-({_slid(eta, r - 11)}*{A(g(w), p)})")
            for w in WEIGHTS
        ),
        tuple((2, w, "eta-slides") for w in WEIGHTS),
    ),
}


def several_workbook() -> Workbook:
    """One sheet per entry of SEVERAL."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, (layout, plants, _) in SEVERAL.items():
        layout(plants, wb=wb, title=title)
    ws = wb["relative eta"]
    ws["A7"] = None  # no label: η is the cell the first updates read
    return wb


def budget() -> Workbook:
    """Not a backprop sheet at all: a household budget."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Budget 2024"
    ws.append(["Month", "Income", "Rent", "Food", "Transport", "Savings"])
    for i, month in enumerate(("Jan", "Feb", "Mar", "Apr")):
        row = 2 + i
        ws.append([month, 2400, 900, 350 + 10 * i, 120, f"=B{row}-C{row}-D{row}-E{row}"])
    ws.append(["Total", "=SUM(B2:B5)", "=SUM(C2:C5)", "=SUM(D2:D5)", "=SUM(E2:E5)", "=SUM(F2:F5)"])
    return wb


def build_all(folder: Path) -> dict[str, Path]:
    """Write every layout, the mistakes workbook and the budget into `folder`: name -> path."""
    books = {name: make() for name, make in LAYOUTS.items()}
    books["mistakes"] = mistakes_workbook()
    books["several"] = several_workbook()
    books["budget"] = budget()
    paths = {}
    for name, wb in books.items():
        paths[name] = folder / f"{name}.xlsx"
        wb.save(paths[name])
    return paths


def _sheet(wb: Workbook | None, title: str):
    if wb is None:
        wb = Workbook()
        ws = wb.active
        ws.title = title
    else:
        ws = wb.create_sheet(title)
    return wb, ws
