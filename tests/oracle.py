"""An oracle that shares no code with the generator or network/reference.py.

Plain Python floats and math.exp for E_total; gradients by central finite differences of it;
training by repeating the update with those gradients. Good to about 1e-9 relative, which is
what the tests ask of it (the workbook's own consistency is checked to 1e-12 against LibreOffice).
"""

from __future__ import annotations

import math

ERA_S6 = {"i1": 0.05, "i2": 0.1, "t1": 0.5, "t2": 0.5, "b1": 0.0, "b2": 0.0}
MAZUR = {"i1": 0.05, "i2": 0.10, "t1": 0.01, "t2": 0.99, "b1": 0.35, "b2": 0.60}
INITIAL_WEIGHTS = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)
# Published: the ERA S6 assignment's E_total at iteration 0; Mazur (2015): E_total before any
# update and the weights after the first update with η = 0.5.
ERA_S6_E_TOTAL_0 = 0.0141813779
MAZUR_E_TOTAL_0 = 0.298371109
MAZUR_AFTER_ONE_UPDATE = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
                          "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}


def e_total(w: tuple[float, ...], net: dict[str, float]) -> float:
    """E_total of the 2-2-2 sigmoid network for weights w1..w8."""
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731
    i1, i2, b1, b2 = net["i1"], net["i2"], net["b1"], net["b2"]
    a_h = [sig(w[0] * i1 + w[1] * i2 + b1), sig(w[2] * i1 + w[3] * i2 + b1)]
    a_o = [sig(w[4] * a_h[0] + w[5] * a_h[1] + b2), sig(w[6] * a_h[0] + w[7] * a_h[1] + b2)]
    return sum(0.5 * (t - a) ** 2 for t, a in zip((net["t1"], net["t2"]), a_o))


def gradient(w: tuple[float, ...], net: dict[str, float], step: float = 1e-6) -> tuple[float, ...]:
    """∂E_total/∂w1..w8 by central differences."""
    def shifted(k: int, d: float) -> tuple[float, ...]:
        return tuple(wk + d if j == k else wk for j, wk in enumerate(w))

    return tuple((e_total(shifted(k, step), net) - e_total(shifted(k, -step), net)) / (2 * step) for k in range(8))


def weights_after(updates: int, rate: float, w: tuple[float, ...], net: dict[str, float]) -> tuple[float, ...]:
    """The weights after `updates` gradient-descent steps."""
    for _ in range(updates):
        w = tuple(wk - rate * gk for wk, gk in zip(w, gradient(w, net)))
    return w
