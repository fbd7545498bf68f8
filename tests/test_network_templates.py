"""network.description: templates parsed to a Network (general and classic), THE NAMES, the LR-sheet columns,
and every way a template can be wrong, each reported at once in one line naming the key."""

from __future__ import annotations

import copy
import math
import random
import tomllib
from pathlib import Path

import pytest

import network
from network import layout
from excelgen.errors import TemplateError
from network import load_network, parse_network
from network.columns import At, Dep
from network.names import Kind, Quantity

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

XOR = {
    "name": "mine", "iterations": 10, "learning_rates": [0.5, 2.0],
    "layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"], "loss": "half-squared-error", "train_biases": True,
    "examples": [{"inputs": [0, 0], "targets": [0]}, {"inputs": [0, 1], "targets": [1]},
                 {"inputs": [1, 0], "targets": [1]}, {"inputs": [1, 1], "targets": [0]}],
    "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]],
    "biases": [[0.35, 0.35], [0.60]],
}
SOFTMAX = XOR | {"layers": [2, 3, 2], "activations": ["tanh", "softmax"], "loss": "cross-entropy",
                 "examples": [{"inputs": [1, 0], "targets": [1, 0]}, {"inputs": [0, 1], "targets": [0.25, 0.75]}],
                 "weights": [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]],
                 "biases": [[0, 0, 0], [0, 0]]}


def classic_text(name: str) -> dict:
    return tomllib.loads((TEMPLATES / f"{name}.toml").read_text("utf-8"))


# ---------------------------------------------------------------- the general format


def test_a_general_template_parses_to_its_network():
    net = network.parse_network(XOR, "mine.toml")
    assert (net.name, net.iterations, net.learning_rates) == ("mine", 10, (0.5, 2.0))
    assert (net.layers, net.activations, net.loss, net.train_biases) == ((2, 2, 1), ("sigmoid", "sigmoid"),
                                                                         "half-squared-error", True)
    assert net.examples[1] == network.Example((0.0, 1.0), (1.0,))
    assert net.weights == (((0.15, 0.20), (0.25, 0.30)), ((0.40, 0.45),))
    assert net.biases == ((0.35, 0.35), (0.60,)) and net.biases_given and not net.classic


def test_defaults_are_the_classic_choices():
    minimal = {k: v for k, v in XOR.items() if k not in ("loss", "train_biases", "biases", "name")}
    net = network.parse_network(minimal, "folder/my-net.toml")
    assert (net.loss, net.train_biases, net.biases, net.biases_given) == (
        "half-squared-error", False, ((0.0, 0.0), (0.0,)), False)
    assert net.name == "my-net" and net.description == ""


def test_seeded_weights_follow_the_documented_scheme():
    """Glorot uniform by Python's random.Random(seed).uniform, layer by layer, to then from, two decimals."""
    template = {k: v for k, v in XOR.items() if k not in ("weights", "biases")} | {"layers": [2, 3, 1],
                                                                  "init": {"seed": 7}}
    net = network.parse_network(template)
    rng = random.Random(7)
    r1, r2 = math.sqrt(6 / 5), math.sqrt(6 / 4)
    expected = (tuple(tuple(round(rng.uniform(-r1, r1), 2) for _ in range(2)) for _ in range(3)),
                (tuple(round(rng.uniform(-r2, r2), 2) for _ in range(3)),))
    assert net.weights == expected
    assert network.parse_network(template).weights == net.weights  # deterministic
    assert network.parse_network(template | {"init": {"seed": 8}}).weights != net.weights
    assert all(abs(w) <= 1.23 for m in net.weights for row in m for w in row)


def test_with_options_overrides_and_validates():
    net = network.parse_network(XOR).with_options(iterations=3, learning_rates=(0.1,))
    assert (net.iterations, net.learning_rates) == (3, (0.1,))
    with pytest.raises(TemplateError, match=r"^--lr: learning rate must be positive, got 0$"):
        net.with_options(learning_rates=(0,))


