"""What real classes hand in (issue 21): the layouts of published student workbooks the checker stumbled on.

Written like tests/handbuilt.py (formulas by hand with openpyxl, values from one LibreOffice
recalculation per workbook: the session fixture `realclass_books` in tests/conftest.py), each layout
correct and with a planted mistake:

- stacked: six tables on one sheet, one per learning rate, each with its own η cell just above its
  header row;
- one iteration: one complete iteration, then a row holding only the updated weights;
- vertical: Matt Mazur's layout, quantities down a column (label, value, how it is computed), one
  iteration per sheet, each sheet's weights taken from the previous sheet (`='iter 1'!E38`),
  biases fixed;
- 2-4-1: a network of another shape, four hidden units and one output, weights w1..w12;
- rounded: a correct and a planted workbook whose saved values carry 10 significant digits, as some
  apps export (made after the recalculation: ROUNDED); 200 iterations at η 2, so that the outputs
  come close to their targets and a value recomputed from rounded cells drifts past 1e-9;
- combined: one update with two mistakes at once, the wrong gradient column and a frozen row
  (`=H13-Z$13*$H$2`, as `=H41-Z$41*$B$39` in the issue).

EXPECTED says, for each workbook, what a check must find: every table (sheet and η), and the
planted root cause (sheet, cell, catalogue keys).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from handbuilt import ERA_S6, INITIAL, MAZUR, MAZUR_BIASES, PLANTS, WEIGHTS, Plant, Table, cells_above, g, write_table

ITERATIONS = 5  # rows 0..5 per table: six stacked tables stay small
RATES = (0.1, 0.2, 0.5, 0.8, 1.0, 2.0)


@dataclass(frozen=True)
class Expected:
    """What checking one workbook must find."""

    tables: tuple[tuple[str, float], ...]  # (sheet, η) of every table, in order
    cause: tuple[str, frozenset[str]] | None = None  # the planted root cause: (cell, its catalogue keys); None: passes


# --- stacked: six tables on one sheet ------------------------------------------------------------------

_TYPICAL_ORDER = ("t1", "t2", "i1", "i2", "w1", "w2", "w3", "w4", "h1", "a_h1", "h2", "a_h2", "w5", "w6", "w7", "w8",
                  "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total", *(g(w) for w in WEIGHTS))  # fmt: skip
_TYPICAL_HEADERS = tuple((q, {"E_total": "E_tot", **{g(w): f"∂E/∂{w}" for w in WEIGHTS}}.get(q, q)) for q in _TYPICAL_ORDER)
STACK_STEP = ITERATIONS + 3  # η row, header row, iterations 0..N: the next η row right below the last row


def stacked_top(k: int) -> int:
    """The header row of the k-th stacked table (0-based); its η is in column B of the row above."""
    return 3 + k * STACK_STEP


def stacked(plant_in: int | None = None) -> Workbook:
    """Six tables one below another on sheet `Stacked`, one per learning rate, each with `LR` and its η
    just above its header row; `plant_in`: the table whose w7 update reads ∂E/∂w8 (wrong-column)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Stacked"
    ws["A1"] = "Backpropagation, one table per learning rate"
    for k, rate in enumerate(RATES):
        top = stacked_top(k)
        ws.cell(top - 1, 1, "LR")
        ws.cell(top - 1, 2, rate)
        plant = PLANTS["wrong column"] if k == plant_in else None
        write_table(ws, Table(top, 1, _TYPICAL_HEADERS, {"η": f"$B${top - 1}"}, dict(ERA_S6)), plant, ITERATIONS)
    return wb


def _typical_column(q: str) -> str:
    return get_column_letter(1 + _TYPICAL_ORDER.index(q))


# --- one iteration, then the updated weights only ------------------------------------------------------


