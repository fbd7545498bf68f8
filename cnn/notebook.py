"""How a training run shows in Jupyter: its loss and accuracy curves (matplotlib, an inline PNG)
and its last epoch. cnn.api.Run.plot() and Run._repr_html_ call these."""

from __future__ import annotations

import base64
import io
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from cnn.api import Run

_CELL = "padding:2px 8px;text-align:left"


def curves(run: Run) -> Figure:
    """Two panels against epoch: train and test loss (log scale), train and test accuracy (%)."""
    from matplotlib.figure import Figure  # no pyplot: no global state, any backend
    from matplotlib.ticker import LogFormatter

    metrics = run.metrics
    figure = Figure(figsize=(9, 3.2), layout="constrained")
    loss, accuracy = figure.subplots(1, 2)
    for split in ("train", "test"):
        loss.plot(metrics.index, metrics[f"{split}_loss"], marker="o", label=split)
        accuracy.plot(metrics.index, metrics[f"{split}_accuracy"], marker="o", label=split)
    loss.set(yscale="log", xlabel="epoch", ylabel="loss (log scale)", title="Loss")
    loss.yaxis.set_major_formatter(LogFormatter())  # 0.05, not 5 × 10⁻²; minor ticks labelled on a short axis
    loss.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False))
    accuracy.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for axes in (loss, accuracy):
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(_title(run))
    return figure


def run_html(run: Run) -> str:
    """The curves as a PNG, then the last epoch's numbers and the run's facts."""
    buffer = io.BytesIO()
    curves(run).savefig(buffer, format="png", dpi=90)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    last = run.metrics.iloc[-1]
    s = run.summary
    rows = [
        ("epoch", f"{int(run.metrics.index[-1])} of {s.get('epochs', len(run.metrics))}"),
        ("test accuracy", f"{last['test_accuracy']:.2f} % ({run.files.test_images:,} test images)"),
        ("train accuracy", f"{last['train_accuracy']:.2f} %"),
        ("test loss / train loss", f"{last['test_loss']:.4f} / {last['train_loss']:.4f}"),
        ("learning rate", f"{last['lr']:.5g}"),
        ("parameters", f"{s['parameters']:,}"),
        ("device, threads", f"{s.get('device', '?')}, {s.get('threads', '?')}"),
        ("time", f"{s.get('seconds', 0):.1f} s in all, {last['images_per_s']:,.0f} training images/s in the last epoch"),
    ]
    table = "".join(f"<tr><th style='{_CELL}'>{escape(k)}</th><td style='{_CELL}'>{escape(v)}</td></tr>" for k, v in rows)
    warning = (
        "<p style='color:#9C5700;background:#FFEB9C;padding:2px 6px'><b>DRY RUN</b>: a few batches of a small slice, "
        "a smoke test, not a result</p>"
        if run.dry_run
        else ""
    )
    return (
        f"<div class='backprop-sheet-run'><p><b>{escape(_title(run))}</b>: {escape(str(run.folder))}</p>{warning}"
        f"<img src='data:image/png;base64,{png}' alt='loss and accuracy against epoch'/>"
        f"<table>{table}</table></div>"
    )


def _title(run: Run) -> str:
    s = run.summary
    return f"model {s.get('model', '?')}, seed {s.get('seed', '?')}" + (" (dry run)" if run.dry_run else "")
