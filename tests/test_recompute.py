"""Every column's right formula over its record (verify/naming/recompute.py), which the root-cause search and the
mistake catalogue recompute a column with, against the NumPy reference's training (network/reference.py): fed
the reference's own numbers, every column of every kind of network recomputes to the reference's value on
every row, and a column the numbers lack is computed the right way from the others."""

from __future__ import annotations

import numpy as np
import pytest

from network import At, Kind, Quantity, load_network, parse_network, trajectory
from network.description import classic_network
from test_verify_general import OWN, SOFTMAX_SQUARED
from verify.naming.recompute import Numbers, columns_of

CROSS_ENTROPY_SIGMOID = {  # one sigmoid output with binary cross-entropy, trained biases
    **OWN, "layers": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "cross-entropy", "train_biases": True,
    "biases": [[0.1, -0.1], [0.2]], "weights": [[[0.3, -0.6], [0.5, 0.2]], [[0.7, -0.4]]],
    "examples": [{"inputs": [1.0, 0.0], "targets": [1.0]}, {"inputs": [0.0, 1.0], "targets": [0.0]}],
}
NETWORKS = {
    "classic": classic_network((0.05, 0.1), (0.01, 0.99), (0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55), (0.35, 0.6),
                               learning_rates=(0.5,), iterations=6),
    "xor": load_network("xor").with_options(iterations=6, learning_rates=(2.0,)),
    "softmax": load_network("softmax").with_options(iterations=6, learning_rates=(0.5,)),
    "relu-linear-tanh": parse_network(OWN, "own").with_options(iterations=6),
    "softmax-squared": parse_network(SOFTMAX_SQUARED, "sq").with_options(iterations=6),
    "sigmoid-cross-entropy": parse_network(CROSS_ENTROPY_SIGMOID, "ce").with_options(iterations=6),
}


def _numbers(net, drop=()) -> tuple[Numbers, dict[str, np.ndarray]]:
    """The reference's numbers as a sheet would hold them (columns, constants, η), without the columns `drop`."""
    columns = {h: v[0] for h, v in trajectory(net).items()}
    constants = {}
    for c in net.columns():
        for dep in c.depends:
            if dep.at is At.NETWORK:
                constants[dep.name] = columns[dep.name][0] if dep.name in columns else _constant(net, dep.name)
    given = {h: v for h, v in columns.items() if h not in drop}
    return Numbers(net, given, constants, net.learning_rates[0], net.iterations + 1), columns


def _constant(net, name: str) -> float:
    """An input, a target or a fixed bias of the network, by its name."""
    for e, example in enumerate(net.examples, start=1):
        for k, x in enumerate(example.inputs, start=1):
            if net.name_of(Quantity(Kind.INPUT, 0, k, example=e)) == name:
                return x
        for j, t in enumerate(example.targets, start=1):
            if net.name_of(Quantity(Kind.TARGET, neuron=j, example=e)) == name:
                return t
    for l, biases in enumerate(net.biases, start=1):
        for j, b in enumerate(biases, start=1):
            if net.name_of(Quantity(Kind.BIAS, l, j)) == name:
                return b
    raise AssertionError(name)


@pytest.mark.parametrize("name", NETWORKS)
def test_every_column_recomputes_to_the_reference(name):
    net = NETWORKS[name]
    numbers, columns = _numbers(net)
    for q in columns_of(net):
        np.testing.assert_allclose(numbers.right(q), columns[q], rtol=1e-12, atol=1e-15, err_msg=q)


@pytest.mark.parametrize("name", ["classic", "xor", "softmax"])
def test_a_column_the_table_lacks_is_computed_the_right_way(name):
    net = NETWORKS[name]
    lacking = [c.header for c in net.columns() if c.kind in (Kind.DE_DA, Kind.DELTA, Kind.LOSS, Kind.ERROR)]
    numbers, columns = _numbers(net, drop=lacking)
    for q in lacking:
        np.testing.assert_allclose(numbers[q], columns[q], rtol=1e-12, atol=1e-15, err_msg=q)