def one_iteration(plant: Plant | None = None) -> Workbook:
    """The typical table (η `LR` in B7, header row 9) with iteration 0 complete and row 1 (Excel row 11)
    holding only the updated weights w1..w8."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Backprop"
    ws["A1"] = "Backpropagation: one step"
    ws["A7"], ws["B7"] = "LR", 0.5
    write_table(ws, Table(9, 1, _TYPICAL_HEADERS, {"η": "$B$7"}, dict(ERA_S6)), plant, iterations=1)
    for i, (q, _) in enumerate(_TYPICAL_HEADERS):
        if q not in WEIGHTS:
            ws.cell(11, 1 + i).value = None
    return wb


# --- vertical: Matt Mazur's layout, one iteration per sheet ----------------------------------------------

VERTICAL_SHEETS = ("iter 1", "iter 2", "iter 3")
_V_PARAMS = {**MAZUR, **MAZUR_BIASES, "η": 0.5}  # rows 2..8
_V_ROW = {q: 2 + i for i, q in enumerate(_V_PARAMS)}
_V_ROW |= {w: 10 + i for i, w in enumerate(WEIGHTS)}  # w1..w8: rows 10..17
_V_FORWARD = ("h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total")
_V_ROW |= {q: 18 + i for i, q in enumerate(_V_FORWARD)}  # rows 18..28
_V_UPDATE_ORDER = WEIGHTS[4:] + WEIGHTS[:4]  # Mazur updates the output weights first
_V_ROW |= {g(w): 29 + i for i, w in enumerate(_V_UPDATE_ORDER)}  # ∂E/∂w5.. : rows 29..36
_V_ROW |= {f"{w}+": 37 + i for i, w in enumerate(_V_UPDATE_ORDER)}  # the updated weights: rows 37..44 (w6+ in E38)
_V_LABEL = {"i1": "i1", "i2": "i2", "t1": "target o1", "t2": "target o2", "b1": "b1", "b2": "b2", "η": "learning rate",
            "h1": "net_h1", "a_h1": "out_h1", "h2": "net_h2", "a_h2": "out_h2", "o1": "net_o1", "a_o1": "out_o1",
            "o2": "net_o2", "a_o2": "out_o2", "E1": "E_o1", "E2": "E_o2", "E_total": "E_total"}  # fmt: skip


def _v(q: str) -> str:
    return f"$E${_V_ROW[q]}"


def _v_delta(k: int) -> str:
    a, t = _v(f"a_o{k}"), _v(f"t{k}")
    return f"({a}-{t})*{a}*(1-{a})"


def _v_formula(q: str, plant: bool) -> tuple[str, str]:
    """(formula, how it is computed in words) of quantity q on a vertical sheet; `plant`: ∂E/∂w5 uses net_h1."""
    net = {"h1": ("w1", "i1", "w2", "i2", "b1"), "h2": ("w3", "i1", "w4", "i2", "b1"),
           "o1": ("w5", "a_h1", "w6", "a_h2", "b2"), "o2": ("w7", "a_h1", "w8", "a_h2", "b2")}  # fmt: skip
    if q in net:
        wa, xa, wb, xb, b = net[q]
        return f"={_v(wa)}*{_v(xa)}+{_v(wb)}*{_v(xb)}+{_v(b)}", f"{wa}*{xa} + {wb}*{xb} + {b}"
    if q.startswith("a_"):
        return f"=1/(1+EXP(-{_v(q[2:])}))", f"1/(1+e^-{_V_LABEL[q[2:]]})"
    if q in ("E1", "E2"):
        return f"=0.5*({_v('t' + q[1])}-{_v('a_o' + q[1])})^2", f"½(target - out_o{q[1]})²"
    if q == "E_total":
        return f"={_v('E1')}+{_v('E2')}", "E_o1 + E_o2"
    w = q.removeprefix(g(""))
    n = int(w[1:])
    if n >= 5:  # ∂E/∂w5..w8 = δo · out_h
        k, h = (1 if n <= 6 else 2), ("a_h1" if n % 2 else "a_h2")
        h = h.replace("a_", "") if plant else h
        return f"={_v_delta(k)}*{_v(h)}", f"δo{k} * {_V_LABEL[h]}"
    j, x = (1 if n <= 2 else 2), ("i1" if n % 2 else "i2")
    a = _v(f"a_h{j}")
    error = f"{_v_delta(1)}*{_v(f'w{4 + j}')}+{_v_delta(2)}*{_v(f'w{6 + j}')}"
    return f"=({error})*{a}*(1-{a})*{_v(x)}", f"∂E/∂out_h{j} * out_h{j}(1-out_h{j}) * {x}"


def vertical(plant_on: str | None = None) -> Workbook:
    """Sheets `iter 1`..`iter 3`: label in D, value in E, how it is computed in F; inputs, fixed biases and η
    typed on each sheet; `iter 1`'s weights typed, the next sheets' taken from the previous sheet's updated
    weights (`='iter 1'!E38`). `plant_on`: the sheet whose ∂E/∂w5 multiplies by net_h1."""
    wb = Workbook()
    wb.remove(wb.active)
    for s, title in enumerate(VERTICAL_SHEETS):
        ws = wb.create_sheet(title)
        ws["D1"], ws["E1"], ws["F1"] = f"Iteration {s + 1}", "value", "how"
        for q, value in _V_PARAMS.items():
            ws[f"D{_V_ROW[q]}"], ws[f"E{_V_ROW[q]}"] = _V_LABEL[q], value
        for w in WEIGHTS:
            ws[f"D{_V_ROW[w]}"] = w
            ws[f"E{_V_ROW[w]}"] = INITIAL[w] if s == 0 else f"='{VERTICAL_SHEETS[s - 1]}'!E{_V_ROW[w + '+']}"
        for q in (*_V_FORWARD, *(g(w) for w in _V_UPDATE_ORDER)):
            formula, how = _v_formula(q, plant=title == plant_on and q == g("w5"))
            ws[f"D{_V_ROW[q]}"] = _V_LABEL.get(q, q)
            ws[f"E{_V_ROW[q]}"], ws[f"F{_V_ROW[q]}"] = formula, how
        for w in _V_UPDATE_ORDER:
            row = _V_ROW[f"{w}+"]
            ws[f"D{row}"], ws[f"E{row}"] = f"{w}+", f"={_v(w)}-{_v('η')}*{_v(g(w))}"
            ws[f"F{row}"] = f"{w} - η * ∂E_total/∂{w}"
    return wb


# --- 2-4-1: another network shape ----------------------------------------------------------------------

SHAPE_WEIGHTS = tuple(f"w{k}" for k in range(1, 13))
SHAPE_INITIAL = dict(zip(SHAPE_WEIGHTS, (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.4, 0.45, 0.5, 0.55)))
SHAPE_HIDDEN = (1, 2, 3, 4)
_S_HEADERS = ("iteration", *SHAPE_WEIGHTS, *(x for j in SHAPE_HIDDEN for x in (f"h{j}", f"a_h{j}")), "o1", "a_o1",
              "E_total", *(g(w) for w in SHAPE_WEIGHTS))  # fmt: skip
SHAPE_TOP = 7  # header row; i1, i2, t1, η labelled in A2..A5, values in B


def shape_column(q: str) -> str:
    return get_column_letter(1 + _S_HEADERS.index(q))


def shape_2_4_1(plant: bool = False) -> Workbook:
    """A 2-4-1 network without biases: h_j = w(2j−1)·i1 + w(2j)·i2, o1 = Σ w(8+j)·a_hj, E = ½(t1 − a_o1)²;
    ∂E/∂w1..w12 written out in full. `plant`: ∂E/∂w11 multiplies by h3 where a_h3 belongs."""
    wb = Workbook()
    ws = wb.active
    ws.title = "2-4-1"
    ws["A1"] = "A 2-4-1 network by hand"
    cells = {}
    for i, (q, value) in enumerate((("i1", 0.05), ("i2", 0.1), ("t1", 0.01), ("η", 0.5))):
        ws.cell(2 + i, 1, q)
        ws.cell(2 + i, 2, value)
        cells[q] = f"$B${2 + i}"
    for i, q in enumerate(_S_HEADERS):
        ws.cell(SHAPE_TOP, 1 + i, q.replace("∂E_total/", "∂E/") if q.startswith("∂") else q)
    for k in range(ITERATIONS + 1):
        r = SHAPE_TOP + 1 + k

        def A(q: str, row: int = r) -> str:
            return f"{shape_column(q)}{row}" if q in _S_HEADERS else cells[q]

        a_o = A("a_o1")
        delta = f"({a_o}-{A('t1')})*{a_o}*(1-{a_o})"
        content: dict[str, float | str] = {"iteration": k}
        for w in SHAPE_WEIGHTS:
            content[w] = SHAPE_INITIAL[w] if k == 0 else f"={A(w, r - 1)}-{A('η')}*{A(g(w), r - 1)}"
        for j in SHAPE_HIDDEN:
            content[f"h{j}"] = f"={A(f'w{2 * j - 1}')}*{A('i1')}+{A(f'w{2 * j}')}*{A('i2')}"
            content[f"a_h{j}"] = f"=1/(1+EXP(-{A(f'h{j}')}))"
            a_h = A(f"a_h{j}")
            for n, x in ((2 * j - 1, "i1"), (2 * j, "i2")):
                content[g(f"w{n}")] = f"={delta}*{A(f'w{8 + j}')}*{a_h}*(1-{a_h})*{A(x)}"
            out_from = f"h{j}" if plant and j == 3 else f"a_h{j}"
            content[g(f"w{8 + j}")] = f"={delta}*{A(out_from)}"
        content["o1"] = "=" + "+".join(f"{A(f'w{8 + j}')}*{A(f'a_h{j}')}" for j in SHAPE_HIDDEN)
        content["a_o1"] = f"=1/(1+EXP(-{A('o1')}))"
        content["E_total"] = f"=0.5*({A('t1')}-{a_o})^2"
        for i, q in enumerate(_S_HEADERS):
            ws.cell(r, 1 + i, content[q])
    return wb


# --- rounded: a long table whose outputs converge --------------------------------------------------------

LONG_ITERATIONS = 200


def long_table(plant: Plant | None = None) -> Workbook:
    """The typical table (η `LR` 2.0 in B7, header row 9), 200 iterations: E shrinks towards 0."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Backprop"
    ws["A7"], ws["B7"] = "LR", 2.0
    write_table(ws, Table(9, 1, _TYPICAL_HEADERS, {"η": "$B$7"}, dict(ERA_S6)), plant, LONG_ITERATIONS)
    return wb


