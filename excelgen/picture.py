"""A picture of the 2-2-2 network (PNG bytes, drawn with matplotlib)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure  # not pyplot: no global backend, so a notebook's inline plots stay as they are
from matplotlib.patches import Circle

from excelgen.styles import BLOCK_COLOURS

# node -> (x, y, label)
_NODES = {
    "i1": (0.0, 1.0, "i1"),
    "i2": (0.0, 0.0, "i2"),
    "h1": (1.0, 1.0, "h1 | a_h1"),
    "h2": (1.0, 0.0, "h2 | a_h2"),
    "o1": (2.0, 1.0, "o1 | a_o1"),
    "o2": (2.0, 0.0, "o2 | a_o2"),
}
# weight -> (from, to, where along the edge its label sits)
_EDGES = {
    "w1": ("i1", "h1", 0.5),
    "w2": ("i2", "h1", 0.25),
    "w3": ("i1", "h2", 0.25),
    "w4": ("i2", "h2", 0.5),
    "w5": ("h1", "o1", 0.5),
    "w6": ("h2", "o1", 0.25),
    "w7": ("h1", "o2", 0.25),
    "w8": ("h2", "o2", 0.5),
}
_NODE_COLOURS = {"i": "#FFF2CC", "h": BLOCK_COLOURS[1][0], "o": BLOCK_COLOURS[1][0]}
_RADIUS = 0.2


def network_png(has_biases: bool, dpi: int = 100) -> bytes:
    """The network diagram: inputs, hidden and output neurons, weights w1..w8, errors E1, E2, biases if any."""
    fig = Figure(figsize=(5.4, 3.1), dpi=dpi)
    ax = fig.subplots()
    ax.set_xlim(-0.45, 3.25)
    ax.set_ylim(-0.55, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    for w, (src, dst, at) in _EDGES.items():
        _edge(ax, _NODES[src][:2], _NODES[dst][:2], w, at)
    for node, (x, y, label) in _NODES.items():
        ax.add_patch(Circle((x, y), _RADIUS, facecolor=_NODE_COLOURS[node[0]], edgecolor="#404040", zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=7.5, zorder=4)
    for k, y in ((1, 1.0), (2, 0.0)):
        ax.annotate("", xy=(2.55, y), xytext=(2.0 + _RADIUS, y), arrowprops={"arrowstyle": "->", "color": "#404040"})
        ax.text(2.6, y, f"E{k} = ½(t{k} − a_o{k})²", va="center", fontsize=7.5)
    ax.text(1.4, -0.45, "E_total = E1 + E2", ha="center", fontsize=8.5, fontweight="bold")
    if has_biases:  # each bias box sits between the two neurons it feeds
        for bias, x in (("b1", 1.0), ("b2", 2.0)):
            ax.text(x, 0.5, bias, ha="center", va="center", fontsize=8, zorder=4,
                    bbox={"boxstyle": "round", "facecolor": "#EDEDED", "edgecolor": "#7F7F7F"})
            for y in (1.0 - _RADIUS, _RADIUS):
                ax.annotate("", xy=(x, y), xytext=(x, 0.5 + (0.1 if y > 0.5 else -0.1)),
                            arrowprops={"arrowstyle": "->", "color": "#7F7F7F", "linestyle": "--"})
    fig.tight_layout(pad=0.2)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _edge(ax, start: tuple[float, float], end: tuple[float, float], weight: str, at: float) -> None:
    (x0, y0), (x1, y1) = start, end
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    dx, dy = (x1 - x0) / length * _RADIUS, (y1 - y0) / length * _RADIUS
    ax.annotate("", xy=(x1 - dx, y1 - dy), xytext=(x0 + dx, y0 + dy),
                arrowprops={"arrowstyle": "->", "color": "#595959", "lw": 1})
    lx, ly = x0 + (x1 - x0) * at, y0 + (y1 - y0) * at
    lx, ly = lx + (x1 - x0) * 0.08, ly + (y1 - y0) * 0.08  # off the crossing point
    ax.text(lx, ly, weight, ha="center", va="center", fontsize=8, color="#1F4E79",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"}, zorder=2)
