"""The NumPy reference for any network a template describes: forward, loss, backward, update.

It reads like the sheet: one small function per step, one line per quantity with its maths, the names of
network/names.py. Arrays carry every learning rate side by side (axis 0, R rates) and every example
(axis 1, E examples): a[l] has shape (R, E, n_l), w[l] shape (R, n_l, n_(l-1)), b[l] shape (R, n_l), where
index l-1 holds layer l. Sums run left to right, term by term, as the sheet's formulas do.

The training loop exists once, in iteration_rows(): each iteration's value of every LR-sheet column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from network import libm

from network.errors import TemplateError
from network.columns import Column
from network.description import Network
from network.names import Kind


@dataclass(frozen=True)
class Params:
    """The weights and biases, per layer after the inputs: w[l-1] (R, n_l, n_(l-1)), b[l-1] (R, n_l)."""

    w: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Forward:
    """Every example's forward pass: z[l-1], a[l-1] (R, E, n_l); a[-1] the outputs; x, t (E, n) the examples."""

    x: np.ndarray
    t: np.ndarray
    z: tuple[np.ndarray, ...]
    a: tuple[np.ndarray, ...]
    errors: np.ndarray  # (R, E, n_L): each output's share of an example's loss
    E: np.ndarray  # (R, E): each example's loss
    E_total: np.ndarray  # (R,): the mean of the examples' losses


@dataclass(frozen=True)
class Backward:
    """Per example: dE_da[l-1] (R, E, n_l) of the hidden layers l = 1..L-1 only, delta[l-1] of every layer;
    dw, db: the mean gradients of E_total (the shapes of Params)."""

    dE_da: tuple[np.ndarray, ...]
    delta: tuple[np.ndarray, ...]
    dw: tuple[np.ndarray, ...]
    db: tuple[np.ndarray, ...]


# ---------------------------------------------------------------- activations


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + libm.exp(-z))  # σ(z) = 1 / (1 + e^-z)


def softmax(z: np.ndarray) -> np.ndarray:
    e = libm.exp(z - z.max(axis=-1, keepdims=True))  # e^(z_j − max z): the same ratios, no overflow
    return e / _sum(e)  # a_j = e^z_j / Σ_k e^z_k


def activate(f: str, z: np.ndarray) -> np.ndarray:
    return {
        "sigmoid": sigmoid,
        "tanh": libm.tanh,  # a = tanh(z)
        "relu": lambda z: np.maximum(z, 0.0),  # a = max(z, 0)
        "linear": lambda z: z,  # a = z
        "softmax": softmax,
    }[f](z)


