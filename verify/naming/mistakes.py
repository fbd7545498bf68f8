"""Name the mistake behind a wrong column: a catalogue of known student mistakes.

The root-cause search (verify/checking/root_causes.py) finds the columns that are wrong even given their own
inputs as the sheet holds them. For each, `identify()` tries each catalogue entry that explains that column.
An entry is a small variant of the column's right formula (verify/naming/recompute.py) that reproduces one
mistake; it recomputes the column from the workbook's OWN upstream values (the sheet's a_h1, a_o1, weights of
the row above, ...), so it isolates the one mistake however wrong the rest of the sheet has become. A few
entries read the formulas instead (an η reference that slid, a row that breaks its column's pattern). The
first entry whose numbers match the column's numbers gives a sentence a student understands, e.g.

    ∂E/∂w3 (column AB, from row 5): uses a_h1·(1−a_h1) where a_h2·(1−a_h2) belongs

An entry says which columns it explains: by their records, for any network (the other hidden unit's slope:
every column whose formula multiplies by a hidden unit's slope, in every network with two hidden units or
more), or by the classic network's names (most entries, written for the classic 2-2-2 network's sheet).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from network import Column, Kind, Network, Quantity, parse
from verify.naming.recompute import Numbers, columns_of, slope_of
from verify.naming.tolerance import DEFAULT_ATOL, DEFAULT_RTOL, close
from network.layout import WEIGHTS, column_letter, column_number
from verify.reading.refs import ADDRESS
from verify.reading.table import CLASSIC, Table


@dataclass(frozen=True)
class Named:
    """A known mistake found in a column: the catalogue entry's key, and the sentence for the student."""

    key: str  # "other-hidden-slope", ... (CATALOGUE)
    sentence: str


def name_mistake(*args, **kwargs) -> str | None:
    """identify()'s sentence alone (same arguments), or None."""
    named = identify(*args, **kwargs)
    return named.sentence if named else None


def identify(
    table: Table,
    column: str,
    row_index: int,
    numbers: Numbers,
    *,
    formulas: Mapping[str, Sequence[str | None]] | None = None,
    initial_weights: Mapping[str, float] | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
) -> Named | None:
    """The known mistake in `column` from `row_index` on, or None if none matches.

    table: the recognised table (gives the header text as written, the column letter and the
        Excel row for the message).
    column: the name of the column that is wrong ("∂E_total/∂w3", "w2", "δ_1_2[e1]", ...).
    row_index: the first wrong row, 0-based from the table's first row (iteration 0).
    numbers: the table's numbers (saved values or an engine's recalculation, whichever was found wrong),
        its constants and η; a column the table lacks is computed the right way from the others.
    formulas: optional, column -> formula text per row ("=E5-$B$2*AC5"; None for a typed-in value);
        used to spot an η reference without `$` that slides when filled down.
    initial_weights: optional, w1..w8 -> the initial weights held outside the table (the
        Network sheet's w1_init.., or labelled cells above the table), for the "typed-in
        initial weight differs" mistake.
    rtol, atol: a variant matches when it agrees with the column (verify/naming/tolerance.py)
        on every row where the column is wrong.
    """
    record = columns_of(numbers.net).get(column)
    if record is None:  # an input typed into a column: no formula to vary
        return None
    actual = numbers.actual(column)
    with np.errstate(all="ignore"):
        correct = numbers.right(column)
        wrong = ~close(correct, actual, rtol, atol)
    wrong[:row_index] = False
    wrong &= np.isfinite(actual)  # rows holding an error value (#VALUE!) show no numbers to match
    wrong[row_index] = True
    where = _Where(table, column, row_index, formulas or {}, initial_weights or {})
    for entry in CATALOGUE:
        if not entry.explains(numbers.net, record):
            continue
        with np.errstate(all="ignore"):
            for variant, says in entry.variants(numbers, column, where):
                matches = close(variant, actual, rtol, atol)[wrong].all()
                # a variant that gives the right numbers here (no η when η = 1) names nothing
                if matches and not close(variant, correct, rtol, atol)[row_index]:
                    return Named(entry.key, where.sentence(says, from_row=int(wrong.sum()) > 1))
    return None


Variants = Iterator[tuple[np.ndarray, str]]  # (the column's values with the mistake, the sentence)


