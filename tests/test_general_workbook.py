"""Workbooks of general networks (templates with `layers`): live formulas LibreOffice recomputes exactly.

Oracles: LibreOffice's recalculation against the saved values (which come from network.reference,
itself checked against torch.autograd in tests/test_network_reference.py), and the reference's
trajectory at the row the Network sheet's pickers choose.
"""

from __future__ import annotations

import math
import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import diagram_chart, need_soffice, recalculate_all
from backprop_sheet.cli import cli
from excelgen.workbook import build_workbook, write_workbook
from network import load_network, parse_network, trajectory
from test_recalc_libreoffice import ERROR_VALUES, compare
from verify.reading.libreoffice import recalculate


def random_network(seed: int):
    """A seeded random template: widths, activations, loss, examples (large weights on purpose: big logits)."""
    rng = random.Random(seed)
    depth = rng.randint(1, 3)
    layers = [rng.randint(1, 3) for _ in range(depth)] + [rng.choice([1, 2, 3])]
    hidden = [rng.choice(["sigmoid", "tanh", "relu", "linear"]) for _ in range(depth - 1)]
    if layers[-1] > 1 and rng.random() < 0.5:
        last, loss = "softmax", "cross-entropy"
    else:
        last, loss = rng.choice(["sigmoid", "tanh", "linear"]), "half-squared-error"
    examples = []
    for _ in range(rng.randint(1, 4)):
        targets = [0.0] * layers[-1]
        if last == "softmax":
            targets[rng.randrange(layers[-1])] = 1.0
        else:
            targets = [round(rng.uniform(0, 1), 2) for _ in targets]
        examples.append({"inputs": [round(rng.uniform(-2, 2), 2) for _ in range(layers[0])], "targets": targets})
    scale = 6.0 if last == "softmax" else 1.0
    weights = [[[round(rng.uniform(-scale, scale), 2) for _ in range(a)] for _ in range(b)] for a, b in zip(layers, layers[1:])]
    return parse_network({
        "name": f"random-{seed}", "iterations": 25, "learning_rates": [0.05, 0.3], "layers": layers,
        "activations": [*hidden, last], "loss": loss, "train_biases": rng.random() < 0.5, "examples": examples,
        "weights": weights, "biases": [[round(rng.uniform(-1, 1), 2) for _ in range(b)] for b in layers[1:]],
    }, f"random-{seed}")


NETWORKS = {
    "xor": lambda: load_network("xor").with_options(iterations=60),
    "softmax": lambda: load_network("softmax").with_options(iterations=60),
    **{f"random-{seed}": (lambda seed=seed: random_network(seed)) for seed in (3, 11, 29)},
}