def times_derivative(f: str, g: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """δ = ∂E/∂a · f'(z) for an activation that works neuron by neuron."""
    return {
        "sigmoid": lambda: g * a * (1 - a),  # σ'(z) = a·(1 − a)
        # tanh'(z) = 1 − a² = 4/(e^z + e^−z)², computed from z: exact even where a ≈ ±1 and 1 − a² cancels
        "tanh": lambda: g * (4 / (libm.exp(z) + libm.exp(-z)) ** 2),
        "relu": lambda: g * (z > 0),  # relu'(z) = 1 if z > 0 else 0
        "linear": lambda: g,  # linear'(z) = 1
    }[f]()


def _sum(v: np.ndarray) -> np.ndarray:
    """Σ over the last axis, left to right (as a sheet's A + B + C), keeping the axis."""
    total = v[..., :1]
    for k in range(1, v.shape[-1]):
        total = total + v[..., k : k + 1]
    return total


# ---------------------------------------------------------------- one iteration


def initial_params(net: Network) -> Params:
    R = len(net.learning_rates)
    w = tuple(np.broadcast_to(np.array(m, dtype=float), (R, len(m), len(m[0]))).copy() for m in net.weights)
    b = tuple(np.broadcast_to(np.array(v, dtype=float), (R, len(v))).copy() for v in net.biases)
    return Params(w, b)


def dense(w: np.ndarray, a_below: np.ndarray, b: np.ndarray) -> np.ndarray:
    # z_j = Σ_k w_jk · a_k + b_j, summed left to right
    z = w[:, None, :, 0] * a_below[..., None, 0]
    for k in range(1, w.shape[-1]):
        z = z + w[:, None, :, k] * a_below[..., None, k]
    return z + b[:, None, :]


def losses(net: Network, a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Each output's share of an example's loss, (R, E, n_L)."""
    if net.loss == "half-squared-error":
        return 0.5 * (t - a) ** 2  # E_j = ½(t_j − a_j)²
    if net.activations[-1] == "softmax":
        return -(t * libm.log(a))  # E_j = −t_j·ln a_j
    return -(t * libm.log(a) + (1 - t) * libm.log(1 - a))  # E = −(t·ln a + (1 − t)·ln(1 − a))


def forward(net: Network, p: Params) -> Forward:
    x = np.array([ex.inputs for ex in net.examples], dtype=float)  # (E, n_0)
    t = np.array([ex.targets for ex in net.examples], dtype=float)  # (E, n_L)
    a_below = np.broadcast_to(x, (p.w[0].shape[0], *x.shape))
    zs, activations = [], []
    for f, w, b in zip(net.activations, p.w, p.b):
        z = dense(w, a_below, b)  # z_l = W_l · a_(l-1) + b_l
        a_below = activate(f, z)  # a_l = f(z_l)
        zs.append(z)
        activations.append(a_below)
    errors = losses(net, a_below, t)
    E = _sum(errors)[..., 0]  # E = Σ_j E_j
    E_total = _sum(E)[..., 0] / len(net.examples)  # E_total = (1/n) Σ_e E[e]
    return Forward(x, t, tuple(zs), tuple(activations), errors, E, E_total)


def output_delta(net: Network, f: Forward) -> np.ndarray:
    """δ = ∂E/∂z of the output layer, per example."""
    a, t, z = f.a[-1], f.t, f.z[-1]
    if net.loss == "cross-entropy":
        return a - t  # δ = a − t (softmax with −Σ t·ln a; sigmoid with binary cross-entropy)
    g = a - t  # ∂E/∂a_j = a_j − t_j
    if net.activations[-1] == "softmax":
        return a * (g - _sum(g * a))  # δ_j = a_j·(∂E/∂a_j − Σ_k ∂E/∂a_k · a_k)
    return times_derivative(net.activations[-1], g, z, a)  # δ = (a − t) · f'(z)


def backprop(w_above: np.ndarray, delta_above: np.ndarray) -> np.ndarray:
    # ∂E/∂a_j = Σ_k δ_k · w_kj (over the neurons k of the layer above), summed left to right
    g = delta_above[..., 0:1] * w_above[:, None, 0, :]
    for k in range(1, w_above.shape[1]):
        g = g + delta_above[..., k : k + 1] * w_above[:, None, k, :]
    return g


def mean_over_examples(v: np.ndarray) -> np.ndarray:
    # (1/n) Σ_e v[e], summed left to right; v has the examples on axis 1
    total = v[:, 0]
    for e in range(1, v.shape[1]):
        total = total + v[:, e]
    return total / v.shape[1]


def backward(net: Network, p: Params, f: Forward) -> Backward:
    delta = output_delta(net, f)
    dE_da, deltas = [], [delta]
    for l in range(len(net.activations) - 1, 0, -1):  # the hidden layers, top down
        g = backprop(p.w[l], delta)  # ∂E/∂a_l = W_(l+1)ᵀ · δ_(l+1)
        delta = times_derivative(net.activations[l - 1], g, f.z[l - 1], f.a[l - 1])  # δ_l = ∂E/∂a_l · f'(z_l)
        dE_da.insert(0, g)
        deltas.insert(0, delta)
    below = (np.broadcast_to(f.x, f.a[0].shape[:2] + f.x.shape[1:]), *f.a[:-1])
    dw = tuple(mean_over_examples(d[..., :, None] * a[..., None, :]) for d, a in zip(deltas, below))  # ∂E_total/∂w_jk = mean δ_j · a_k
    db = tuple(mean_over_examples(d) for d in deltas)  # ∂E_total/∂b_j = mean δ_j
    return Backward(tuple(dE_da), tuple(deltas), dw, db)


def step(net: Network, p: Params, g: Backward, lr: np.ndarray) -> Params:
    # w_new = w − η · ∂E_total/∂w (and the biases when they are trained)
    w = tuple(wl - lr[:, None, None] * gl for wl, gl in zip(p.w, g.dw))
    b = tuple(bl - lr[:, None] * gl for bl, gl in zip(p.b, g.db)) if net.train_biases else p.b
    return Params(w, b)


# ---------------------------------------------------------------- the training loop


def iteration_rows(net: Network, *, overflow: str = "raise") -> Iterator[np.ndarray]:
    """Row k = 0..iterations of every LR sheet: shape (n_learning_rates, len(net.columns())), in column order,
    one row at a time (constant memory).

    Raises TemplateError when the numbers leave the floating-point range (a learning rate far too large);
    with overflow="ignore" they run on to inf and nan instead, as a checker comparing a workbook wants.
    """
    columns = net.columns()
    lr = np.asarray(net.learning_rates, dtype=float)
    p = initial_params(net)
    errors = dict(over="raise", invalid="raise", divide="raise") if overflow == "raise" else dict(all="ignore")
    take = None
    for k in range(net.iterations + 1):
        with np.errstate(**errors, under="ignore"):
            try:
                f = forward(net, p)
                g = backward(net, p, f)
                p_next = step(net, p, g, lr)
            except FloatingPointError:
                raise TemplateError(
                    f"the weights overflow at iteration {k} with learning rates {list(net.learning_rates)}: "
                    "use smaller learning rates or fewer iterations"
                ) from None
        sources = _sources(k, p, f, g)
        if take is None:
            take = _positions(columns, sources)
        # every quantity of the iteration side by side, (R, all), then the columns' values picked in one step
        yield np.concatenate([a.reshape(len(lr), -1) for a in sources.values()], axis=1)[:, take]
        p = p_next


def trajectory(net: Network, *, overflow: str = "raise") -> dict[str, np.ndarray]:
    """Every column of the LR sheets at once: header -> shape (n_learning_rates, iterations + 1)."""
    rows = np.stack(list(iteration_rows(net, overflow=overflow)), axis=2)
    return {c.header: rows[:, i, :] for i, c in enumerate(net.columns())}


def _sources(k: int, p: Params, f: Forward, g: Backward) -> dict[tuple[Kind, int], np.ndarray]:
    """Iteration k's arrays by (kind, layer): each has the learning rates on axis 0 (layer 0: no layer)."""
    R = f.E_total.shape[0]
    found = {(Kind.ITERATION, 0): np.full(R, float(k)), (Kind.E_TOTAL, 0): f.E_total, (Kind.LOSS, 0): f.E,
             (Kind.ERROR, 0): f.errors}
    for kind, arrays in ((Kind.WEIGHT, p.w), (Kind.BIAS, p.b), (Kind.Z, f.z), (Kind.A, f.a), (Kind.DE_DA, g.dE_da),
                         (Kind.DELTA, g.delta), (Kind.GRAD_WEIGHT, g.dw), (Kind.GRAD_BIAS, g.db)):
        found |= {(kind, l): a for l, a in enumerate(arrays, start=1)}
    return found


def _positions(columns: tuple[Column, ...], sources: dict[tuple[Kind, int], np.ndarray]) -> np.ndarray:
    """Where each column's value lies in the sources laid side by side (one row per learning rate)."""
    offsets, start = {}, 0
    for key, a in sources.items():
        offsets[key] = start
        start += a[0].size
    positions = []
    for c in columns:
        key, index = _where(c)
        shape = sources[key].shape[1:]
        positions.append(offsets[key] + (int(np.ravel_multi_index(index, shape)) if shape else 0))
    return np.array(positions, dtype=np.intp)


def _where(c: Column) -> tuple[tuple[Kind, int], tuple[int, ...]]:
    """Which array of an iteration holds a column's values ((kind, layer), as _sources() names it), and at
    which index after the learning-rate axis: z_2_1[e3] is f.z[1][:, 2, 0], i.e. ((Kind.Z, 2), (2, 0))."""
    l, j, s, e = c.layer, c.neuron, c.source, c.example
    return {
        Kind.ITERATION: lambda: ((Kind.ITERATION, 0), ()),
        Kind.WEIGHT: lambda: ((Kind.WEIGHT, l), (j - 1, s - 1)),  # p.w[l - 1][:, j - 1, s - 1]
        Kind.BIAS: lambda: ((Kind.BIAS, l), (j - 1,)),  # p.b[l - 1][:, j - 1]
        Kind.Z: lambda: ((Kind.Z, l), (e - 1, j - 1)),  # f.z[l - 1][:, e - 1, j - 1]
        Kind.A: lambda: ((Kind.A, l), (e - 1, j - 1)),  # f.a[l - 1][:, e - 1, j - 1]
        Kind.ERROR: lambda: ((Kind.ERROR, 0), (e - 1, j - 1)),  # f.errors[:, e - 1, j - 1]
        Kind.LOSS: lambda: ((Kind.LOSS, 0), (e - 1,)),  # f.E[:, e - 1]
        Kind.E_TOTAL: lambda: ((Kind.E_TOTAL, 0), ()),  # f.E_total
        Kind.DE_DA: lambda: ((Kind.DE_DA, l), (e - 1, j - 1)),  # g.dE_da[l - 1][:, e - 1, j - 1]
        Kind.DELTA: lambda: ((Kind.DELTA, l), (e - 1, j - 1)),  # g.delta[l - 1][:, e - 1, j - 1]
        Kind.GRAD_WEIGHT: lambda: ((Kind.GRAD_WEIGHT, l), (j - 1, s - 1)),  # g.dw[l - 1][:, j - 1, s - 1]
        Kind.GRAD_BIAS: lambda: ((Kind.GRAD_BIAS, l), (j - 1,)),  # g.db[l - 1][:, j - 1]
    }[c.kind]()