@dataclass(frozen=True)
class Entry:
    """One known mistake: which columns it can explain and how it computes them.

    `columns`: the classic network's columns it explains, by name; or `applies`: which columns of any network it
    explains, from their records (network/columns.py)."""

    key: str
    columns: tuple[str, ...]
    mistake: str  # what the student did, for the README's table
    variants: Callable[[Numbers, str, _Where], Variants]
    applies: Callable[[Network, Column], bool] | None = None

    def explains(self, net: Network, column: Column) -> bool:
        if self.applies is not None:
            return self.applies(net, column)
        return net.classic and column.header in self.columns


def g(q: str) -> str:
    """The derivative quantity: g("w3") -> "∂E_total/∂w3"."""
    return f"∂E_total/∂{q}"


@dataclass(frozen=True)
class _Where:
    """The failing column's place, for the sentence, and the extra evidence some entries use."""

    table: Table
    column: str
    row_index: int
    formulas: Mapping[str, Sequence[str | None]]
    initial_weights: Mapping[str, float]

    def row(self, index: int) -> int:
        return self.table.first_row + index

    def sentence(self, says: str, *, from_row: bool) -> str:
        header = self.table.headers.get(self.column, self.column)
        letter = self.table.column_letter(self.column) if self.column in self.table.columns else "?"
        rows = "from row" if from_row else "row"
        return f"{header} (column {letter}, {rows} {self.row(self.row_index)}): {says}"


# --- any network: the other hidden unit's slope ----------------------------------------------------


def _has_hidden_slope(net: Network, column: Column) -> bool:
    return slope_of(net, column) is not None


def _other_hidden_slope(u: Numbers, q: str, _: _Where) -> Variants:
    """The column's formula with another unit of the same hidden layer's slope f'(z): a hidden δ (or the classic
    ∂E/∂w1..w4) written with a_1_1·(1−a_1_1) where a_1_2·(1−a_1_2) belongs."""
    net = u.net
    name, f = slope_of(net, columns_of(net)[q])
    own = parse(name, classic=net.classic)
    for j in range(1, net.layers[own.layer] + 1):
        if j == own.neuron:
            continue
        other = net.name_of(Quantity(own.kind, own.layer, j, example=own.example))
        if f == "sigmoid":
            says = f"uses {other}·(1−{other}) instead of {name}·(1−{name})"
        else:
            says = f"uses {f}'({other}) instead of {f}'({name})"
        yield u.right(q, swap={name: other}), says


# --- the classic network's structure ---------------------------------------------------------------

# The wiring, read from the classic network's column records (network/columns.py): what each formula reads.
_READS = {c.header: tuple(d.name for d in c.depends) for c in CLASSIC.columns()}
# ∂E_total/∂w1..w4 = ∂E_total/∂a_h · a_h(1 − a_h) · input: w -> (hidden j, input); reads (∂E_total/∂a_hj, a_hj, input)
_HIDDEN_PATH = {w: (int(_READS[g(w)][1][-1]), _READS[g(w)][2]) for w in WEIGHTS[:4]}
# ∂E_total/∂w5..w8 = (a_o − t) · a_o(1 − a_o) · a_h: w -> (output k, hidden j); reads (a_ok, tk, a_hj)
_OUTPUT_PATH = {w: (int(_READS[g(w)][0][-1]), int(_READS[g(w)][2][-1])) for w in WEIGHTS[4:]}
# h1 = w1·i1 + w2·i2 + b1, ..., o2 = w7·a_h1 + w8·a_h2 + b2: z -> ((w, input), (w, input), bias)
_NET = {z: (_READS[z][0:2], _READS[z][2:4], _READS[z][4]) for z in ("h1", "h2", "o1", "o2")}
# ∂E_total/∂a_h1 goes through w5 (to o1) and w7 (to o2); ∂E_total/∂a_h2 through w6 and w8: reads (a_o, t, w) twice
_OUT_WEIGHTS = {j: _READS[g(f"a_h{j}")][2::3] for j in (1, 2)}


def _slope(u: Numbers, a: str) -> np.ndarray:
    """a·(1 − a), the sigmoid's derivative written with its output."""
    return u[a] * (1 - u[a])


def _delta(u: Numbers, k: int) -> np.ndarray:
    """(a_ok − tk)·a_ok·(1 − a_ok): ∂E_total/∂ok."""
    return (u[f"a_o{k}"] - u[f"t{k}"]) * _slope(u, f"a_o{k}")


COMPUTED = tuple(columns_of(CLASSIC))  # every column of the classic sheet with a formula of its own, in sheet order


# --- the catalogue ---------------------------------------------------------------------------------