def test_shipped_templates_load_by_name():
    assert network.builtin_networks() == ["era-s6", "mazur", "softmax", "xor"]
    xor, softmax = network.load_network("xor"), network.load_network("softmax")
    assert (xor.layers, xor.train_biases, len(xor.examples)) == ((2, 2, 1), True, 4)
    assert (softmax.layers, softmax.activations, softmax.loss) == ((2, 3, 3), ("tanh", "softmax"), "cross-entropy")
    assert 2 <= len(softmax.examples) <= 3


def test_a_missing_template_file_is_a_template_error(tmp_path):
    with pytest.raises(TemplateError, match="template file .*nope.toml not found"):
        network.load_network(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("layers = [", "utf-8")
    with pytest.raises(TemplateError, match="bad.toml: not valid TOML"):
        network.load_network(tmp_path / "bad.toml")


# ---------------------------------------------------------------- the classic format


@pytest.mark.parametrize("name", ["era-s6", "mazur"])
def test_classic_keys_parse_to_the_2_2_2_network(name):
    net = network.load_network(name)
    toml = tomllib.loads((TEMPLATES / f"{name}.toml").read_text("utf-8"))  # the file itself
    assert net.classic and (net.layers, net.activations, net.loss, net.train_biases) == (
        (2, 2, 2), ("sigmoid", "sigmoid"), "half-squared-error", False)
    x, t = toml["inputs"], toml["targets"]
    assert net.examples == (network.Example((x["i1"], x["i2"]), (t["t1"], t["t2"])),)
    w1, w2, w3, w4, w5, w6, w7, w8 = (toml["weights"][f"w{k}"] for k in range(1, 9))
    assert net.weights == (((w1, w2), (w3, w4)), ((w5, w6), (w7, w8)))
    b = toml.get("biases", {})
    b1, b2 = b.get("b1", 0.0), b.get("b2", 0.0)
    assert net.biases == ((b1, b1), (b2, b2)) and net.biases_given == ("biases" in toml)
    assert (net.name, net.description, net.iterations, net.learning_rates) == (
        toml["name"], toml["description"], toml["iterations"], tuple(toml["learning_rates"]))


def mazur_with(**sections) -> dict:
    data = copy.deepcopy(classic_text("mazur"))
    for key, value in sections.items():
        if value is None:
            del data[key]
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            for k, v in value.items():
                if v is None:
                    del data[key][k]
                else:
                    data[key][k] = v
        else:
            data[key] = value
    return data


CLASSIC_BAD = [
    pytest.param(mazur_with(weights={"w3": None}), id="missing-key"),
    pytest.param(mazur_with(targets=None), id="missing-section"),
    pytest.param(mazur_with(iterations=None, learning_rates=None), id="missing-schedule"),
    pytest.param(mazur_with(inputs={"i1": "one"}, weights={"w5": True}), id="not-numbers"),
    pytest.param(mazur_with(targets={"t2": math.nan}, biases={"b1": math.inf}), id="not-finite"),
    pytest.param(mazur_with(learning_rates=[0.5, 0.5], iterations=0), id="bad-schedule"),
    pytest.param(mazur_with(targest={"t1": 0.1}, weights={"W3": 0.3, "w3": None}), id="typos"),
    pytest.param(mazur_with(epochs=3, weights={"w9": 1}), id="unknown"),
    pytest.param(mazur_with(biases={"b2": None}), id="half-the-biases"),
]


@pytest.mark.parametrize("data", CLASSIC_BAD)
def test_a_bad_classic_template_gets_todays_message(data):
    with pytest.raises(TemplateError) as today:
        parse_network(data, "mine.toml", classic=True)
    with pytest.raises(TemplateError) as ours:
        network.parse_network(data, "mine.toml")
    assert str(ours.value) == str(today.value)


# ---------------------------------------------------------------- the names


CLASSIC_WIRING = [  # the brief's wiring: w1: i1→h1, w2: i2→h1, w3: i1→h2, w4: i2→h2, w5: a_h1→o1, ...
    ("w1", 1, 1, 1), ("w2", 1, 1, 2), ("w3", 1, 2, 1), ("w4", 1, 2, 2),
    ("w5", 2, 1, 1), ("w6", 2, 1, 2), ("w7", 2, 2, 1), ("w8", 2, 2, 2),
]


@pytest.mark.parametrize("text, layer, to, source", CLASSIC_WIRING)
def test_classic_weight_names_keep_todays_wiring(text, layer, to, source):
    net = network.load_network("mazur")
    assert net.name_of(Quantity(Kind.WEIGHT, layer, to, source)) == text
    assert net.name_of(Quantity(Kind.GRAD_WEIGHT, layer, to, source)) == f"∂E_total/∂{text}"
    mazur = tomllib.loads((TEMPLATES / "mazur.toml").read_text("utf-8"))["weights"]
    w1, w2, w3, w4, w5, w6, w7, w8 = (mazur[f"w{k}"] for k in range(1, 9))
    assert net.weights[layer - 1][to - 1][source - 1] == {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w5": w5,
                                                           "w6": w6, "w7": w7, "w8": w8}[text]


CLASSIC_NAMES = [
    (Quantity(Kind.INPUT, 0, 2, example=1), "i2"), (Quantity(Kind.TARGET, neuron=1, example=1), "t1"),
    (Quantity(Kind.BIAS, 1, 2), "b1"), (Quantity(Kind.BIAS, 2, 1), "b2"),
    (Quantity(Kind.Z, 1, 1, example=1), "h1"), (Quantity(Kind.A, 1, 2, example=1), "a_h2"),
    (Quantity(Kind.Z, 2, 2, example=1), "o2"), (Quantity(Kind.A, 2, 1, example=1), "a_o1"),
    (Quantity(Kind.ERROR, neuron=2, example=1), "E2"), (Quantity(Kind.E_TOTAL), "E_total"),
    (Quantity(Kind.DE_DA, 1, 1, example=1), "∂E_total/∂a_h1"), (Quantity(Kind.ETA), "η"),
]


@pytest.mark.parametrize("q, text", CLASSIC_NAMES)
def test_classic_names(q, text):
    assert network.load_network("era-s6").name_of(q) == text


GENERAL_NAMES = [  # (quantity, with one example, with several)
    (Quantity(Kind.INPUT, 0, 2, example=3), "x_2", "x_2[e3]"),
    (Quantity(Kind.TARGET, neuron=1, example=3), "t_1", "t_1[e3]"),
    (Quantity(Kind.WEIGHT, 2, 1, 3), "w_2_1_3", "w_2_1_3"),
    (Quantity(Kind.BIAS, 2, 1), "b_2_1", "b_2_1"),
    (Quantity(Kind.Z, 2, 1, example=3), "z_2_1", "z_2_1[e3]"),
    (Quantity(Kind.A, 2, 1, example=3), "a_2_1", "a_2_1[e3]"),
    (Quantity(Kind.LOSS, example=3), "E", "E[e3]"),
    (Quantity(Kind.E_TOTAL), "E_total", "E_total"),
    (Quantity(Kind.DELTA, 2, 1, example=3), "δ_2_1", "δ_2_1[e3]"),
    (Quantity(Kind.GRAD_WEIGHT, 2, 1, 3), "∂E_total/∂w_2_1_3", "∂E_total/∂w_2_1_3"),
    (Quantity(Kind.GRAD_BIAS, 2, 1), "∂E_total/∂b_2_1", "∂E_total/∂b_2_1"),
    (Quantity(Kind.ETA), "η", "η"),
    (Quantity(Kind.ITERATION), "iteration", "iteration"),
]


@pytest.mark.parametrize("q, one, several", GENERAL_NAMES)
def test_general_names_and_their_parse(q, one, several):
    assert network.name(q, examples=1) == one
    assert network.name(q, examples=8) == several
    assert network.parse(several) == q
    per_example = q.example is not None
    assert network.parse(one) == (Quantity(q.kind, q.layer, q.neuron, q.source, 1) if per_example else q)


@pytest.mark.parametrize("text", ["w_2_1", "a_2_1[e0]", "a_2_1[3]", "w_2_1_3[e2]", "E_total[e1]", "h1", "z_2_0", ""])
def test_parse_refuses_what_is_no_general_name(text):
    assert network.parse(text) is None


# ---------------------------------------------------------------- the columns


@pytest.mark.parametrize("name", ["era-s6", "mazur"])
def test_classic_columns_are_todays_lr_sheet(name):
    assert [c.header for c in network.load_network(name).columns()] == list(layout.HEADERS)


def test_classic_dependencies():
    by = {c.header: c for c in network.load_network("mazur").columns()}
    assert by["h1"].depends == (Dep("w1", At.ROW), Dep("i1", At.NETWORK), Dep("w2", At.ROW), Dep("i2", At.NETWORK),
                                Dep("b1", At.NETWORK))
    assert by["∂E_total/∂w5"].depends == (Dep("a_o1", At.ROW), Dep("t1", At.NETWORK), Dep("a_h1", At.ROW))
    assert by["w5"].depends == (Dep("w5", At.NETWORK), Dep("w5", At.PREVIOUS), Dep("∂E_total/∂w5", At.PREVIOUS),
                                Dep("η", At.SHEET))
    era = {c.header: c for c in network.load_network("era-s6").columns()}
    assert Dep("b1", At.NETWORK) not in era["h1"].depends  # no biases, no b1


def test_general_columns_in_order():
    template = XOR | {"layers": [2, 1], "activations": ["sigmoid"], "weights": [[[0.1, 0.2]]], "biases": [[0.3]],
                      "examples": XOR["examples"][:2]}
    headers = [c.header for c in network.parse_network(template).columns()]
    assert headers == [
        "iteration",
        "z_1_1[e1]", "a_1_1[e1]", "E[e1]", "δ_1_1[e1]",
        "z_1_1[e2]", "a_1_1[e2]", "E[e2]", "δ_1_1[e2]",
        "E_total",
        "∂E_total/∂w_1_1_1", "∂E_total/∂w_1_1_2", "∂E_total/∂b_1_1",
        "w_1_1_1", "w_1_1_2", "b_1_1",
    ]
    one = template | {"examples": XOR["examples"][:1], "train_biases": False}
    assert [c.header for c in network.parse_network(one).columns()] == [
        "iteration", "z_1_1", "a_1_1", "δ_1_1", "E_total", "∂E_total/∂w_1_1_1", "∂E_total/∂w_1_1_2",
        "w_1_1_1", "w_1_1_2"]


def test_general_dependencies():
    by = {c.header: c for c in network.parse_network(XOR).columns()}
    row, net_sheet = At.ROW, At.NETWORK
    assert by["z_1_2[e3]"].depends == (Dep("w_1_2_1", row), Dep("x_1[e3]", net_sheet), Dep("w_1_2_2", row),
                                       Dep("x_2[e3]", net_sheet), Dep("b_1_2", row))
    assert by["z_2_1[e3]"].depends == (Dep("w_2_1_1", row), Dep("a_1_1[e3]", row), Dep("w_2_1_2", row),
                                       Dep("a_1_2[e3]", row), Dep("b_2_1", row))
    assert by["a_2_1[e3]"].depends == (Dep("z_2_1[e3]", row),)
    assert by["δ_2_1[e3]"].depends == (Dep("a_2_1[e3]", row), Dep("t_1[e3]", net_sheet))  # (a − t)·a·(1 − a)
    assert by["δ_1_2[e3]"].depends == (Dep("δ_2_1[e3]", row), Dep("w_2_1_2", row), Dep("a_1_2[e3]", row))
    assert by["E_total"].depends == tuple(Dep(f"E[e{e}]", row) for e in (1, 2, 3, 4))
    assert by["∂E_total/∂b_2_1"].depends == tuple(Dep(f"δ_2_1[e{e}]", row) for e in (1, 2, 3, 4))
    assert by["∂E_total/∂w_2_1_2"].depends == tuple(
        d for e in (1, 2, 3, 4) for d in (Dep(f"δ_2_1[e{e}]", row), Dep(f"a_1_2[e{e}]", row)))
    assert by["b_2_1"].depends == (Dep("b_2_1", net_sheet), Dep("b_2_1", At.PREVIOUS),
                                   Dep("∂E_total/∂b_2_1", At.PREVIOUS), Dep("η", At.SHEET))
    soft = {c.header: c for c in network.parse_network(SOFTMAX).columns()}
    assert soft["a_2_2[e1]"].depends == (Dep("z_2_1[e1]", row), Dep("z_2_2[e1]", row))
    assert soft["δ_2_2[e1]"].depends == (Dep("a_2_2[e1]", row), Dep("t_2[e1]", net_sheet))  # a − t
    fixed = {c.header: c for c in network.parse_network(XOR | {"train_biases": False}).columns()}
    assert fixed["z_1_1[e1]"].depends[-1] == Dep("b_1_1", net_sheet) and "b_1_1" not in fixed


@pytest.mark.parametrize("template", [XOR, SOFTMAX, XOR | {"train_biases": False}, XOR | {"examples": XOR["examples"][:1]}])
def test_every_dependency_is_a_column_or_a_network_sheet_name(template):
    net = network.parse_network(template)
    headers = {c.header for c in net.columns()}
    sheet = {net.name_of(Quantity(Kind.INPUT, 0, k, example=e)) for k in range(1, 3) for e in range(1, 5)}
    sheet |= {net.name_of(Quantity(Kind.TARGET, neuron=k, example=e)) for k in range(1, 3) for e in range(1, 5)}
    sheet |= {c.header for c in net.columns() if c.kind in (Kind.WEIGHT, Kind.BIAS)}
    sheet |= {f"b_{l}_{j}" for l in (1, 2) for j in (1, 2, 3)}
    for c in net.columns():
        assert len(set(c.depends)) == len(c.depends), c.header
        for d in c.depends:
            assert d.name in (headers if d.at in (At.ROW, At.PREVIOUS) else sheet | {"η"}), (c.header, d)


@pytest.mark.parametrize("layers, examples, biases", [([2, 2, 1], 4, True), ([8, 8, 8, 8, 8], 8, True),
                                                      ([1, 1], 1, False), ([3, 5, 2], 2, False)])
def test_sheet_width_counts_the_columns(layers, examples, biases):
    template = {k: v for k, v in XOR.items() if k not in ("weights", "biases")} | {
        "layers": layers, "activations": ["tanh"] * (len(layers) - 1), "train_biases": biases, "init": {"seed": 1},
        "examples": [{"inputs": [0.5] * layers[0], "targets": [0.5] * layers[-1]}] * examples}
    net = network.parse_network(template)
    assert network.sheet_width(net.layers, examples, biases) == len(net.columns())
    params = sum(a * b for a, b in zip(layers, layers[1:])) + (sum(layers[1:]) if biases else 0)
    assert len(net.columns()) == 1 + examples * (3 * sum(layers[1:]) + (examples > 1)) + 1 + 2 * params


def test_the_widest_network_fits_in_excel():
    assert network.sheet_width((8, 8, 8, 8, 8), 8, True) == 1 + 8 * (3 * 32 + 1) + 1 + 2 * (4 * 64 + 32) < 16_384
    assert network.MAX_COLUMNS == 16_384


def test_a_sheet_wider_than_excel_is_refused(monkeypatch):
    monkeypatch.setattr("network.columns.MAX_COLUMNS", 59)  # xor's sheet has 60 columns
    with pytest.raises(TemplateError) as error:
        network.load_network("xor")
    assert str(error.value) == ("xor: the LR sheet would need 60 columns, more than Excel's 59: "
                                "use fewer examples, layers or neurons")


# ---------------------------------------------------------------- bad templates


def with_(base: dict, **changes) -> dict:
    data = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


BAD = [
    (with_(XOR, layers=[2]), "layers must list the inputs, then 1 to 4 layers (2 to 5 whole numbers, e.g. [2, 2, 1]), got [2]"),
    (with_(XOR, layers=[2, 2, 2, 2, 2, 1]), "layers must list the inputs, then 1 to 4 layers (2 to 5 whole numbers, "
                                            "e.g. [2, 2, 1]), got [2, 2, 2, 2, 2, 1]"),
    (with_(XOR, layers=[2, 9, 1]), "layers[1] must be a whole number from 1 to 8 (the neurons of layer 1), got 9"),
    (with_(XOR, layers=[0, 2, 1]), "layers[0] must be a whole number from 1 to 8 (the neurons of the inputs), got 0"),
    (with_(XOR, activations=["sigmoid", "sigmiod"]), "activations[1]: unknown activation 'sigmiod' (did you mean 'sigmoid'?)"),
    (with_(XOR, activations=["sigmoid", "swish"]), "activations[1]: unknown activation 'swish' "
                                                  "(one of sigmoid, tanh, relu, linear, softmax)"),
    (with_(XOR, activations=["sigmoid"]), "activations must list 2 names (one per layer after the inputs), got ['sigmoid']"),
    (with_(SOFTMAX, activations=["softmax", "softmax"]), "activations[0]: softmax only on the last layer (the outputs), not on layer 1"),
    (with_(XOR, activations=["sigmoid", "softmax"]), "activations[1]: softmax needs at least 2 outputs (over one it is always 1)"),
    (with_(XOR, loss="mse"), "loss: unknown loss 'mse' (one of half-squared-error, cross-entropy)"),
    (with_(XOR, loss="cross_entropy"), "loss: unknown loss 'cross_entropy' (did you mean 'cross-entropy'?)"),
    (with_(XOR, loss="cross-entropy", activations=["sigmoid", "tanh"]),
     'loss = "cross-entropy" needs a softmax output layer or one sigmoid output, got 1 tanh output '
     '(use loss = "half-squared-error", or change the last activation)'),
    (with_(SOFTMAX, activations=["tanh", "sigmoid"]),
     'loss = "cross-entropy" needs a softmax output layer or one sigmoid output, got 2 sigmoid outputs '
     '(use loss = "half-squared-error", or change the last activation)'),
    (with_(XOR, loss="cross-entropy", examples=[{"inputs": [0, 0], "targets": [1.5]}]),
     "examples[0].targets (e1): with a sigmoid output and cross-entropy the target is in [0, 1], got [1.5]"),
    (with_(SOFTMAX, examples=[{"inputs": [0, 0], "targets": [0.5, 0.6]}]),
     "examples[0].targets (e1): with softmax and cross-entropy the targets are a distribution "
     "(each in [0, 1], summing to 1), got [0.5, 0.6]"),
    (with_(SOFTMAX, examples=[{"inputs": [0, 0], "targets": [1.5, -0.5]}]),
     "examples[0].targets (e1): with softmax and cross-entropy the targets are a distribution "
     "(each in [0, 1], summing to 1), got [1.5, -0.5]"),
    (with_(XOR, weights=[[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6, 0.7]]]),
     "weights[1][0] (into neuron 1 of layer 2) must be a list of 2 numbers, got [0.5, 0.6, 0.7]"),
    (with_(XOR, weights=[[[0.1, 0.2]], [[0.5, 0.6]]]),
     "weights[0] (layer 1) must have 2 rows (one per neuron of layer 1, each [from]), got 1"),
    (with_(XOR, weights=[[[0.1, 0.2], [0.3, 0.4]]]),
     "weights must list 2 matrices (one per layer after the inputs, each [to][from]), got 1"),
    (with_(XOR, weights=[[[0.1, "x"], [0.3, 0.4]], [[0.5, 0.6]]]), "weights[0][0][1] (w_1_1_2) must be a number, got 'x'"),
    (with_(XOR, weights=None), "missing key weights (or init = { seed = N } for small random weights)"),
    (with_(XOR, init={"seed": 1}), "give either weights or init = { seed = N }, not both"),
    (with_(XOR, weights=None, init={"sed": 1}), "unknown key init.sed (did you mean init.seed?)"),
    (with_(XOR, weights=None, init={"seed": 1.5}), "init.seed must be a whole number ≥ 0, got 1.5"),
    (with_(XOR, biases=[[0.1, 0.2], [0.3, 0.4]]), "biases[1] (layer 2) must be a list of 1 number, got [0.3, 0.4]"),
    (with_(XOR, biases=[[0.1, 0.2]]), "biases must list 2 lists (one per layer after the inputs), got 1"),
    (with_(XOR, examples=[{"inputs": [0, 0, 1], "targets": [0]}]), "examples[0].inputs (e1) must be a list of 2 numbers, got [0, 0, 1]"),
    (with_(XOR, examples=[{"inputs": [0, 0], "targets": [0, 1]}]), "examples[0].targets (e1) must be a list of 1 number, got [0, 1]"),
    (with_(XOR, examples=[{"inputs": [0, math.inf], "targets": [0]}]), "examples[0].inputs[1] (x_2 of e1) must be finite, got inf"),
    (with_(XOR, examples=[{"inputs": [0, 0], "target": [0]}]), "unknown key examples[0].target (did you mean examples[0].targets?)"),
    (with_(XOR, examples=[{"inputs": [0, 0], "targets": [0]}] * 9),
     "examples must list 1 to 8 examples ({ inputs = [...], targets = [...] }), got 9"),
    (with_(XOR, train_biases="yes"), "train_biases must be true or false, got 'yes'"),
    (with_(XOR, layer=[2, 2, 1], layers=None), "unknown key 'layer' (did you mean 'layers'?)"),
    (with_(XOR, epochs=3), "unknown key 'epochs' (the allowed keys are listed in the README)"),
    (with_(XOR, examples=None), "missing key examples"),
    (with_(XOR, learning_rates=[0.5, -1]), "learning_rates: learning rate must be positive, got -1"),
    (with_(XOR, iterations=0), "iterations must be between 1 and 100,000, got 0"),
]


