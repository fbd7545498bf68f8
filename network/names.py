"""THE NAMES: one vocabulary for every quantity of a network, on the sheet, in the reference and in messages.

A quantity is a frozen `Quantity` (kind, layer, neuron, source, example); its text is `name(q, ...)`.

General networks (layer 0 = the inputs, layers and neurons counted from 1):

    x_3             input 3                          t_2     target 2
    w_2_1_3         weight of layer 2, to its neuron 1, from neuron 3 of layer 1
    b_2_1           bias of neuron 1 of layer 2
    z_2_1           its weighted sum  Σ w·a + b      a_2_1   its activation f(z_2_1)
    E               the loss of one example          E_total the mean of the examples' losses
    δ_2_1           ∂E/∂z_2_1 (of one example's loss)
    ∂E_total/∂w_2_1_3, ∂E_total/∂b_2_1               the mean gradients
    η               the learning rate

With more than one example, whatever belongs to one example ends in `[eN]`, N = 1, 2, ...:
`x_1[e3]`, `a_2_1[e3]`, `E[e3]`, `δ_2_1[e3]`. With one example nothing ends in a suffix.

The classic 2-2-2 network (a template with the classic keys) keeps today's names: i1, i2, t1, t2,
w1..w8 (w1: i1→h1, w2: i2→h1, w3: i1→h2, w4: i2→h2, w5: a_h1→o1, w6: a_h2→o1, w7: a_h1→o2,
w8: a_h2→o2), b1 (the hidden layer's one bias), b2 (the output layer's), h1, a_h1, h2, a_h2, o1,
a_o1, o2, a_o2, E1, E2 (each output's share of the loss), E_total, ∂E_total/∂a_h1, ∂E_total/∂a_h2,
∂E_total/∂w1..∂E_total/∂w8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a quantity is."""

    ITERATION = "iteration"
    INPUT = "input"  # x_j: an example's input (on the Network sheet)
    TARGET = "target"  # t_j: an example's target (on the Network sheet)
    WEIGHT = "weight"  # w_l_j_k
    BIAS = "bias"  # b_l_j
    Z = "z"  # z_l_j = Σ_k w_l_j_k · a_(l-1)_k + b_l_j
    A = "a"  # a_l_j = f(z_l_j)
    ERROR = "error"  # one output's share of an example's loss (the classic E1, E2)
    LOSS = "loss"  # E: one example's loss
    E_TOTAL = "E_total"  # the mean of the examples' losses
    DE_DA = "dE/da"  # ∂E/∂a_l_j (the classic ∂E_total/∂a_h1, ∂E_total/∂a_h2)
    DELTA = "delta"  # δ_l_j = ∂E/∂z_l_j
    GRAD_WEIGHT = "dE_total/dw"  # ∂E_total/∂w_l_j_k, the mean over the examples
    GRAD_BIAS = "dE_total/db"  # ∂E_total/∂b_l_j, the mean over the examples
    ETA = "eta"  # η, the learning rate (one per LR sheet)


@dataclass(frozen=True)
class Quantity:
    """One named quantity. layer: 0 = inputs; neuron, source (a weight's neuron below) and example count from 1;
    None where they do not apply (example is None for what belongs to the whole batch)."""

    kind: Kind
    layer: int | None = None
    neuron: int | None = None
    source: int | None = None
    example: int | None = None


SUFFIX = "[e{}]"
_SUFFIX_RE = re.compile(r"\[e([1-9][0-9]*)\]$")
_PER_EXAMPLE = {Kind.INPUT, Kind.TARGET, Kind.Z, Kind.A, Kind.ERROR, Kind.LOSS, Kind.DE_DA, Kind.DELTA}


def name(q: Quantity, *, classic: bool = False, examples: int = 1) -> str:
    """The text of a quantity: today's names for the classic network, else the general scheme;
    per-example quantities get the suffix `[eN]` when there is more than one example."""
    base = _classic(q) if classic else _general(q)
    if q.kind in _PER_EXAMPLE and examples > 1:
        return base + SUFFIX.format(q.example)
    return base


def _general(q: Quantity) -> str:
    k, l, j, s = q.kind, q.layer, q.neuron, q.source
    return {
        Kind.ITERATION: lambda: "iteration",
        Kind.INPUT: lambda: f"x_{j}",
        Kind.TARGET: lambda: f"t_{j}",
        Kind.WEIGHT: lambda: f"w_{l}_{j}_{s}",
        Kind.BIAS: lambda: f"b_{l}_{j}",
        Kind.Z: lambda: f"z_{l}_{j}",
        Kind.A: lambda: f"a_{l}_{j}",
        Kind.ERROR: lambda: f"E_{j}",
        Kind.LOSS: lambda: "E",
        Kind.E_TOTAL: lambda: "E_total",
        Kind.DE_DA: lambda: f"∂E/∂a_{l}_{j}",
        Kind.DELTA: lambda: f"δ_{l}_{j}",
        Kind.GRAD_WEIGHT: lambda: f"∂E_total/∂w_{l}_{j}_{s}",
        Kind.GRAD_BIAS: lambda: f"∂E_total/∂b_{l}_{j}",
        Kind.ETA: lambda: "η",
    }[k]()