HIDDEN_GRADS = tuple(g(w) for w in _HIDDEN_PATH)
OUTPUT_GRADS = tuple(g(w) for w in _OUTPUT_PATH)
HIDDEN_ERRORS = (g("a_h1"), g("a_h2"))
ALL_GRADS = HIDDEN_ERRORS + HIDDEN_GRADS + OUTPUT_GRADS


def _other_hidden_error(u: Numbers, q: str, _: _Where) -> Variants:
    j, x = _HIDDEN_PATH[q[-2:]]
    o = 3 - j
    yield u[g(f"a_h{o}")] * _slope(u, f"a_h{j}") * u[x], f"uses ∂E/∂a_h{o} instead of ∂E/∂a_h{j}"


def _other_input(u: Numbers, q: str, _: _Where) -> Variants:
    j, x = _HIDDEN_PATH[q[-2:]]
    other = "i2" if x == "i1" else "i1"
    yield u[g(f"a_h{j}")] * _slope(u, f"a_h{j}") * u[other], f"multiplies by {other} instead of {x}"


def _net_in_slope(u: Numbers, q: str, _: _Where) -> Variants:
    """h or o (before the sigmoid) in the sigmoid's derivative."""
    w = q[-2:]
    if w in _HIDDEN_PATH:
        j, x = _HIDDEN_PATH[w]
        h = u[f"h{j}"]
        yield u[g(f"a_h{j}")] * h * (1 - h) * u[x], f"uses h{j}·(1−h{j}) (before the sigmoid) instead of a_h{j}·(1−a_h{j})"
        return
    ks = [_OUTPUT_PATH[w][0]] if w in _OUTPUT_PATH else [1, 2]
    for k in ks:
        o, a, t = u[f"o{k}"], u[f"a_o{k}"], u[f"t{k}"]
        variant = _with_delta(u, q, k, (a - t) * o * (1 - o))
        yield variant, f"uses o{k}·(1−o{k}) (before the sigmoid) instead of a_o{k}·(1−a_o{k})"


def _net_in_error(u: Numbers, q: str, _: _Where) -> Variants:
    """(o − t) where (a_o − t) belongs, in ∂E/∂w5..w8 or ∂E/∂a_h."""
    w = q[-2:]
    for k in [_OUTPUT_PATH[w][0]] if w in _OUTPUT_PATH else [1, 2]:
        variant = _with_delta(u, q, k, (u[f"o{k}"] - u[f"t{k}"]) * _slope(u, f"a_o{k}"))
        yield variant, f"uses (o{k} − t{k}) (before the sigmoid) instead of (a_o{k} − t{k})"


def _net_for_activation(u: Numbers, q: str, _: _Where) -> Variants:
    """h (before the sigmoid) where a_h belongs, as the input of w5..w8."""
    k, j = _OUTPUT_PATH[q[-2:]]
    yield _delta(u, k) * u[f"h{j}"], f"uses h{j} (before the sigmoid) instead of a_h{j}"


def _other_hidden_activation(u: Numbers, q: str, _: _Where) -> Variants:
    k, j = _OUTPUT_PATH[q[-2:]]
    o = 3 - j
    yield _delta(u, k) * u[f"a_h{o}"], f"multiplies by a_h{o} instead of a_h{j}"


def _other_output(u: Numbers, q: str, _: _Where) -> Variants:
    k, j = _OUTPUT_PATH[q[-2:]]
    o = 3 - k
    yield _delta(u, o) * u[f"a_h{j}"], (
        f"uses o{o}'s (a_o{o} − t{o})·a_o{o}·(1−a_o{o}) instead of o{k}'s (a_o{k} − t{k})·a_o{k}·(1−a_o{k})"
    )


def _no_slope(u: Numbers, q: str, _: _Where) -> Variants:
    """The sigmoid's derivative left out of the chain."""
    w = q[-2:]
    if w in _HIDDEN_PATH:
        j, x = _HIDDEN_PATH[w]
        yield u[g(f"a_h{j}")] * u[x], f"leaves out a_h{j}·(1−a_h{j}), the derivative of the sigmoid"
        return
    if w in _OUTPUT_PATH:
        k, j = _OUTPUT_PATH[w]
        yield (u[f"a_o{k}"] - u[f"t{k}"]) * u[f"a_h{j}"], f"leaves out a_o{k}·(1−a_o{k}), the derivative of the sigmoid"
        return
    wa, wb = _OUT_WEIGHTS[int(q[-1])]
    yield (u["a_o1"] - u["t1"]) * u[wa] + (u["a_o2"] - u["t2"]) * u[wb], (
        "leaves out a_o1·(1−a_o1) and a_o2·(1−a_o2), the derivatives of the sigmoid"
    )


