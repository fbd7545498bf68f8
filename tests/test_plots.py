"""--plots: E_total curves on a log scale, so a fast rate's curve does not hug the axis."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from excelgen.plots import curves_figure, write_plots
from network import load_network
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