def _classic(q: Quantity) -> str:
    k, l, j, s = q.kind, q.layer, q.neuron, q.source
    layer = {1: "h", 2: "o"}.get(l or 0, "")  # hidden neurons are h1, h2; outputs o1, o2
    w = f"w{2 * (j - 1) + s + 4 * (l - 1)}" if k in (Kind.WEIGHT, Kind.GRAD_WEIGHT) else ""  # w1..w4 in, w5..w8 out
    return {
        Kind.ITERATION: lambda: "iteration",
        Kind.INPUT: lambda: f"i{j}",
        Kind.TARGET: lambda: f"t{j}",
        Kind.WEIGHT: lambda: w,
        Kind.BIAS: lambda: f"b{l}",  # one bias per layer, shared by its two neurons
        Kind.Z: lambda: f"{layer}{j}",
        Kind.A: lambda: f"a_{layer}{j}",
        Kind.ERROR: lambda: f"E{j}",
        Kind.LOSS: lambda: "E",
        Kind.E_TOTAL: lambda: "E_total",
        Kind.DE_DA: lambda: f"∂E_total/∂a_{layer}{j}",
        Kind.DELTA: lambda: f"δ_{layer}{j}",
        Kind.GRAD_WEIGHT: lambda: f"∂E_total/∂{w}",
        Kind.GRAD_BIAS: lambda: f"∂E_total/∂b{l}",
        Kind.ETA: lambda: "η",
    }[k]()


_N = r"([1-9][0-9]*)"
_L = r"([0-9]+)"
_GENERAL_RE = [
    (Kind.ITERATION, re.compile(r"iteration")),
    (Kind.INPUT, re.compile(rf"x_{_N}")),
    (Kind.TARGET, re.compile(rf"t_{_N}")),
    (Kind.WEIGHT, re.compile(rf"w_{_L}_{_N}_{_N}")),
    (Kind.BIAS, re.compile(rf"b_{_L}_{_N}")),
    (Kind.Z, re.compile(rf"z_{_L}_{_N}")),
    (Kind.A, re.compile(rf"a_{_L}_{_N}")),
    (Kind.ERROR, re.compile(rf"E_{_N}")),
    (Kind.LOSS, re.compile(r"E")),
    (Kind.E_TOTAL, re.compile(r"E_total")),
    (Kind.DE_DA, re.compile(rf"∂E/∂a_{_L}_{_N}")),
    (Kind.DELTA, re.compile(rf"δ_{_L}_{_N}")),
    (Kind.GRAD_WEIGHT, re.compile(rf"∂E_total/∂w_{_L}_{_N}_{_N}")),
    (Kind.GRAD_BIAS, re.compile(rf"∂E_total/∂b_{_L}_{_N}")),
    (Kind.ETA, re.compile(r"η")),
]


def parse(text: str, classic: bool = False) -> Quantity | None:
    """The quantity a general name stands for (`a_2_1[e3]` -> Quantity(A, 2, 1, example=3)), or None when
    the text is no name of the general scheme. A name without a suffix has example 1 if it is per-example.
    With classic=True, the classic network's names instead (`w5` -> Quantity(WEIGHT, 2, 1, 1)); a bias b1 or b2
    reads as neuron 1's."""
    if classic:
        return _CLASSIC_NAMES.get(text)
    example = None
    suffix = _SUFFIX_RE.search(text)
    if suffix:
        text, example = text[: suffix.start()], int(suffix.group(1))
    for kind, pattern in _GENERAL_RE:
        m = pattern.fullmatch(text)
        if not m:
            continue
        if kind not in _PER_EXAMPLE and suffix:
            return None
        numbers = [int(g) for g in m.groups()]
        if kind in (Kind.INPUT, Kind.TARGET, Kind.ERROR):
            numbers = [0 if kind == Kind.INPUT else None, *numbers]
        layer, neuron, source = (numbers + [None, None, None])[:3]
        if kind in _PER_EXAMPLE and example is None:
            example = 1
        return Quantity(kind, layer, neuron, source, example)
    return None


def _classic_quantities() -> list[Quantity]:
    """Every quantity of the classic 2-2-2 network (one example; one bias per layer, read as neuron 1's)."""
    two = (1, 2)
    found = [Quantity(Kind.ITERATION), Quantity(Kind.E_TOTAL), Quantity(Kind.ETA)]
    for j in two:
        found += [Quantity(Kind.INPUT, 0, j, example=1), Quantity(Kind.TARGET, neuron=j, example=1),
                  Quantity(Kind.ERROR, neuron=j, example=1), Quantity(Kind.DE_DA, 1, j, example=1)]
        found += [Quantity(kind, l, j, example=1) for l in two for kind in (Kind.Z, Kind.A)]
        found += [Quantity(kind, l, j, k) for l in two for k in two for kind in (Kind.WEIGHT, Kind.GRAD_WEIGHT)]
    found += [Quantity(Kind.BIAS, l, 1) for l in two]
    return found


_CLASSIC_NAMES = {_classic(q): q for q in _classic_quantities()}