def _slope_parentheses(u: Numbers, q: str, _: _Where) -> Variants:
    """a*1-a where a*(1-a) belongs."""
    w = q[-2:]
    if w in _HIDDEN_PATH:
        j, x = _HIDDEN_PATH[w]
        a = u[f"a_h{j}"]
        yield u[g(f"a_h{j}")] * a * 1 - a * u[x], f"misses the parentheses around (1−a_h{j}): a_h{j}*1−a_h{j}*…"
        return
    for k in [_OUTPUT_PATH[w][0]] if w in _OUTPUT_PATH else [1, 2]:
        a, t = u[f"a_o{k}"], u[f"t{k}"]
        if w in _OUTPUT_PATH:
            variant = (a - t) * a * 1 - a * u[f"a_h{_OUTPUT_PATH[w][1]}"]
        else:  # ∂E/∂a_hj: (a−t)*a*1−a*w + the other path
            j = int(q[-1])
            weight = u[_OUT_WEIGHTS[j][k - 1]]
            other = 3 - k
            variant = (a - t) * a * 1 - a * weight + _delta(u, other) * u[_OUT_WEIGHTS[j][other - 1]]
        yield variant, f"misses the parentheses around (1−a_o{k}): a_o{k}*1−a_o{k}*…"


def _chain_parentheses(u: Numbers, q: str, _: _Where) -> Variants:
    """(δ1·w5 + δ2·w7)·a_h1(1−a_h1)·i1 written without its outer parentheses."""
    j, x = _HIDDEN_PATH[q[-2:]]
    wa, wb = _OUT_WEIGHTS[j]
    a = f"a_h{j}"
    yield _delta(u, 1) * u[wa] + _delta(u, 2) * u[wb] * _slope(u, a) * u[x], (
        f"misses the parentheses around ∂E/∂a_h{j} = (a_o1−t1)·a_o1·(1−a_o1)·{wa} + (a_o2−t2)·a_o2·(1−a_o2)·{wb}: "
        f"only its second term is multiplied by {a}·(1−{a})·{x}"
    )


def _one_path(u: Numbers, q: str, _: _Where) -> Variants:
    """∂E/∂a_h through one output only."""
    w = q[-2:]
    j = int(q[-1]) if q in HIDDEN_ERRORS else _HIDDEN_PATH[w][0]
    tail = 1.0 if q in HIDDEN_ERRORS else _slope(u, f"a_h{j}") * u[_HIDDEN_PATH[w][1]]
    for k in (1, 2):
        gone = 3 - k
        weight = _OUT_WEIGHTS[j][k - 1]
        yield _delta(u, k) * u[weight] * tail, (
            f"leaves out the path through o{gone}: ∂E/∂a_h{j} sums (a_o1−t1)·a_o1·(1−a_o1)·{_OUT_WEIGHTS[j][0]} "
            f"and (a_o2−t2)·a_o2·(1−a_o2)·{_OUT_WEIGHTS[j][1]}"
        )


def _wrong_out_weights(u: Numbers, q: str, _: _Where) -> Variants:
    """∂E/∂a_h1 with w5, w6 (the weights into o1) instead of w5, w7 (the weights out of h1),
    alone or written out in full inside ∂E/∂w1..w4."""
    j = int(q[-1]) if q in HIDDEN_ERRORS else _HIDDEN_PATH[q[-2:]][0]
    wa, wb = ("w5", "w6") if j == 1 else ("w7", "w8")
    right = _OUT_WEIGHTS[j]
    says = f"uses {wa} and {wb} instead of {right[0]} and {right[1]}, the weights leaving h{j}"
    if q in HIDDEN_ERRORS:
        yield _delta(u, 1) * u[wa] + _delta(u, 2) * u[wb], says
        return
    x = _HIDDEN_PATH[q[-2:]][1]
    yield (_delta(u, 1) * u[wa] + _delta(u, 2) * u[wb]) * _slope(u, f"a_h{j}") * u[x], f"writes ∂E/∂a_h{j} out but {says}"


