"""The live diagram on the Network sheet: a chart of lines between the nodes, each weight labelled once on its own
edge, no two labels in one place, every label the text of a live cell.

Read from the chart's XML (conftest.diagram_chart); the oracle for the numbers is the NumPy reference
(network.trajectory) at the row the pickers choose, after LibreOffice recalculated the edited workbook.
"""

from __future__ import annotations

import re

import math

import openpyxl
import pytest

from conftest import diagram_chart, need_soffice, recalculate_all
from excelgen import diagram
from excelgen.workbook import write_workbook
from network import Kind, Quantity, load_network, parse_network, trajectory
from network.names import name
from test_general_workbook import random_network

NETWORKS = {
    "era-s6": lambda: load_network().with_options(iterations=30),
    "xor": lambda: load_network("xor").with_options(iterations=30),
    "softmax": lambda: load_network("softmax").with_options(iterations=30),
    "random-29": lambda: random_network(29),
}
PICK = {"era-s6": (17, 2.0), "xor": (23, 2.0), "softmax": (30, 0.5), "random-29": (9, 0.3)}  # (iteration, η)


def weights(net) -> list[Quantity]:
    return [Quantity(Kind.WEIGHT, l, j, k) for l in range(1, len(net.layers))
            for k in range(1, net.layers[l - 1] + 1) for j in range(1, net.layers[l] + 1)]


def node_name(net, layer: int, neuron: int) -> str:
    kind = Kind.INPUT if layer == 0 else Kind.A
    return name(Quantity(kind, layer, neuron, example=1), classic=net.classic)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, tuple[object, object]]:
    folder = tmp_path_factory.mktemp("diagram")
    return {key: (make(), write_workbook(make(), folder / f"{key}.xlsx")) for key, make in NETWORKS.items()}


@pytest.mark.parametrize("key", list(NETWORKS))
def test_every_weight_is_labelled_once_on_its_own_edge(books, key):
    net, path = books[key]
    labels, lines = diagram_chart(path)
    places = {label.name: (label.x, label.y) for label in labels}
    assert len(places) == len(labels)  # one label per name
    segments = {frozenset(pair) for line in lines for pair in zip(line, line[1:])}
    for w in weights(net):
        header = net.name_of(w)
        assert [label.name for label in labels].count(header) == 1, header
        start, end = places[node_name(net, w.layer - 1, w.source)], places[node_name(net, w.layer, w.neuron)]
        assert frozenset((start, end)) in segments, header  # a line runs from node to node
        x, y = places[header]
        f = (x - start[0]) / (end[0] - start[0])
        assert 0.05 < f < 0.95 and math.isclose(y, start[1] + f * (end[1] - start[1]), abs_tol=1e-9), header
    assert len(segments) == len(weights(net))  # no line but the edges


@pytest.mark.parametrize("key", list(NETWORKS))
def test_no_two_labels_share_a_place(books, key):
    labels, _ = diagram_chart(books[key][1])
    places = [(round(label.x, 9), round(label.y, 9)) for label in labels]
    assert len(set(places)) == len(places)


@pytest.mark.parametrize("key", list(NETWORKS))
def test_every_label_is_a_live_formula(books, key):
    """A label's text cell joins its name to its value cell; the value cell reads the chosen row of the chosen LR
    sheet, or is a Network-sheet constant (a defined name)."""
    net, path = books[key]
    book = openpyxl.load_workbook(path)
    ws = book["Network"]
    labels, _ = diagram_chart(path)
    nodes = {n.label for n in diagram.nodes(net)} | {net.name_of(w) for w in weights(net)}
    assert {label.name for label in labels} == nodes
    for label in labels:
        text = ws[label.cell].value
        assert text.startswith("=") and "&TEXT(" in text, label
        value_cell = re.search(r"TEXT\((?:ROUND\()?([A-Z]+[0-9]+)", text).group(1)
        formula = ws[value_cell].value
        assert formula.startswith("="), label
        assert "show_iteration" in formula or formula[1:] in book.defined_names, (label, formula)


def test_a_big_network_draws_every_edge_and_says_which_it_leaves_unlabelled(tmp_path):
    layers = [8, 8, 3, 1]
    net = parse_network({
        "name": "big", "iterations": 3, "learning_rates": [0.5], "layers": layers,
        "activations": ["sigmoid", "sigmoid", "sigmoid"], "loss": "half-squared-error",
        "examples": [{"inputs": [0.1 * k for k in range(8)], "targets": [0.5]}], "init": {"seed": 5},
    }, "big")
    path = write_workbook(net, tmp_path / "big.xlsx")
    labels, lines = diagram_chart(path)
    segments = {frozenset(pair) for line in lines for pair in zip(line, line[1:])}
    assert len(segments) == 64 + 24 + 3
    shown = {label.name for label in labels}
    assert {net.name_of(w) for w in weights(net) if w.layer == 1}.isdisjoint(shown)
    assert {net.name_of(w) for w in weights(net) if w.layer > 1} <= shown
    ws = openpyxl.load_workbook(path)["Network"]
    notes = [c.value for row in ws.iter_rows(max_col=15) for c in row if isinstance(c.value, str)]
    assert any(f"more than {diagram.LABELLED_EDGES} weights" in note for note in notes)


def test_the_labels_follow_the_pickers_in_libreoffice(books, tmp_path):
    """Choose another iteration and learning rate, recalculate in LibreOffice: every label shows the reference's
    number at that row, to the digits it prints."""
    need_soffice()
    edited = {}
    for key, (net, path) in books.items():
        wb = openpyxl.load_workbook(path)
        for defined, value in zip(("show_iteration", "show_rate"), PICK[key]):
            sheet, address = next(iter(wb.defined_names[defined].destinations))
            wb[sheet][address.replace("$", "")] = value
        edited[key] = tmp_path / f"{key}.xlsx"
        wb.save(edited[key])
    (tmp_path / "lo").mkdir()
    recalculated = recalculate_all(list(edited.values()), tmp_path / "lo")
    for key, (net, path) in books.items():
        k, rate = PICK[key]
        column = {h: float(v[net.learning_rates.index(rate), k]) for h, v in trajectory(net).items()}
        values = openpyxl.load_workbook(recalculated[edited[key]], data_only=True)["Network"]
        labels, _ = diagram_chart(path, values)
        want = {n.label: net.constant(n.quantity) if n.constant else column[n.header] for n in diagram.nodes(net)}
        want |= {net.name_of(w): column[net.name_of(w)] for w in weights(net)}
        assert len(labels) == len(want)
        for label in labels:
            assert label.shows(want[label.name]), (key, label, want[label.name])
