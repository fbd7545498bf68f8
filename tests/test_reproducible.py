"""The same template gives the same workbook, byte for byte, whatever kernels NumPy picks for the CPU.

NumPy chooses its exp, log and tanh loops by CPU (AVX-512, AVX2 or a baseline loop) and they round the last bit
differently; network/libm.py computes them from +, −, ×, ÷ alone, so the saved values cannot depend on the machine.
The oracle: the workbook written with NumPy's baseline kernels forced (NPY_DISABLE_CPU_FEATURES, as an older or
another vendor's CPU would run it) is the workbook written with every kernel this CPU has.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest

from network import libm

ROOT = Path(__file__).resolve().parents[1]
_WRITE = "import sys, excelgen; excelgen.generate(sys.argv[1], sys.argv[2], iterations=60)"
_EXP_PROBE = "import numpy as np; print(np.exp(np.linspace(-5, 5, 1001)).tobytes().hex())"


def _dispatched_features() -> str:
    """The SIMD features NumPy dispatches to on this CPU (NPY_DISABLE_CPU_FEATURES takes these names)."""
    from numpy._core import _multiarray_umath as umath

    return " ".join(f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f))


def _run(code: str, *args: str, baseline: bool) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if baseline:
        env["NPY_DISABLE_CPU_FEATURES"] = _dispatched_features()
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def kernels_differ() -> None:
    """This test proves something only where NumPy's own exp differs between the two modes."""
    if not _dispatched_features() or _run(_EXP_PROBE, baseline=True) == _run(_EXP_PROBE, baseline=False):
        pytest.skip("NumPy runs the same exp loop with and without this CPU's SIMD features: nothing to compare")


TANH_TEMPLATE = """name = "tanh-ce"
iterations = 60
learning_rates = [0.5, 3.0]
layers = [2, 3, 1]
activations = ["tanh", "sigmoid"]
loss = "cross-entropy"
train_biases = true
examples = [{ inputs = [0.3, -1.2], targets = [1] }, { inputs = [-0.7, 0.4], targets = [0] }]
weights = [[[0.5, -0.3], [0.8, 0.2], [-0.6, 0.9]], [[0.7, -0.4, 0.3]]]
biases = [[0.1, -0.2, 0.05], [0.0]]
"""


@pytest.mark.parametrize("template", ["era-s6", "mazur", "softmax", "xor", "tanh-ce"])
def test_the_workbook_is_the_same_bytes_with_numpys_baseline_kernels(template, kernels_differ, tmp_path):
    if template == "tanh-ce":
        (tmp_path / "tanh-ce.toml").write_text(TANH_TEMPLATE, "utf-8")
        template = str(tmp_path / "tanh-ce.toml")
    fast, baseline = tmp_path / "fast.xlsx", tmp_path / "baseline.xlsx"
    _run(_WRITE, template, str(fast), baseline=False)
    _run(_WRITE, template, str(baseline), baseline=True)
    assert fast.read_bytes() == baseline.read_bytes()


@pytest.mark.parametrize(
    ("function", "exact", "points", "ulps"),
    [
        (libm.exp, mpmath.exp, np.concatenate([np.linspace(-745, 709.7, 3001), np.linspace(-1, 1, 2001)]), 1),
        (libm.log, mpmath.log, np.concatenate([np.geomspace(1e-300, 1e300, 3001), np.linspace(0.5, 2, 2001)]), 1),
        (libm.tanh, mpmath.tanh, np.concatenate([np.linspace(-25, 25, 3001), np.linspace(-0.6, 0.6, 2001)]), 2),
    ],
)
def test_libm_is_within_its_units_in_the_last_place(function, exact, points, ulps):
    """Against 50-digit arithmetic (mpmath), never NumPy: each result within 1 unit in the last place (tanh 2)."""
    mpmath.mp.dps = 50
    expected = np.array([float(exact(mpmath.mpf(float(x)))) for x in points])
    got = function(points)
    nonzero = expected != 0
    assert (np.abs(got - expected)[nonzero] / np.spacing(np.abs(expected[nonzero]))).max() <= ulps
    assert np.all(got[~nonzero] == 0)


@pytest.mark.parametrize("function", [libm.exp, libm.tanh])
def test_a_few_values_at_a_time_give_the_bits_of_a_whole_array(function):
    """Small arrays (the reference's) take exp's path through Python floats: the same bits as the NumPy path."""
    points = np.random.default_rng(20).normal(0, 50, 30_000)
    whole = function(points)
    assert len(whole) > libm._FEW
    assert whole.tobytes() == np.concatenate([function(points[i : i + 3]) for i in range(0, len(points), 3)]).tobytes()


def test_libm_raises_where_numpy_raises():
    """The reference stops on an overflow (np.errstate(over="raise")): libm sets NumPy's flags as np.exp, np.log do."""
    for function, argument, flag in [(libm.exp, 710.0, "over"), (libm.log, 0.0, "divide"), (libm.log, -1.0, "invalid")]:
        with np.errstate(**{flag: "raise"}), pytest.raises(FloatingPointError):
            function(np.array([argument]))
    with np.errstate(all="raise", under="ignore"):
        assert list(libm.exp(np.array([np.inf, -np.inf, -1000.0]))) == [np.inf, 0.0, 0.0]
        assert list(libm.tanh(np.array([np.inf, -np.inf, 0.0]))) == [1.0, -1.0, 0.0]
        assert list(libm.log(np.array([np.inf, 1.0]))) == [np.inf, 0.0]