def _target_operator(u: Numbers, q: str, _: _Where) -> Variants:
    """(a_o·t) or (a_o + t) typed where (a_o − t) belongs, in one output's error term or both."""
    ks = [(_OUTPUT_PATH[q[-2:]][0],)] if q in OUTPUT_GRADS else [(1,), (2,), (1, 2)]
    for sign, op in (("·", np.multiply), ("+", np.add)):
        for chosen in ks:
            deltas = {k: op(u[f"a_o{k}"], u[f"t{k}"]) * _slope(u, f"a_o{k}") for k in chosen}
            says = " and ".join(f"(a_o{k}{sign}t{k})" for k in chosen)
            right = " and ".join(f"(a_o{k} − t{k})" for k in chosen)
            yield _chain_with(u, q, deltas), f"uses {says} instead of {right}"


def _twice(u: Numbers, q: str, _: _Where) -> Variants:
    yield 2 * u.right(q), (
        "is twice the right value: 2(a_o − t) is the derivative of (t − a_o)² without the ½, "
        "but E = ½(t − a_o)² gives (a_o − t)"
    )


def _flipped_sign(u: Numbers, q: str, _: _Where) -> Variants:
    yield -u.right(q), "has the wrong sign: uses (t − a_o) instead of (a_o − t)"


def _chain_with(u: Numbers, q: str, deltas: Mapping[int, np.ndarray]) -> np.ndarray:
    """Any gradient column q with the outputs' δ replaced where `deltas` gives one (k -> δk)."""
    d = {k: deltas[k] if k in deltas else _delta(u, k) for k in (1, 2)}
    if q in OUTPUT_GRADS:
        k, j = _OUTPUT_PATH[q[-2:]]
        return d[k] * u[f"a_h{j}"]
    j = int(q[-1]) if q in HIDDEN_ERRORS else _HIDDEN_PATH[q[-2:]][0]
    wa, wb = _OUT_WEIGHTS[j]
    error = d[1] * u[wa] + d[2] * u[wb]
    if q in HIDDEN_ERRORS:
        return error
    return error * _slope(u, f"a_h{j}") * u[_HIDDEN_PATH[q[-2:]][1]]


def _with_delta(u: Numbers, q: str, k: int, delta_k: np.ndarray) -> np.ndarray:
    """Column q (∂E/∂w5..w8 or ∂E/∂a_h) with output k's δ replaced."""
    if q in OUTPUT_GRADS:
        return delta_k * u[f"a_h{_OUTPUT_PATH[q[-2:]][1]}"]
    j = int(q[-1])
    other = 3 - k
    return delta_k * u[_OUT_WEIGHTS[j][k - 1]] + _delta(u, other) * u[_OUT_WEIGHTS[j][other - 1]]


# forward pass


def _no_half(u: Numbers, q: str, _: _Where) -> Variants:
    if q == "E_total":
        yield (u["t1"] - u["a_o1"]) ** 2 + (u["t2"] - u["a_o2"]) ** 2, "leaves out the ½ of ½(t − a_o)²"
        return
    k = q[1]
    yield (u[f"t{k}"] - u[f"a_o{k}"]) ** 2, f"leaves out the ½: (t{k} − a_o{k})² instead of ½(t{k} − a_o{k})²"


def _error_of_net(u: Numbers, q: str, _: _Where) -> Variants:
    k = q[1]
    yield 0.5 * (u[f"t{k}"] - u[f"o{k}"]) ** 2, f"uses o{k} (before the sigmoid) instead of a_o{k}"


def _one_error(u: Numbers, q: str, _: _Where) -> Variants:
    for k in (1, 2):
        yield u[f"E{k}"], f"holds E{k} only instead of E1 + E2"


def _net_of_net(u: Numbers, q: str, _: _Where) -> Variants:
    (wa, _xa), (wb, _xb), bias = _NET[q]
    yield u[wa] * u["h1"] + u[wb] * u["h2"] + u[bias], "uses h1 and h2 (before the sigmoid) instead of a_h1 and a_h2"


def _swapped_weights(u: Numbers, q: str, _: _Where) -> Variants:
    """h1 = w1·i1 + w3·i2 (the weights numbered the other way round)."""
    (wa, xa), (wb, xb), bias = _NET[q]
    swap = {"w2": "w3", "w3": "w2", "w6": "w7", "w7": "w6"}
    wa2, wb2 = swap.get(wa, wa), swap.get(wb, wb)
    if (wa2, wb2) != (wa, wb):
        yield u[wa2] * u[xa] + u[wb2] * u[xb] + u[bias], (
            f"uses {wa2}·{xa} + {wb2}·{xb} instead of {wa}·{xa} + {wb}·{xb}"
        )


