"""Network templates: the built-in ones, a user's own TOML file, and every way one can be wrong.

A bad template gives exit code != 0, one line `Error: ...` naming the key, no traceback, no file.
"""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from network import layout
from backprop_sheet.cli import cli
from excelgen.network_sheet import network_cells
from network import load_network
from network.description import classic_templates
from conftest import classic_values

GOOD = """\
name = "mine"
description = "A student's own network"
iterations = 3
learning_rates = [0.25, 4]

[inputs]
i1 = 1.0
i2 = -0.5

[targets]
t1 = 0.2
t2 = 0.8

[weights]
w1 = 0.1
w2 = -0.2
w3 = 0.3
w4 = -0.4
w5 = 0.5
w6 = -0.6
w7 = 0.7
w8 = -0.8

[biases]
b1 = 0.1
b2 = -0.1
"""


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


BAD = [
    pytest.param(edit(GOOD, "w3 = 0.3\n", ""), "weights.w3", id="missing-key"),
    pytest.param(edit(GOOD, "[targets]\nt1 = 0.2\nt2 = 0.8\n", ""), "[targets]", id="missing-section"),
    pytest.param(edit(GOOD, "iterations = 3\n", ""), "iterations", id="missing-iterations"),
    pytest.param(edit(GOOD, "learning_rates = [0.25, 4]\n", ""), "learning_rates", id="missing-learning-rates"),
    pytest.param(edit(GOOD, "i1 = 1.0", 'i1 = "one"'), "inputs.i1", id="non-numeric"),
    pytest.param(edit(GOOD, "w5 = 0.5", "w5 = true"), "weights.w5", id="boolean"),
    pytest.param(edit(GOOD, "t2 = 0.8", "t2 = nan"), "targets.t2", id="nan"),
    pytest.param(edit(GOOD, "b1 = 0.1", "b1 = inf"), "biases.b1", id="inf"),
    pytest.param(edit(GOOD, "[0.25, 4]", "[0.25, 0]"), "learning rate", id="lr-zero"),
    pytest.param(edit(GOOD, "[0.25, 4]", "[-0.5]"), "learning rate", id="lr-negative"),
    pytest.param(edit(GOOD, "[0.25, 4]", "[0.25, nan]"), "learning_rates", id="lr-nan"),
    pytest.param(edit(GOOD, "[0.25, 4]", "[]"), "learning_rates", id="lr-empty"),
    pytest.param(edit(GOOD, "[0.25, 4]", "[0.5, 0.5]"), "distinct", id="lr-repeated"),
    pytest.param(edit(GOOD, "iterations = 3", "iterations = 0"), "iterations", id="iterations-0"),
    pytest.param(edit(GOOD, "iterations = 3", "iterations = 100001"), "iterations", id="iterations-100001"),
    pytest.param(edit(GOOD, "iterations = 3", "iterations = 2.5"), "iterations", id="iterations-fraction"),
    pytest.param(edit(GOOD, 'name = "mine"', 'name = "mine"\nepochs = 3'), "'epochs'", id="unknown-key"),
    pytest.param(edit(GOOD, "w8 = -0.8", "w8 = -0.8\nw9 = 1"), "weights.w9", id="unknown-weight"),
    pytest.param(edit(GOOD, "[weights]", "[weights"), "not valid TOML", id="not-toml"),
]


@pytest.mark.parametrize("text, key", BAD)
def test_a_bad_template_is_one_clear_error_and_no_file(tmp_path, text, key):
    template = tmp_path / "mine.toml"
    template.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["generate", "--template", str(template), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code != 0
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert key in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]


TYPOS = [
    pytest.param(
        edit(edit(GOOD, "w3 = 0.3", "W3 = 0.3"), "[targets]", "[targest]"),
        "mine.toml: unknown key 'targest' (did you mean 'targets'?); unknown key weights.W3 (did you mean weights.w3?)",
        id="section-and-key-typos",
    ),
    pytest.param(
        edit(edit(edit(GOOD, "iterations = 3", "iteration = 3"), "i1 = 1.0", 'i1 = "one"'), "[0.25, 4]", "[0.25, -4]"),
        "mine.toml: unknown key 'iteration' (did you mean 'iterations'?); inputs.i1 must be a number, got 'one'; "
        "learning_rates: learning rate must be positive, got -4",
        id="typo-and-bad-values",
    ),
    pytest.param(
        edit(edit(GOOD, "t1 = 0.2\n", ""), "w8 = -0.8", "w8 = -0.8\nw9 = 1"),
        "mine.toml: missing key targets.t1; unknown key weights.w9 (expected w1, w2, w3, w4, w5, w6, w7, w8)",
        id="missing-and-unknown-without-suggestion",
    ),
]


@pytest.mark.parametrize("text, message", TYPOS)
def test_a_template_reports_all_its_problems_at_once_with_suggestions(tmp_path, text, message):
    template = tmp_path / "mine.toml"
    template.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["generate", "--template", str(template), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 2
    assert result.output == f"Error: {message.replace('mine.toml', str(template), 1)}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]


@pytest.mark.parametrize("name", ["missing.toml", "no/such/folder/mine.toml", "not-a-template-name"])
def test_a_missing_template_file_is_one_clear_error(tmp_path, name):
    result = CliRunner().invoke(cli, ["generate", "--template", str(tmp_path / name), "-o", str(tmp_path / "out.xlsx")])
    assert result.exit_code != 0
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "not found" in result.output or "unknown template" in result.output
    assert list(tmp_path.iterdir()) == []


def test_builtin_templates_are_the_two_networks():
    assert sorted(classic_templates()) == ["era-s6", "mazur"]
    era, mazur = load_network("era-s6"), load_network("mazur")
    e, m = classic_values(era), classic_values(mazur)
    assert (e["i1"], e["i2"], e["t1"], e["t2"]) == (0.05, 0.1, 0.5, 0.5)
    assert tuple(e[f"w{k}"] for k in range(1, 9)) == (0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55)
    assert era.learning_rates == (0.1, 0.2, 0.5, 0.8, 1.0, 2.0) and era.iterations == 100 and not era.biases_given
    assert (m["t1"], m["t2"], m["b1"], m["b2"], mazur.learning_rates) == (0.01, 0.99, 0.35, 0.60, (0.5,))


def test_a_users_template_fills_the_network_sheet(tmp_path):
    template = tmp_path / "mine.toml"
    template.write_text(GOOD, "utf-8")
    out = tmp_path / "mine.xlsx"
    result = CliRunner().invoke(cli, ["generate", "--template", str(template), "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Network", "LR 0.25", "LR 4.0", "Summary"]
    spec = load_network(template)
    network = wb["Network"]
    expected = {"i1": 1.0, "i2": -0.5, "t1": 0.2, "t2": 0.8, "w2": -0.2, "w8": -0.8, "b1": 0.1, "b2": -0.1}
    for quantity, (row, col) in network_cells(spec).items():
        if quantity in expected:
            assert network.cell(row + 1, col + 1).value == expected[quantity]
    last = layout.FIRST_DATA_ROW + 1 + 3  # iterations 0..3
    assert [wb["LR 4.0"].cell(r, 1).value for r in (last, last + 1)] == [3, None]
    assert wb.defined_names["bias_b2"].attr_text.startswith("Network!")
