"""Every LR-sheet quantity in mathematical notation: for header notes and the Network sheet."""

from __future__ import annotations

from network import layout

_FORWARD = {
    "h1": "h1 = w1·i1 + w2·i2{b1}",
    "a_h1": "a_h1 = σ(h1) = 1 / (1 + e^(−h1))",
    "h2": "h2 = w3·i1 + w4·i2{b1}",
    "a_h2": "a_h2 = σ(h2) = 1 / (1 + e^(−h2))",
    "o1": "o1 = w5·a_h1 + w6·a_h2{b2}",
    "a_o1": "a_o1 = σ(o1) = 1 / (1 + e^(−o1))",
    "o2": "o2 = w7·a_h1 + w8·a_h2{b2}",
    "a_o2": "a_o2 = σ(o2) = 1 / (1 + e^(−o2))",
    "E1": "E1 = ½·(t1 − a_o1)²",
    "E2": "E2 = ½·(t2 − a_o2)²",
    "E_total": "E_total = E1 + E2",
}
DELTA_O1 = "(a_o1 − t1)·a_o1·(1 − a_o1)"
DELTA_O2 = "(a_o2 − t2)·a_o2·(1 − a_o2)"
HIDDEN_ERROR = {
    "a_h1": f"∂E_total/∂a_h1 = {DELTA_O1}·w5 + {DELTA_O2}·w7",
    "a_h2": f"∂E_total/∂a_h2 = {DELTA_O1}·w6 + {DELTA_O2}·w8",
}
OUTPUT_GRADS = {
    "w5": f"∂E_total/∂w5 = {DELTA_O1}·a_h1",
    "w6": f"∂E_total/∂w6 = {DELTA_O1}·a_h2",
    "w7": f"∂E_total/∂w7 = {DELTA_O2}·a_h1",
    "w8": f"∂E_total/∂w8 = {DELTA_O2}·a_h2",
}
# w -> (hidden activation, input)
HIDDEN_PATHS = {"w1": ("a_h1", "i1"), "w2": ("a_h1", "i2"), "w3": ("a_h2", "i1"), "w4": ("a_h2", "i2")}
UPDATE_RULE = "w_new = w_old − η · ∂E_total/∂w"


def forward(quantity: str, has_biases: bool) -> str:
    """Block 1: "h1 = w1·i1 + w2·i2" (with " + b1" when the network has biases)."""
    return _FORWARD[quantity].format(b1=" + b1" if has_biases else "", b2=" + b2" if has_biases else "")


def hidden_grad_chain(w: str) -> str:
    """Block 5: ∂E_total/∂w1 = ∂E_total/∂a_h1 · a_h1·(1 − a_h1) · i1."""
    a, x = HIDDEN_PATHS[w]
    return f"∂E_total/∂{w} = ∂E_total/∂{a} · {a}·(1 − {a}) · {x}"


def hidden_grad_expanded(w: str) -> str:
    """Block 6: block 5 with ∂E_total/∂a_h written out."""
    a, x = HIDDEN_PATHS[w]
    inner = HIDDEN_ERROR[a].split(" = ", 1)[1]
    return f"∂E_total/∂{w} = [{inner}] · {a}·(1 − {a}) · {x}"


def header_note(header: str, has_biases: bool) -> str:
    """The cell note of an LR-sheet header: the formula in mathematical notation and its block."""
    if header == "iteration":
        return "iteration k: row k holds the weights after k updates.\nRow 0 holds the initial weights of the Network sheet."
    if header in layout.WEIGHTS:
        return (
            f"Row 0: {header} = {layout.WEIGHT_NAMES[header]} (Network sheet).\n"
            f"Row k+1: {header} = {header} − η · ∂E_total/∂{header}, the right side from row k.\n"
            "η is the learning rate in cell B2."
        )
    if header in _FORWARD:
        return f"{forward(header, has_biases)}\nBlock 1: forward pass."
    quantity = header.split("∂", 2)[2]
    if quantity in HIDDEN_ERROR:
        return f"{HIDDEN_ERROR[quantity]}\nBlock 4: the error that reaches {quantity} through o1 and o2."
    if quantity in HIDDEN_PATHS:
        return f"{hidden_grad_chain(quantity)}\nBlock 5 (expanded in block 6):\n{hidden_grad_expanded(quantity)}"
    return f"{OUTPUT_GRADS[quantity]}\nBlock 3: gradient of an output weight."
