"""The Summary sheet: its words are true to the numbers, and its live "fastest to E_total < 1e-3" lines
agree with the NumPy reference after a LibreOffice recalculation, also after η and a weight are edited."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from conftest import need_soffice
from excelgen.summary_sheet import LIVE_LABELS, NOT_REACHED, lesson, live_rows, overshoot_rate
from excelgen.workbook import write_workbook
from network import Network, load_network, trajectory
from verify.reading.libreoffice import recalculate

ETA, BELOW, RISES, FASTEST, AT = LIVE_LABELS


def expected_lines(net: Network) -> dict[str, list]:
    """The live lines, computed from the reference trajectory (any network, classic or general)."""
    e_total = trajectory(net)["E_total"]
    below = [next((k for k, e in enumerate(row) if e < 1e-3), None) for row in e_total]
    reached = [(k, net.learning_rates[j]) for j, k in enumerate(below) if k is not None]
    return {
        ETA: list(net.learning_rates),
        BELOW: [NOT_REACHED if k is None else k for k in below],
        RISES: [sum(b > a for a, b in zip(row, row[1:])) for row in e_total],
        FASTEST: [min(reached)[1] if reached else "none"],
        AT: [min(reached)[0] if reached else NOT_REACHED],
    }


def read_lines(path: Path, net: Network) -> dict[str, list]:
    ws = openpyxl.load_workbook(path, data_only=True)["Summary"]
    n = len(net.learning_rates)
    got = {}
    for label, row in live_rows(net.iterations).items():
        assert ws.cell(row + 1, 1).value == label
        got[label] = [ws.cell(row + 1, 2 + j).value for j in range(n if label in (ETA, BELOW, RISES) else 1)]
    return got


def test_saved_live_lines_match_the_reference(default_workbook):
    spec = load_network()
    assert read_lines(default_workbook, spec) == expected_lines(spec)
    assert expected_lines(spec)[FASTEST] == [2.0]  # with era-s6, η = 2.0 is the fastest


def test_live_lines_after_libreoffice_recalculation_match_the_reference(recalculated_default_workbook):
    spec = load_network()
    assert read_lines(recalculated_default_workbook, spec) == expected_lines(spec)


def test_live_lines_follow_an_edited_eta_and_weight(default_workbook, tmp_path):
    """η of 'LR 0.1' becomes 5 and w1 becomes 0.3; LibreOffice recalculates; the lines follow the reference."""
    need_soffice()
    wb = openpyxl.load_workbook(default_workbook)
    wb["LR 0.1"]["B2"] = 5.0
    sheet, address = next(wb.defined_names["w1_init"].destinations)
    wb[sheet][address.replace("$", "")] = 0.3
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    fresh = recalculate(edited, tmp_path / "fresh.xlsx")
    base = load_network()
    w1_edited = (((0.3, *base.weights[0][0][1:]), *base.weights[0][1:]), *base.weights[1:])
    spec = replace(base, learning_rates=(5.0, *base.learning_rates[1:]), weights=w1_edited)
    expected = expected_lines(spec)
    assert expected[FASTEST] == [5.0]
    assert read_lines(fresh, spec) == expected


@pytest.mark.parametrize("rates, iterations", [((0.1, 0.2, 0.5, 0.8, 1.0, 2.0), 100), ((0.5, 80.0, 200.0), 20)])
def test_words_name_an_overshooting_rate_only_when_one_overshoots(rates, iterations):
    spec = load_network().with_options(learning_rates=rates, iterations=iterations)
    e_total = trajectory(spec)["E_total"]
    text = lesson(spec, e_total)
    overshooting = [r for r, row in zip(rates, e_total) if (np.diff(row) > 0).any()]
    for rate, row in zip(rates, e_total):
        named = f"η = {rate!r} (from iteration" in text
        assert named == (rate in overshooting), (rate, text)
    assert ("No rate here overshoots" in text) == (not overshooting)
    fastest = expected_lines(spec)[FASTEST][0]
    assert (f"η = {fastest!r} is the fastest" in text) if fastest != "none" else "No rate here brings" in text


def test_overshoot_rate_is_where_e_total_first_rises():
    """The rate the words name rises within the iterations; the grid step below it does not."""
    spec = load_network()
    rate = overshoot_rate(spec)
    assert rate is not None and 10 < rate < 1_000
    below, at = trajectory(spec.with_options(learning_rates=(rate / 10 ** (1 / 20), rate)))["E_total"]
    assert not (np.diff(below) > 0).any() and (np.diff(at) > 0).any()
    assert f"first rises near η ≈ {rate:.2g}" in lesson(spec, trajectory(spec)["E_total"])


@pytest.mark.parametrize("template, iterations", [("xor", 300), ("softmax", 300)])
def test_a_general_network_gets_the_summary_too(tmp_path, template, iterations):
    """A general network's workbook ends with the same Summary; LibreOffice recomputes its live lines to the reference."""
    need_soffice()
    net = load_network(template).with_options(iterations=iterations)
    workbook = write_workbook(net, tmp_path / f"{template}.xlsx")
    assert openpyxl.load_workbook(workbook, read_only=True).sheetnames[-1] == "Summary"
    assert read_lines(workbook, net) == expected_lines(net)
    assert read_lines(recalculate(workbook, tmp_path / "lo.xlsx"), net) == expected_lines(net)