# --- the combined mistake: the wrong gradient column and a frozen row in one update ---------------------

COMBINED = Plant(
    "wrong column and fixed row",
    "w7",
    1,
    # =H13-Z$13*$H$2 in iteration 1, =H14-Z$13*$H$2 below: ∂E/∂w8's column, frozen at the first row
    lambda A, r, p, eta: f"={A('w7', p)}-{A(g('w8'), 0)}*{eta}",
)


# --- two different mistakes on two sheets: the class line must name both ---------------------------------


def two_mistakes() -> Workbook:
    """Sheet `first`: ∂E/∂w5 multiplies by h1 (net-for-activation); sheet `second`: ∂E/∂w3 uses a_h1·(1−a_h1)
    (other-hidden-slope)."""
    from handbuilt import typical

    wb = typical(PLANTS["h1 in dw5"], title="first")
    return cells_above(PLANTS["a_h1 in dw3"], wb=wb, title="second")


TWO_MISTAKES = {"net-for-activation": "uses h1 (before the sigmoid) instead of a_h1",
                "other-hidden-slope": "uses a_h1·(1−a_h1) instead of a_h2·(1−a_h2)"}  # fmt: skip


# --- rounded: saved values with 10 significant digits ---------------------------------------------------

_NUMBER_CELL = re.compile(rb"<c ([^>]*)>(.*?)</c>", re.S)
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def round_saved_values(source: Path, target: Path, digits: int = 10) -> Path:
    """`source` with every saved number rounded to `digits` significant digits (formulas and everything else
    kept byte for byte), as an app that exports fewer digits writes it."""

    def cell(match: re.Match) -> bytes:
        attrs, body = match.groups()
        kind = re.search(rb'\bt="([^"]*)"', attrs)
        if kind and kind.group(1) != b"n":
            return match.group(0)
        body = _VALUE.sub(lambda v: b"<v>" + format(float(v.group(1)), f".{digits}g").encode() + b"</v>", body)
        return b"<c " + attrs + b">" + body + b"</c>"

    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _NUMBER_CELL.sub(cell, data)
            out.writestr(info, data)
    return target