def _no_bias(u: Numbers, q: str, _: _Where) -> Variants:
    (wa, xa), (wb, xb), bias = _NET[q]
    if np.any(u[bias] != 0):
        yield u[wa] * u[xa] + u[wb] * u[xb], f"leaves out the bias {bias}"


def _sigmoid_sign(u: Numbers, q: str, _: _Where) -> Variants:
    x = q[2:]
    yield 1 / (1 + np.exp(u[x])), f"uses e^{x} instead of e^−{x} in σ({x}) = 1/(1+e^−{x})"


def _typed_weight(u: Numbers, q: str, where: _Where) -> Variants:
    """Row 0 computed with another initial weight than the one typed into the weight column."""
    if where.row_index != 0:
        return
    for w in _weights_of(q):
        here = u[w][0]
        at = u.with_value(w, here, 0).right(q)[0]
        slope = u.with_value(w, here + 1.0, 0).right(q)[0] - at
        if slope == 0:
            continue
        used = here + (u.actual(q)[0] - at) / slope
        held = where.initial_weights.get(w)
        looks_typed = abs(used - round(used, 6)) <= 1e-9 * max(1.0, abs(used))
        if abs(used - here) > 1e-9 * max(1.0, abs(here)) and (looks_typed or (held is not None and abs(used - held) <= 1e-12)):
            used = held if held is not None and abs(used - held) <= 1e-9 else round(used, 6)
            variant = u.with_value(w, used, 0).right(q)
            letter = where.table.column_letter(w) if w in where.table.columns else "?"
            yield variant, (
                f"computed with {w} = {used:g}, but the typed-in initial {w} (column {letter}) is {here:g}: "
                f"the sheet holds two different initial values of {w}"
            )


def _weights_of(q: str) -> tuple[str, ...]:
    if q in _NET:
        return (_NET[q][0][0], _NET[q][1][0])
    if q in HIDDEN_ERRORS:
        return _OUT_WEIGHTS[int(q[-1])]
    return ()


# updates


def _adds(u: Numbers, q: str, _: _Where) -> Variants:
    yield u.prev(q) + u.eta * u.prev(g(q)), f"adds η·∂E/∂{q} instead of subtracting it (w_new = w_old − η·∂E/∂w)"


def _no_eta(u: Numbers, q: str, _: _Where) -> Variants:
    yield u.prev(q) - u.prev(g(q)), f"subtracts ∂E/∂{q} without multiplying it by η"


def _unchanged(u: Numbers, q: str, where: _Where) -> Variants:
    yield u.prev(q), f"repeats {q} of the row above: η·∂E/∂{q} comes out as 0{_eta_slides(where)}"


def _fixed_row(u: Numbers, q: str, where: _Where) -> Variants:
    """The weight or the gradient taken from one fixed row ($ on the row) instead of the row above."""
    for k in range(where.row_index - 1):
        yield u[q][k] - u.eta * u.prev(g(q)), (
            f"takes {q} from the fixed row {where.row(k)} (a $ on the row) instead of the row above"
        )
        yield u.prev(q) - u.eta * u[g(q)][k], (
            f"takes ∂E/∂{q} from the fixed row {where.row(k)} (a $ on the row) instead of the row above"
        )


def _wrong_column(u: Numbers, q: str, _: _Where) -> Variants:
    for other in WEIGHTS:
        if other != q:
            yield u.prev(q) - u.eta * u.prev(g(other)), f"subtracts η·∂E/∂{other} instead of η·∂E/∂{q}"
            yield u.prev(other) - u.eta * u.prev(g(q)), f"starts from {other} of the row above instead of {q}"




def _eta_slides(where: _Where) -> str:
    """': the η reference B3 has no $ ...' when the failing row's formula shows it."""
    formulas = where.formulas.get(where.column)
    if not formulas or where.row_index >= len(formulas) or not where.row_index:
        return ""
    eta = where.table.eta
    letter, shift = column_letter(eta.col), where.row_index - 1
    for col_dollar, col, row_dollar, row in ADDRESS.findall((formulas[where.row_index] or "").upper()):
        if col == letter and not row_dollar and int(row) == eta.row + shift and shift:
            return (
                f": its η reference {col}{row} has no $ on the row, so filling down slid it off the η cell "
                f"{letter}{eta.row} (write ${letter}${eta.row})"
            )
    return ""


