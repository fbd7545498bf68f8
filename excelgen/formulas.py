"""The formula text of every LR-sheet column, built from small pure helpers.

Each formula follows verify/reference.py term by term, left to right (same operands, same
order, same parentheses), so a spreadsheet engine recomputes the saved values to the last
bit or two. Row numbers are passed as text: real numbers ("6", "5") give a formula, the
placeholders "{r}" and "{p}" give a template for the fast row writer (excelgen/rowstream.py).
"""

from __future__ import annotations

from network import layout

SIGMOID_INPUT = {"a_h1": "h1", "a_h2": "h2", "a_o1": "o1", "a_o2": "o2"}
OUTPUTS = (("a_o1", "t1"), ("a_o2", "t2"))  # (activation, target) of o1 and o2
# ∂E_total/∂a_h1 goes through w5 (to o1) and w7 (to o2); ∂E_total/∂a_h2 through w6 and w8.
HIDDEN_OUT_WEIGHTS = {"a_h1": ("w5", "w7"), "a_h2": ("w6", "w8")}
# ∂E_total/∂w1..w4 = ∂E_total/∂a_h · a_h(1 - a_h) · input
HIDDEN_WEIGHT_PATHS = {"w1": ("a_h1", "i1"), "w2": ("a_h1", "i2"), "w3": ("a_h2", "i1"), "w4": ("a_h2", "i2")}
# ∂E_total/∂w5..w8 = (a_o - t) · a_o(1 - a_o) · a_h
OUTPUT_WEIGHT_PATHS = {"w5": (0, "a_h1"), "w6": (0, "a_h2"), "w7": (1, "a_h1"), "w8": (1, "a_h2")}


def grad(weight_or_activation: str) -> str:
    """The header of a derivative column: "w1" -> "∂E_total/∂w1"."""
    return f"∂E_total/∂{weight_or_activation}"


def ref(header: str, row: str) -> str:
    """The relative address of a column in a row: ref("a_h1", "5") -> "K5"."""
    return f"{layout.col_letter(layout.column_index(header))}{row}"


def eta_ref() -> str:
    """The absolute address of the sheet's learning rate: $B$2."""
    return layout.cell(*layout.ETA_CELL, absolute=True)


def name(quantity: str) -> str:
    """The defined name of a Network-sheet quantity: "i1" -> "in_i1", "w1" -> "w1_init"."""
    return (layout.INPUT_NAMES | layout.WEIGHT_NAMES | layout.BIAS_NAMES)[quantity]


def weight(w: str, row: str, prev: str | None) -> str:
    """Row 0: the initial weight. Row k+1: w_new = w_old - η * ∂E_total/∂w_old."""
    if prev is None:
        return f"={name(w)}"
    return f"={ref(w, prev)}-{eta_ref()}*{ref(grad(w), prev)}"


def net_input(out: str, row: str, has_biases: bool) -> str:
    """h1 = w1*i1 + w2*i2 (+ b1), ..., o2 = w7*a_h1 + w8*a_h2 (+ b2)."""
    (wa, xa), (wb, xb), bias = _NET_INPUTS[out]
    terms = f"={ref(wa, row)}*{_operand(xa, row)}+{ref(wb, row)}*{_operand(xb, row)}"
    return terms + (f"+{name(bias)}" if has_biases else "")


def sigmoid(activation: str, row: str) -> str:
    """a = 1/(1+EXP(-x))."""
    return f"=1/(1+EXP(-{ref(SIGMOID_INPUT[activation], row)}))"


def error(k: int, row: str) -> str:
    """E1 = 0.5*(t1-a_o1)^2 (k = 0), E2 = 0.5*(t2-a_o2)^2 (k = 1)."""
    activation, target = OUTPUTS[k]
    return f"=0.5*({name(target)}-{ref(activation, row)})^2"


def total_error(row: str) -> str:
    """E_total = E1 + E2."""
    return f"={ref('E1', row)}+{ref('E2', row)}"


def output_delta(k: int, row: str) -> str:
    """(a_o - t)*a_o*(1-a_o): how E_total changes with o1 (k = 0) or o2 (k = 1). No leading '='."""
    activation, target = OUTPUTS[k]
    a = ref(activation, row)
    return f"({a}-{name(target)})*{a}*(1-{a})"


def hidden_error(activation: str, row: str) -> str:
    """∂E_total/∂a_h1 = (a_o1-t1)*a_o1*(1-a_o1)*w5 + (a_o2-t2)*a_o2*(1-a_o2)*w7 (w6, w8 for a_h2)."""
    via_o1, via_o2 = HIDDEN_OUT_WEIGHTS[activation]
    return f"={output_delta(0, row)}*{ref(via_o1, row)}+{output_delta(1, row)}*{ref(via_o2, row)}"


def hidden_weight_grad(w: str, row: str) -> str:
    """∂E_total/∂w1 = ∂E_total/∂a_h1 * a_h1*(1-a_h1) * i1 (w2..w4 alike)."""
    activation, x = HIDDEN_WEIGHT_PATHS[w]
    a = ref(activation, row)
    return f"={ref(grad(activation), row)}*{a}*(1-{a})*{name(x)}"


def output_weight_grad(w: str, row: str) -> str:
    """∂E_total/∂w5 = (a_o1-t1)*a_o1*(1-a_o1)*a_h1 (w6..w8 alike)."""
    k, activation = OUTPUT_WEIGHT_PATHS[w]
    return f"={output_delta(k, row)}*{ref(activation, row)}"


def row_formulas(row: str, prev: str | None, has_biases: bool) -> tuple[str, ...]:
    """The formulas of every computed column (layout.COMPUTED_HEADERS order) in one table row.

    `row` is the Excel row number (as text) of this row, `prev` the one above, or None for
    iteration 0, whose weights come from the Network sheet.
    """
    by_header = {w: weight(w, row, prev) for w in layout.WEIGHTS}
    by_header |= {
        "h1": net_input("h1", row, has_biases),
        "a_h1": sigmoid("a_h1", row),
        "h2": net_input("h2", row, has_biases),
        "a_h2": sigmoid("a_h2", row),
        "o1": net_input("o1", row, has_biases),
        "a_o1": sigmoid("a_o1", row),
        "o2": net_input("o2", row, has_biases),
        "a_o2": sigmoid("a_o2", row),
        "E1": error(0, row),
        "E2": error(1, row),
        "E_total": total_error(row),
        grad("a_h1"): hidden_error("a_h1", row),
        grad("a_h2"): hidden_error("a_h2", row),
    }
    by_header |= {grad(w): hidden_weight_grad(w, row) for w in HIDDEN_WEIGHT_PATHS}
    by_header |= {grad(w): output_weight_grad(w, row) for w in OUTPUT_WEIGHT_PATHS}
    return tuple(by_header[h] for h in layout.COMPUTED_HEADERS)


# out -> ((weight, operand), (weight, operand), bias)
_NET_INPUTS = {
    "h1": (("w1", "i1"), ("w2", "i2"), "b1"),
    "h2": (("w3", "i1"), ("w4", "i2"), "b1"),
    "o1": (("w5", "a_h1"), ("w6", "a_h2"), "b2"),
    "o2": (("w7", "a_h1"), ("w8", "a_h2"), "b2"),
}


def _operand(quantity: str, row: str) -> str:
    """An input by its defined name (i1 -> in_i1), a hidden activation by its column (a_h1 -> K5)."""
    if quantity in layout.INPUT_NAMES:
        return name(quantity)
    return ref(quantity, row)
