"""--plots DIR: one PNG of E_total per learning rate, and one with every curve (matplotlib).

E_total falls by orders of magnitude, so the curves are drawn on a log scale.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # not pyplot: no global backend, so a notebook's inline plots stay as they are

from excelgen.errors import WorkbookError  # noqa: E402
from network.layout import rate_text  # noqa: E402
from network import Network  # noqa: E402

ALL_CURVES = "e_total_all.png"


def plot_paths(net: Network, folder: Path) -> list[Path]:
    """The files write_plots() writes: e_total_lr_0.1.png, ..., e_total_all.png."""
    if folder.exists() and not folder.is_dir():
        raise WorkbookError(f"--plots {folder}: not a folder")
    return [folder / f"e_total_lr_{rate!r}.png" for rate in net.learning_rates] + [folder / ALL_CURVES]


def write_plots(net: Network, e_total: np.ndarray, folder: Path) -> list[Path]:
    """e_total[j, k]: E_total of learning rate j at iteration k. Returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = plot_paths(net, folder)
    for j, (rate, path) in enumerate(zip(net.learning_rates, paths)):
        _save(curves_figure(f"E_total per iteration, η = {rate_text(rate)} ({net.name})", {None: e_total[j]}), path)
    every = {f"η = {rate_text(rate)}": e_total[j] for j, rate in enumerate(net.learning_rates)}
    _save(curves_figure(f"E_total per iteration, every learning rate ({net.name})", every), paths[-1])
    return paths


def curves_figure(title: str, curves: dict[str | None, np.ndarray]):
    """A figure of E_total against iteration on a log scale: one line per curve (label None: one red line)."""
    fig = Figure(figsize=(7, 4), dpi=100)
    ax = fig.subplots()
    ax.set_title(title)
    ax.set_xlabel("iteration")
    ax.set_ylabel("E_total (log scale)")
    ax.set_yscale("log")
    ax.grid(True, which="major", color="#E0E0E0")
    ax.spines[["top", "right"]].set_visible(False)
    for label, values in curves.items():
        ax.plot(np.arange(len(values)), values, linewidth=2, label=label, **({"color": "#C00000"} if label is None else {}))
    if len(curves) > 1 or None not in curves:
        ax.legend(frameon=False)
    return fig


def _save(fig, path: Path) -> None:
    """Save next to `path` first, then move into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fig.tight_layout()
        fig.savefig(tmp, format="png", metadata={"Software": None})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
