"""--plots: E_total curves on a log scale, so a fast rate's curve does not hug the axis."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from excelgen.plots import curves_figure, plot_paths, write_plots
from network import layout, load_network
from network import trajectory


def test_curves_are_drawn_on_a_log_scale_that_spans_the_fall():
    spec = load_network().with_options(learning_rates=(0.5, 5.0))
    e_total = trajectory(spec)["E_total"]
    fig = curves_figure("t", {"η = 0.5": e_total[0], "η = 5.0": e_total[1]})
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    low, high = ax.get_ylim()
    assert low <= e_total.min() and high >= e_total.max()  # the η = 5 curve falls below 1e-10: all of it shows
    assert e_total[1, -1] < 1e-10
    assert [line.get_label() for line in ax.get_lines()] == ["η = 0.5", "η = 5.0"]
    plt.close(fig)


def test_write_plots_writes_every_png(tmp_path):
    spec = load_network().with_options(iterations=10, learning_rates=(0.5, 2.0))
    paths = write_plots(spec, trajectory(spec)["E_total"], tmp_path)
    assert [p.name for p in paths] == ["e_total_lr_0.5.png", "e_total_lr_2.0.png", "e_total_all.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)
    assert not plt.get_fignums()  # every figure closed


@pytest.mark.parametrize("rates, names", [
    ((5, 0.05), ["e_total_lr_5.0.png", "e_total_lr_0.05.png"]),
    ((2.0, 0.1, 1e-05), ["e_total_lr_2.0.png", "e_total_lr_0.1.png", "e_total_lr_1e-05.png"]),
])
def test_plots_are_named_after_their_lr_sheets(tmp_path, rates, names):
    net = load_network().with_options(learning_rates=rates)
    paths = plot_paths(net, tmp_path)
    assert [p.name for p in paths[:-1]] == names
    for path, rate in zip(paths, net.learning_rates):  # e_total_lr_X.png draws the sheet "LR X"
        assert path.name == f"e_total_lr_{layout.lr_sheet_name(rate).removeprefix(layout.LR_SHEET_PREFIX)}.png"


def test_a_zero_on_the_log_axis_is_left_out_not_drawn_down_to_the_axis():
    values = np.array([0.3, 0.01, 1e-300, 0.0, 0.0])  # E_total of a fast rate underflows to exactly 0
    fig = curves_figure("t", {None: values})
    (line,) = fig.axes[0].get_lines()
    drawn = np.asarray(line.get_ydata(), dtype=float)
    assert drawn[:3].tolist() == values[:3].tolist() and np.isnan(drawn[3:]).all()
    assert fig.axes[0].get_ylim()[0] > 0
    plt.close(fig)