def _eta_slid(u: Numbers, q: str, where: _Where) -> Variants:
    """Every wrong row's update reaches η through a reference without $ that slid off the η cell.

    Read from the formulas: the rows whose η reference slid are explained by it (whatever the
    cell they slid to holds), the others not."""
    formulas = where.formulas.get(q) or ()
    # the distance from a formula down to the η cell it reads, where some row reads the η cell
    # itself through a sliding reference (else: where the first update, row 1, would read it)
    exact = [i for i, f in enumerate(formulas) if _eta_refs(where.table, f, relative_only=True) == {where.table.eta.row}]
    offset = where.row(exact[0] if exact else 1) - where.table.eta.row
    slid = [_slid_eta_ref(where.table, f, where.row(i) - offset) for i, f in enumerate(formulas)]
    if where.row_index >= len(slid) or slid[where.row_index] is None:
        return
    eta = where.table.eta
    letter = column_letter(eta.col)
    explained = np.array([ref is not None for ref in slid] + [False] * (u.rows - len(slid)))
    yield np.where(explained, u.actual(q), np.nan), (
        f"its η reference {slid[where.row_index]} has no $ on the row, so filling down slid it off the η cell "
        f"{letter}{eta.row} (write ${letter}${eta.row})"
    )


def _broken_row(u: Numbers, q: str, where: _Where) -> Variants:
    """The wrong rows are exactly the rows whose formula breaks the column's pattern (in relative form)."""
    formulas = [f if isinstance(f, str) and f.startswith("=") else None for f in where.formulas.get(q) or ()]
    if q not in where.table.columns or where.row_index >= len(formulas) or formulas[where.row_index] is None:
        return
    col = where.table.columns[q]
    shapes = [_relative(f, where.row(i), col) if f else None for i, f in enumerate(formulas)]
    counted = [s for s in shapes[1:] if s is not None]  # row 0 may read the initial values elsewhere
    if len(counted) < 3:
        return
    usual = max(set(counted), key=counted.count)
    if counted.count(usual) * 2 <= len(counted) or shapes[where.row_index] == usual:
        return
    breaks = np.array([s is not None and s != usual for s in shapes] + [False] * (u.rows - len(shapes)))
    breaks[0] = where.row_index == 0 and breaks[0]
    example = min((i for i, s in enumerate(shapes) if s == usual), key=lambda i: abs(i - where.row_index))
    yield np.where(breaks, u.actual(q), np.nan), (
        f"row {where.row(where.row_index)}'s formula {formulas[where.row_index]} breaks the column's pattern "
        f"({formulas[example]} in row {where.row(example)}): one row copied or edited wrongly"
    )


def _slid_eta_ref(table: Table, formula: str | None, row: int) -> str | None:
    """"B30" when `formula` reads η's column at `row` (where a slid reference lands), not at η's row."""
    if row != table.eta.row and row in _eta_refs(table, formula, relative_only=True):
            return f"{column_letter(table.eta.col)}{row}"
    return None


def _eta_refs(table: Table, formula: str | None, *, relative_only: bool) -> set[int]:
    """The rows of `formula`'s references into η's column (without $ on the row, when relative_only)."""
    if not isinstance(formula, str) or table.eta is None:
        return set()
    letter = column_letter(table.eta.col)
    return {
        int(row)
        for _, col, row_dollar, row in ADDRESS.findall(formula.upper())
        if col == letter and not (relative_only and row_dollar)
    }


def _relative(formula: str, row: int, col: int) -> str:
    """A formula with its references written relative to its own cell (R1C1 style), to compare rows."""
    def shape(m: re.Match) -> str:
        col_dollar, letters, row_dollar, digits = m.groups()
        c, r = column_number(letters), int(digits)
        return f"R{r if row_dollar else f'[{r - row}]'}C{c if col_dollar else f'[{c - col}]'}"

    return ADDRESS.sub(shape, formula.upper())