@pytest.mark.parametrize("data, message", [pytest.param(d, m, id=m[:50]) for d, m in BAD])
def test_a_bad_template_is_one_line_naming_the_key(data, message):
    with pytest.raises(TemplateError) as error:
        network.parse_network(data, "mine.toml")
    assert str(error.value) == f"mine.toml: {message}"


def test_every_problem_at_once():
    data = with_(XOR, layers=[2, 9, 1], activations=["sigmoid", "sigmoi"], loss="l2", extra=1, iterations=0)
    with pytest.raises(TemplateError) as error:
        network.parse_network(data, "mine.toml")
    assert str(error.value) == (
        "mine.toml: unknown key 'extra' (the allowed keys are listed in the README); "
        "layers[1] must be a whole number from 1 to 8 (the neurons of layer 1), got 9; "
        "activations[1]: unknown activation 'sigmoi' (did you mean 'sigmoid'?); "
        "loss: unknown loss 'l2' (one of half-squared-error, cross-entropy); "
        "iterations must be between 1 and 100,000, got 0")
    assert "\n" not in str(error.value)


def test_problems_in_several_examples_and_weights_all_come_back():
    data = with_(XOR, examples=[{"inputs": [0], "targets": [0]}, {"inputs": [0, 1], "targets": ["1"]}],
                 weights=[[[0.1, 0.2], [0.3, math.nan]], [[0.5]]])
    with pytest.raises(TemplateError) as error:
        network.parse_network(data, "mine.toml")
    assert str(error.value).split("; ") == [
        "mine.toml: examples[0].inputs (e1) must be a list of 2 numbers, got [0]",
        "examples[1].targets[0] (t_1 of e2) must be a number, got '1'",
        "weights[0][1][1] (w_1_2_2) must be finite, got nan",
        "weights[1][0] (into neuron 1 of layer 2) must be a list of 2 numbers, got [0.5]",
    ]
