"""exp, log and tanh from +, −, ×, ÷ and exact scaling alone: the same last bit on every CPU.

NumPy picks its exp and log kernels by CPU (AVX-512, AVX2, or a baseline loop), and they round the last bit
differently, so a saved value would depend on the machine that wrote the workbook. These are fdlibm's
algorithms (Sun Microsystems, 1993; the C library of Java's StrictMath), each error under one unit in the last
place, written with NumPy operations (or Python floats, for a few values) that IEEE 754 rounds the same
everywhere (tanh: at most 2). The reference (network/reference.py) uses them, so a template gives the same
saved values, bit for bit, on any machine.
"""

from __future__ import annotations

import math

import numpy as np

_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # ln 2 = HI + LO, HI·k exact
_INV_LN2 = 1.44269504088896338700e00
_P = (1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05,
      -1.65339022054652515390e-06, 4.13813679705723846039e-08)  # fmt: skip
_LG = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01,
       1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01)  # fmt: skip
_EXP_MAX, _EXP_MIN = 7.09782712893383973096e02, -7.45133219101941108420e02


def exp(x) -> np.ndarray:
    """e^x: x = k·ln 2 + r with |r| ≤ ½ln 2, e^r from a rational approximation, then × 2^k.

    As np.exp: past ln(DBL_MAX) the result is inf with NumPy's overflow flag (a FloatingPointError under
    np.errstate(over="raise")), far below it 0 with the underflow flag; inf, -inf and nan as np.exp gives them."""
    x = np.asarray(x, dtype=float)
    if x.size <= _FEW:  # the reference's arrays: Python floats round as NumPy's do, ten times sooner
        values = x.ravel().tolist()
        if all(-_PLAIN < v < _PLAIN for v in values):
            return np.array([_exp(v, round(v * _INV_LN2), math.ldexp) for v in values]).reshape(x.shape)
    finite = np.isfinite(x)
    xs = np.clip(np.where(finite, x, 0.0), -800.0, 800.0)  # beyond ±800 the result is inf or 0 all the same
    y = _exp(xs, np.rint(xs * _INV_LN2), lambda m, k: np.ldexp(m, k.astype(np.int64)))
    return np.where(finite, y, np.where(np.isnan(x), x, np.where(x > 0, np.inf, 0.0)))


def _exp(x, k, ldexp):
    """e^x for x = k·ln 2 + r, k an integer (round half to even): a float or an array, the same operations."""
    hi = x - k * _LN2_HI
    lo = k * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P[0] + t * (_P[1] + t * (_P[2] + t * (_P[3] + t * _P[4]))))
    return ldexp(1.0 - ((lo - (r * c) / (2.0 - c)) - hi), k)  # e^r · 2^k


_FEW = 16  # elements: up to this many, e^x is taken one Python float at a time
_PLAIN = 700.0  # |x| below it: e^x is a normal number, no flag to raise


def log(x) -> np.ndarray:
    """ln x: x = 2^k·(1 + f) with √½ ≤ 1 + f < √2, ln(1 + f) from s = f/(2 + f), then + k·ln 2.

    As np.log: ln 0 = -inf with the divide-by-zero flag, a negative number gives nan with the invalid flag
    (FloatingPointError under np.errstate(divide="raise") or (invalid="raise")); inf and nan as they come."""
    x = np.asarray(x, dtype=float)
    normal = np.isfinite(x) & (x > 0)
    m, k = np.frexp(np.where(normal, x, 1.0))  # x = m·2^k, ½ ≤ m < 1
    low = m < 0.7071067811865476
    m = np.where(low, 2.0 * m, m)
    k = np.where(low, k - 1, k).astype(float)
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG[0] + w * (_LG[2] + w * (_LG[4] + w * _LG[6]))) + w * (_LG[1] + w * (_LG[3] + w * _LG[5]))
    hfsq = 0.5 * f * f
    y = k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)
    if not normal.all():
        zero, negative = x == 0, x < 0
        if zero.any():
            np.divide(1.0, 0.0)  # NumPy's flag for ln 0, as np.log raises it
        if negative.any():
            np.subtract(np.inf, np.inf)  # and its flag for the ln of a negative number
        y = np.where(zero, -np.inf, np.where(negative, np.nan, np.where(normal, y, x)))  # inf and nan as they are
    return y


def tanh(x) -> np.ndarray:
    """tanh x: 1 − 2/(e^2|x| + 1) with x's sign where |x| ≥ ½; below, Lambert's continued fraction
    x/(1 + x²/(3 + x²/(5 + …))), which subtracts no nearly equal numbers. Never raises, as np.tanh."""
    x = np.asarray(x, dtype=float)
    ax = np.abs(x)
    large = np.copysign(1.0 - 2.0 / (exp(2.0 * np.minimum(ax, 40.0)) + 1.0), x)  # tanh 20 = 1 in doubles
    small = np.where(ax < 0.5, x, 0.0)
    x2 = small * small
    d = np.full_like(x, 2.0 * _CF_TERMS + 1.0)
    for odd in range(2 * _CF_TERMS - 1, 0, -2):
        d = odd + x2 / d
    return np.where(ax < 0.5, small / d, large)


_CF_TERMS = 12  # levels of the continued fraction: at |x| < ½ far past the last bit