# The catalogue, tried in this order on the failing column.
CATALOGUE: tuple[Entry, ...] = (
    Entry("other-hidden-slope", (),
          "∂E/∂w3 or ∂E/∂w4 uses a_h1·(1−a_h1) where a_h2·(1−a_h2) belongs (or ∂E/∂w1, ∂E/∂w2 the other way); in any "
          "network, a hidden δ written with another unit of its layer's slope (δ_1_2 with a_1_1·(1−a_1_1))",
          _other_hidden_slope, applies=_has_hidden_slope),
    Entry("other-hidden-error", HIDDEN_GRADS, "∂E/∂w3 uses ∂E/∂a_h1 where ∂E/∂a_h2 belongs (or the other way)",
          _other_hidden_error),
    Entry("net-in-slope", ALL_GRADS, "a derivative uses h·(1−h) or o·(1−o), before the sigmoid, where a_h·(1−a_h) "
          "or a_o·(1−a_o) belongs", _net_in_slope),
    Entry("net-in-error", OUTPUT_GRADS + HIDDEN_ERRORS, "a derivative uses (o − t) where (a_o − t) belongs",
          _net_in_error),
    Entry("net-for-activation", OUTPUT_GRADS, "∂E/∂w5..w8 multiplies by h where a_h belongs", _net_for_activation),
    Entry("twice", ALL_GRADS, "∂E/∂a_o taken as 2(a_o − t), the derivative of E without the ½", _twice),
    Entry("flipped-sign", ALL_GRADS, "∂E/∂a_o taken as (t − a_o): the gradient's sign is flipped", _flipped_sign),
    Entry("chain-parentheses", HIDDEN_GRADS, "∂E/∂w1..w4 written out in full without the parentheses around "
          "the chain ∂E/∂a_h", _chain_parentheses),
    Entry("slope-parentheses", ALL_GRADS, "a·(1−a) typed as a*1-a, without the parentheses", _slope_parentheses),
    Entry("no-slope", ALL_GRADS, "the sigmoid's derivative a·(1−a) left out of the chain", _no_slope),
    Entry("one-path", HIDDEN_ERRORS + HIDDEN_GRADS, "∂E/∂a_h through one output only (the path through the "
          "other output left out)", _one_path),
    Entry("wrong-out-weights", HIDDEN_ERRORS + HIDDEN_GRADS, "∂E/∂a_h1 uses w5, w6 (the weights into o1) where "
          "w5, w7 (the weights leaving h1) belong, alone or written out in full inside ∂E/∂w1..w4",
          _wrong_out_weights),
    Entry("target-operator", ALL_GRADS, "(a_o·t) or (a_o + t) typed where (a_o − t) belongs", _target_operator),
    Entry("other-input", HIDDEN_GRADS, "∂E/∂w1..w4 multiplies by the other input", _other_input),
    Entry("other-hidden-activation", OUTPUT_GRADS, "∂E/∂w5..w8 multiplies by the other hidden activation",
          _other_hidden_activation),
    Entry("other-output", OUTPUT_GRADS, "∂E/∂w5..w8 uses the other output's error term", _other_output),
    Entry("no-half", ("E1", "E2", "E_total"), "E without the ½: (t − a_o)²", _no_half),
    Entry("error-of-net", ("E1", "E2"), "E uses o (before the sigmoid) where a_o belongs", _error_of_net),
    Entry("one-error", ("E_total",), "E_total holds E1 or E2 only", _one_error),
    Entry("net-of-net", ("o1", "o2"), "o uses h1, h2 (before the sigmoid) where a_h1, a_h2 belong", _net_of_net),
    Entry("swapped-weights", ("h1", "h2", "o1", "o2"), "the weights numbered the other way round (h1 = w1·i1 + "
          "w3·i2)", _swapped_weights),
    Entry("no-bias", ("h1", "h2", "o1", "o2"), "the bias left out", _no_bias),
    Entry("sigmoid-sign", ("a_h1", "a_h2", "a_o1", "a_o2"), "σ(x) written 1/(1+e^x)", _sigmoid_sign),
    Entry("typed-weight", ("h1", "h2", "o1", "o2") + HIDDEN_ERRORS, "a typed-in initial weight differs from the one "
          "the rest of the sheet uses (row 0 computed with another value)", _typed_weight),
    Entry("eta-slides", WEIGHTS, "the update's η reference has no $ on the row and slid off the η cell when "
          "filled down (read from the formulas)", _eta_slid),
    Entry("adds", WEIGHTS, "the update adds the gradient instead of subtracting it", _adds),
    Entry("fixed-row", WEIGHTS, "the update references a fixed row (a $ on the row) for w or ∂E/∂w", _fixed_row),
    Entry("wrong-column", WEIGHTS, "the update references the wrong column (another weight or its gradient)",
          _wrong_column),
    Entry("no-eta", WEIGHTS, "the update subtracts the gradient without η", _no_eta),
    Entry("unchanged", WEIGHTS, "the weight does not change: η·∂E/∂w comes out as 0, e.g. an η reference "
          "without $ that slid off the η cell", _unchanged),
    Entry("broken-row", COMPUTED, "one row's formula breaks its column's pattern (a row copied or edited "
          "wrongly; read from the formulas)", _broken_row),
)
