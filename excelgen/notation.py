"""The classic sheets' quantities in mathematical notation, for header notes and the Network sheet's blocks.

Every line is derived from the LR sheet's column records (network/columns.py): a column's `depends` lists what
its formula reads, in order, so the notation and the formula (excelgen/formulas.py) say the same thing:

    h1                h1 = w1·i1 + w2·i2 + b1                       depends: w1, i1, w2, i2 (, b1)
    a_h1              a_h1 = σ(h1) = 1 / (1 + e^(−h1))              depends: h1
    E1                E1 = ½·(t1 − a_o1)²                           depends: t1, a_o1
    ∂E_total/∂a_h1    ∂E_total/∂a_h1 = (a_o1 − t1)·a_o1·(1 − a_o1)·w5 + (a_o2 − t2)·a_o2·(1 − a_o2)·w7
    ∂E_total/∂w5      ∂E_total/∂w5 = (a_o1 − t1)·a_o1·(1 − a_o1)·a_h1
    ∂E_total/∂w1      ∂E_total/∂w1 = ∂E_total/∂a_h1 · a_h1·(1 − a_h1) · i1
"""

from __future__ import annotations

from excelgen.formulas import constant_name
from network import Column, Kind, Network

UPDATE_RULE = "w_new = w_old − η · ∂E_total/∂w"


def grad(quantity: str) -> str:
    """The header of a derivative column: "w1" -> "∂E_total/∂w1"."""
    return f"∂E_total/∂{quantity}"


def paths(net: Network, header: str) -> tuple[str, ...]:
    """The weights through which ∂E_total/∂a_h reaches the outputs: ("w5", "w7") for ∂E_total/∂a_h1."""
    return tuple(dep.name for dep in _column(net, header).depends[2::3])


def equation(net: Network, header: str) -> str:
    """The line of a forward-pass or derivative column: "h1 = w1·i1 + w2·i2", "∂E_total/∂w5 = (a_o1 − t1)·…"."""
    c = _column(net, header)
    d = [dep.name for dep in c.depends]
    return f"{header} = " + {
        Kind.Z: lambda: " + ".join(f"{w}·{a}" for w, a in zip(d[0::2], d[1::2])) + (f" + {d[-1]}" if len(d) % 2 else ""),
        Kind.A: lambda: f"σ({d[0]}) = 1 / (1 + e^(−{d[0]}))",
        Kind.ERROR: lambda: f"½·({d[0]} − {d[1]})²",
        Kind.E_TOTAL: lambda: " + ".join(d),
        Kind.DE_DA: lambda: " + ".join(f"{_delta(a, t)}·{w}" for a, t, w in zip(d[0::3], d[1::3], d[2::3])),
        Kind.GRAD_WEIGHT: lambda: _weight_gradient(d),
    }[c.kind]()


def hidden_grad_expanded(net: Network, header: str) -> str:
    """Block 6: ∂E_total/∂w1 with ∂E_total/∂a_h1 written out: ∂E_total/∂w1 = [(a_o1 − t1)·… ] · a_h1·(1 − a_h1) · i1."""
    dE_da, a, x = (dep.name for dep in _column(net, header).depends)
    inner = equation(net, dE_da).split(" = ", 1)[1]
    return f"{header} = [{inner}] · {a}·(1 − {a}) · {x}"


def header_note(net: Network, header: str) -> str:
    """The cell note of an LR-sheet header: the formula in mathematical notation and its block (the iteration and
    the weights of any network; every column of a network derived through ∂E/∂a, excelgen/derivation.py)."""
    c = _column(net, header)
    if c.kind is Kind.ITERATION:
        return "iteration k: row k holds the weights after k updates.\nRow 0 holds the initial weights of the Network sheet."
    if c.kind in (Kind.WEIGHT, Kind.BIAS):
        initial = constant_name(c.quantity, len(net.examples), net.classic)
        return (
            f"Row 0: {header} = {initial} (Network sheet).\n"
            f"Row k+1: {header} = {header} − η · ∂E_total/∂{header}, the right side from row k.\n"
            "η is the learning rate in cell B2."
        )
    if c.kind in (Kind.Z, Kind.A, Kind.ERROR, Kind.E_TOTAL):
        return f"{equation(net, header)}\nBlock 1: forward pass."
    if c.kind is Kind.DE_DA:
        outputs = " and ".join(dep.name.removeprefix("a_") for dep in c.depends[0::3])
        return f"{equation(net, header)}\nBlock 4: the error that reaches {header.split('∂')[-1]} through {outputs}."
    if c.kind is Kind.GRAD_WEIGHT and c.layer == 1:
        return f"{equation(net, header)}\nBlock 5 (expanded in block 6):\n{hidden_grad_expanded(net, header)}"
    return f"{equation(net, header)}\nBlock 3: gradient of an output weight."


def _column(net: Network, header: str) -> Column:
    return next(c for c in net.columns() if c.header == header)


def _delta(a: str, t: str) -> str:
    """δ of a sigmoid output with ½ squared error: (a_o1 − t1)·a_o1·(1 − a_o1)."""
    return f"({a} − {t})·{a}·(1 − {a})"


def _weight_gradient(d: list[str]) -> str:
    """An output weight's (a_o, t, a_h): δ_o·a_h; a hidden weight's (∂E_total/∂a_h, a_h, i): ∂E_total/∂a_h · σ' · i."""
    if d[0].startswith("∂"):
        dE_da, a, x = d
        return f"{dE_da} · {a}·(1 − {a}) · {x}"
    a, t, below = d
    return f"{_delta(a, t)}·{below}"
