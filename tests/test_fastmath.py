"""verify/engines/fastmath.py: arithmetic shapes evaluated with NumPy give what the `formulas` package gives, by Excel's rules."""

from __future__ import annotations

import formulas
import numpy as np
import pytest

from verify.engines import fastmath

ARITHMETIC = [
    "=_R0-_R1*_R2",
    "=1/(1+EXP(-_R0))",
    "=-_R0^2",  # Excel: (-x)^2
    "=2^_R0^2",  # Excel: (2^x)^2
    "=0.5*(_R1-_R0)^2+_R2%",
    "=_R0*_R1*(1-_R1)*_R2",
    "=POWER(ABS(_R0),0.5)+SQRT(ABS(_R1))-LN(1+ABS(_R2))+LOG10(2)",
    "=+_R0--_R1/ 4E-1",
    "=((_R0))",
    "=SUM(_R0,_R1*2,_R2)",
    "=MAX(0,_R0)+MIN(_R1,_R2,0.5)",  # a general network's relu, and its softmax's largest logit
    "=EXP(_R0-MAX(_R0,_R1,_R2))/(EXP(_R0-MAX(_R0,_R1,_R2))+EXP(_R1-MAX(_R0,_R1,_R2)))",
    "=TANH(_R0)*(4/(EXP(_R1)+EXP(-_R1))^2)",
]


@pytest.mark.parametrize("shape", ARITHMETIC)
def test_arithmetic_agrees_with_the_formulas_package(shape):
    rng = np.random.default_rng(7)
    args = [rng.uniform(-2, 2, 50) for _ in range(3)]
    compiled = formulas.Parser().ast(shape)[1].compile()
    by_name = dict(zip(compiled.inputs, (args[int(name[2:])] for name in compiled.inputs)))
    theirs = [float(compiled(*(by_name[n][i] for n in compiled.inputs))) for i in range(50)]
    ours = fastmath.evaluate(fastmath.compile(shape), args)
    assert ours is not None
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "shape",
    ['=IF(_R0>1,1,2)', '=_R0&"x"', "=AVERAGE(_R0)", "=_R0 +", "=(_R0", "=name", '="text"', "=_R0>=1", "=#N/A",
     "=" + "(" * 1000 + "_R0" + ")" * 1000, "=" + "+".join(["_R0"] * 4000)],
)
def test_anything_else_is_left_to_the_formulas_package(shape):
    assert fastmath.compile(shape) is None


@pytest.mark.parametrize("shape, x", [("=1/_R0", 0.0), ("=LN(_R0)", -1.0), ("=EXP(_R0)", 1e4), ("=_R0^0", 0.0)])
def test_what_excel_makes_an_error_is_not_guessed(shape, x):
    assert fastmath.evaluate(fastmath.compile(shape), [np.array([1.0, x])]) is None