# Built with openpyxl, then recalculated: name -> workbook. ROUNDED: rounded copies of recalculated ones.
def builders() -> dict[str, Workbook]:
    return {
        "stacked": stacked(),
        "stacked-planted": stacked(plant_in=3),
        "one-iteration": one_iteration(),
        "one-iteration-planted": one_iteration(PLANTS["a_h1 in dw3 expanded"]),
        "vertical": vertical(),
        "vertical-planted": vertical(plant_on="iter 2"),
        "2-4-1": shape_2_4_1(),
        "2-4-1-planted": shape_2_4_1(plant=True),
        "long": long_table(),
        "long-planted": long_table(PLANTS["h1 in dw5"]),
        "combined": cells_above(COMBINED),
        "two-mistakes": two_mistakes(),
    }


ROUNDED = {"rounded": "long", "rounded-planted": "long-planted"}


def _keys(*keys: str) -> frozenset[str]:
    return frozenset(keys)


_S = "Stacked"
_LONG_DW5 = f"'Backprop'!{_typical_column(g('w5'))}10"  # header row 9, iteration 0 in row 10

EXPECTED: dict[str, Expected] = {
    "stacked": Expected(tuple((_S, rate) for rate in RATES)),
    "stacked-planted": Expected(
        tuple((_S, rate) for rate in RATES),
        # the fourth table (η 0.8): w7 of iteration 1 subtracts η·∂E/∂w8
        (f"'{_S}'!{_typical_column('w7')}{stacked_top(3) + 2}", _keys("wrong-column")),
    ),
    "one-iteration": Expected((("Backprop", 0.5),)),
    "one-iteration-planted": Expected(
        (("Backprop", 0.5),), (f"'Backprop'!{_typical_column(g('w3'))}10", _keys("other-hidden-slope"))
    ),
    "vertical": Expected(tuple((s, 0.5) for s in VERTICAL_SHEETS)),
    "vertical-planted": Expected(
        tuple((s, 0.5) for s in VERTICAL_SHEETS), (f"'iter 2'!E{_V_ROW[g('w5')]}", _keys("net-for-activation"))
    ),
    "2-4-1": Expected((("2-4-1", 0.5),)),
    "2-4-1-planted": Expected(
        (("2-4-1", 0.5),), (f"'2-4-1'!{shape_column(g('w11'))}{SHAPE_TOP + 1}", _keys("net-for-activation"))
    ),
    "rounded": Expected((("Backprop", 2.0),)),
    "rounded-planted": Expected((("Backprop", 2.0),), (_LONG_DW5, _keys("net-for-activation"))),
    # cells_above: header row 12, w7 in column H, iteration 1 in row 14
    "combined": Expected((("Sheet1", 1.0),), ("'Sheet1'!H14", _keys("wrong-column", "fixed-row"))),
}