@pytest.fixture(scope="module")
def recalculated_networks(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Each of NETWORKS -> (its workbook, the same recalculated by LibreOffice), all in one LibreOffice start."""
    need_soffice()
    folder = tmp_path_factory.mktemp("networks")
    books = {name: write_workbook(make(), folder / f"{name}.xlsx") for name, make in NETWORKS.items()}
    recalculated = recalculate_all(list(books.values()), tmp_path_factory.mktemp("networks-lo"))
    return {name: (book, recalculated[book]) for name, book in books.items()}


@pytest.mark.parametrize("template", list(NETWORKS))
def test_libreoffice_recomputes_every_saved_value(recalculated_networks, template):
    net = NETWORKS[template]()
    count, problems = compare(*recalculated_networks[template])
    columns = len(net.columns()) - 1
    assert count >= len(net.learning_rates) * (net.iterations + 1) * columns
    assert problems == []  # within 1e-12 of max(|a|, |b|) + 1e-3, and no cell holds an error value


def test_random_networks_cover_what_the_formulas_must_handle():
    nets = [NETWORKS[f"random-{seed}"]() for seed in (3, 11, 29)]
    activations = {f for net in nets for f in net.activations}
    assert {"softmax", "relu"} <= activations or len(activations) >= 3
    assert any(len(net.examples) > 1 for net in nets)


@pytest.mark.parametrize("template", list(NETWORKS))
def test_fast_rows_write_exactly_what_write_formula_writes(tmp_path, template):
    """Every part of the zip, compared: the LR sheets' row templates (rowstream, marks=True) against
    XlsxWriter's own cell-by-cell path."""
    net = NETWORKS[template]().with_options(iterations=12)
    build_workbook(net, tmp_path / "fast.xlsx")
    build_workbook(net, tmp_path / "slow.xlsx", fast=False)
    fast, slow = zipfile.ZipFile(tmp_path / "fast.xlsx"), zipfile.ZipFile(tmp_path / "slow.xlsx")
    assert fast.namelist() == slow.namelist()
    sheets = [n for n in fast.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == len(net.learning_rates) + 2  # Network, one per rate, Summary
    for name in fast.namelist():
        assert fast.read(name) == slow.read(name), name
    assert b'<row r="17"><c r="A17" s="' in fast.read("xl/worksheets/sheet2.xml")  # iteration 12


@pytest.fixture(scope="module")
def softmax_book(tmp_path_factory):
    return write_workbook(load_network("softmax").with_options(iterations=60), tmp_path_factory.mktemp("g") / "s.xlsx")


def test_relu_and_softmax_formulas(tmp_path, softmax_book):
    relu = parse_network({
        "name": "relu", "iterations": 3, "learning_rates": [0.1], "layers": [2, 2, 1], "activations": ["relu", "linear"],
        "examples": [{"inputs": [1, -1], "targets": [0.5]}], "weights": [[[0.3, -0.2], [-0.4, 0.1]], [[0.5, 0.6]]],
    }, "relu")
    book = openpyxl.load_workbook(write_workbook(relu, tmp_path / "relu.xlsx"))["LR 0.1"]
    row = [str(c.value) for c in book[6]]
    assert any(re.fullmatch(r"=MAX\(0,[A-Z]+6\)", f) for f in row)  # a = MAX(0, z)
    assert any("IF(" in f and ">0,1,0)" in f for f in row)  # relu'(z) = IF(z > 0, 1, 0)
    softmax = [str(c.value) for c in openpyxl.load_workbook(softmax_book)["LR 0.1"][6]]
    assert any(f.startswith("=EXP(") and "-MAX(" in f for f in softmax)  # e^(z − max z)


def test_large_logits_give_no_error_values(tmp_path):
    need_soffice()
    net = load_network("softmax").with_options(iterations=5)
    big = parse_network({
        "name": "big", "iterations": 5, "learning_rates": [0.0001], "layers": [2, 3, 3], "activations": ["tanh", "softmax"],
        "loss": "cross-entropy", "examples": [{"inputs": [1, 1], "targets": [1, 0, 0]}],
        # logits near 600-750: e^z alone would overflow past 709; e^(z − max z) does not
        "weights": [[[1, 0], [0, 1], [1, 1]], [[800, 0, 0], [0, 790, 0], [0, 0, 780]]],
    }, "big")
    assert net.layers == big.layers
    workbook = write_workbook(big, tmp_path / "big.xlsx")
    values = openpyxl.load_workbook(recalculate(workbook, tmp_path / "lo.xlsx"), data_only=True)
    cells = [c.value for ws in values.worksheets for row in ws.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith(ERROR_VALUES) for v in cells)


def test_the_network_sheet_follows_the_pickers(tmp_path, softmax_book):
    need_soffice()
    net = load_network("softmax").with_options(iterations=60)
    wb = openpyxl.load_workbook(softmax_book)
    for name, value in (("show_iteration", 37), ("show_rate", net.learning_rates[1])):
        sheet, address = next(iter(wb.defined_names[name].destinations))
        wb[sheet][address.replace("$", "")] = value
    wb.save(tmp_path / "picked.xlsx")
    ws = openpyxl.load_workbook(recalculate(tmp_path / "picked.xlsx", tmp_path / "lo.xlsx"), data_only=True)["Network"]
    want = {h: v[1, 37] for h, v in trajectory(net).items()}
    checked = 0
    lines = [(row[0].value, row[6].value) for half in (1, 9) for row in ws.iter_rows(min_col=half, max_col=half + 6)]
    for text, value in lines:  # the blocks' lines: text in A or I, value in G or O
        if not (isinstance(text, str) and " = " in text and isinstance(value, float)):
            continue
        quantity = text.split(" = ")[0]
        header = f"{quantity}[e1]" if f"{quantity}[e1]" in want else quantity  # the lines show example 1
        if header in want:
            assert math.isclose(value, want[header], rel_tol=1e-11, abs_tol=1e-15), (text, value, want[header])
            checked += 1
    assert checked >= 40


@pytest.mark.parametrize("template", list(NETWORKS))
def test_the_network_sheet_names_every_constant_and_draws_every_weight(tmp_path, template):
    """Every input, target and initial weight is a cell with its defined name holding the template's number; the
    diagram labels each weight ("w_2_1_3 0.4000") with its value at iteration 0, and each activation of example 1
    with the reference's (to the digits a label prints)."""
    net = NETWORKS[template]()
    path = write_workbook(net, tmp_path / "n.xlsx")
    book, saved = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)["Network"]
    expected = {f"in_x_{k}_e{e}": x for e, ex in enumerate(net.examples, 1) for k, x in enumerate(ex.inputs, 1)}
    expected |= {f"tgt_t_{k}_e{e}": t for e, ex in enumerate(net.examples, 1) for k, t in enumerate(ex.targets, 1)}
    expected |= {f"w_{l}_{j}_{k}_init": w for l, m in enumerate(net.weights, 1)
                 for j, row in enumerate(m, 1) for k, w in enumerate(row, 1)}
    for defined, value in expected.items():
        ((sheet, ref),) = book.defined_names[defined].destinations
        assert sheet == "Network" and saved[ref.replace("$", "")].value == value, defined
    shown = {label.name: label for label in diagram_chart(path, saved)[0]}
    weights = {f"w_{l}_{j}_{k}": w for l, m in enumerate(net.weights, 1) for j, row in enumerate(m, 1)
               for k, w in enumerate(row, 1)}
    assert {k for k in shown if k.startswith("w_")} == set(weights)
    assert all(shown[k].shows(w) for k, w in weights.items())
    first = {h: v[0, 0] for h, v in trajectory(net).items()}
    suffix = "[e1]" if len(net.examples) > 1 else ""
    activations = {k: v for k, v in shown.items() if re.fullmatch(r"a_\d+_\d+", k)}
    assert len(activations) == sum(net.layers[1:])
    assert all(v.shows(first[k + suffix]) for k, v in activations.items())


def test_generate_a_shipped_network(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "--template", "xor", "--iterations", "10", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 0, result.output
    assert "template xor, 3 learning-rate sheets × 11 rows × 59 formulas" in result.output
    headers = [c.value for c in openpyxl.load_workbook(tmp_path / "x.xlsx")["LR 0.5"][4]]
    assert headers[:3] == ["iteration", "z_1_1[e1]", "a_1_1[e1]"] and "∂E_total/∂w_2_1_2" in headers


def test_generate_your_own_general_template(tmp_path):
    """A TOML file with `layers` (one no test ships) goes through the CLI as a general network, and verify passes it."""
    template = tmp_path / "mine.toml"
    template.write_text(
        'name = "mine"\niterations = 20\nlearning_rates = [0.3, 1.5]\nlayers = [3, 4, 2]\n'
        'activations = ["relu", "sigmoid"]\nloss = "half-squared-error"\ntrain_biases = true\n'
        'examples = [{ inputs = [0.5, -1.0, 2.0], targets = [0.2, 0.9] }, { inputs = [1.5, 0.3, -0.7], targets = [0.7, 0.1] }]\n'
        "init = { seed = 7 }\n", "utf-8")
    out = tmp_path / "mine.xlsx"
    result = CliRunner().invoke(cli, ["generate", "--template", str(template), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "template mine, 2 learning-rate sheets × 21 rows" in result.output
    headers = [c.value for c in openpyxl.load_workbook(out)["LR 0.3"][4]]
    assert headers[:3] == ["iteration", "z_1_1[e1]", "a_1_1[e1]"] and "∂E_total/∂b_2_2" in headers
    result = CliRunner().invoke(cli, ["verify", str(out), "--engine", "formulas"])
    assert result.exit_code == 0, result.output
