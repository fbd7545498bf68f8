"""The live network diagram on the Network sheet: where its nodes, edges and labels sit, for any network.

The sheet draws it as an XY scatter chart (excelgen/network_sheet.py): a line for every edge, a marker for every
node, and a label for each node and weight whose text is a cell holding a live formula ("w5 0.4000"). Layer l
sits at x = l (the inputs at 0), its neurons one unit apart down the y axis, each layer centred on y = 0; the
targets and each output's loss share (where the LR sheet has one) stand right of the outputs, E_total below the
loss shares, each layer's biases below it. The classic 2-2-2 network as LibreOffice draws it:

    i1 0.0500 ●──w1 0.1500──────────● a_h1 0.5069 ─w5 0.4000─────────● a_o1 0.6065   ○ t1 0.5000   ● E1 5.67E-03
                 w3 0.2500   w2 0.2000     ╲     w7 0.5000  w6 0.4500
                        ╲  ╱                  ╲          ╱
                        ╱  ╲                     ╳
    i2 0.1000 ●─────────w4 0.3000───● a_h2 0.5106 ────────w8 0.5500──● a_o2 0.6305   ○ t2 0.5000   ● E2 8.51E-03
                                                                                                   ● E_total 1.42E-02

A weight's label sits on its edge, boxed in white: starting k/(n+1) of the way (k the neuron it leaves, n the
neurons of its layer), each label in turn moves to the place from a tenth to nine tenths of the way whose box (its
text's size at the chart's scale) overlaps least with the nodes, their labels and the other labels; so the crossing
w3 and w2 never stack. Between two layers with more than LABELLED_EDGES edges the lines are drawn but not labelled
(the sheet says so). LibreOffice draws it all; Gnumeric draws the lines and nodes but
not labels taken from series names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from network import Kind, Network, Quantity
from network.layout import constant_name, fixed_bias_name
from network.names import name

LABELLED_EDGES = 24  # the most weight labels one gap between two layers shows (4·6: still readable)
RIGHT_OF_OUTPUTS = (0.55, 1.1)  # x of the targets and the loss shares, from the output layer
BELOW = 0.8  # how far under a layer's lowest neuron its biases start
# the chart's size in pixels: its width fits columns I..O of the Network sheet, its height grows with the network
WIDTH_PX, Y_UNIT_PX = 770, 80  # 770: the width of columns I..O (network_sheet.COLUMN_WIDTHS)
X_MARGINS = (-0.75, 1.85)  # the x range: from the inputs - 0.75 to the outputs + 1.85 (room for E_total's label)
LABEL_PT = 9  # the labels' font size (before the page's print scale)
CHAR_PX, LINE_PX = 6.5, 14  # a label's character width and height at that size, for keeping labels apart


@dataclass(frozen=True)
class Node:
    """A labelled point: its name, its place (x, y) and what colours it (kind: "input", "neuron", "target",
    "error"). Its value is the Network-sheet constant `constant` (a defined name) or else the LR-sheet value of
    `header` at the chosen row."""

    label: str
    kind: str
    x: float
    y: float
    header: str | None = None
    constant: str | None = None
    quantity: Quantity | None = None  # a constant's quantity (its value: Network.constant)


@dataclass(frozen=True)
class Edge:
    """A weight's line from (x0, y0) to (x1, y1), into layer `layer`; its label (the weight `header` and its
    value at the chosen row) sits at the fraction `at` of the way, when `labelled`."""

    header: str
    layer: int
    x0: float
    y0: float
    x1: float
    y1: float
    at: float
    labelled: bool

    @property
    def label_point(self) -> tuple[float, float]:
        return self.x0 + self.at * (self.x1 - self.x0), self.y0 + self.at * (self.y1 - self.y0)


def neuron_y(net: Network, layer: int, j: int) -> float:
    """The y of neuron j (1-based) of a layer: one unit apart, the first on top, each layer centred on 0."""
    return (net.layers[layer] + 1) / 2 - j


def lowest(net: Network) -> float:
    """The y of the lowest neuron of the widest layer."""
    return (1 - max(net.layers)) / 2


def nodes(net: Network) -> list[Node]:
    """Every labelled point: the inputs, the neurons, the targets, the loss shares, E_total and the biases."""
    n, L = len(net.examples), len(net.layers) - 1
    label = lambda q: name(q, classic=net.classic)  # noqa: E731: a node's name, example 1 without its suffix
    found = []
    for j in range(1, net.layers[0] + 1):
        x = Quantity(Kind.INPUT, 0, j, example=1)
        found.append(Node(label(x), "input", 0, neuron_y(net, 0, j), constant=constant_name(x, n, net.classic),
                          quantity=x))
    for l in range(1, L + 1):
        for j in range(1, net.layers[l] + 1):
            a = Quantity(Kind.A, l, j, example=1)
            found.append(Node(label(a), "neuron", l, neuron_y(net, l, j), header=net.name_of(a)))
    errors = {c.header for c in net.columns() if c.kind is Kind.ERROR}
    x_target, x_error = (L + dx for dx in RIGHT_OF_OUTPUTS)
    for j in range(1, net.layers[L] + 1):
        t, e = Quantity(Kind.TARGET, neuron=j, example=1), Quantity(Kind.ERROR, neuron=j, example=1)
        y = neuron_y(net, L, j)
        found.append(Node(label(t), "target", x_target, y, constant=constant_name(t, n, net.classic), quantity=t))
        if net.name_of(e) in errors:
            found.append(Node(label(e), "error", x_error, y, header=net.name_of(e)))
    found.append(Node("E_total", "error", x_error, lowest(net) - BELOW, header="E_total"))
    return found + _biases(net)


def _biases(net: Network) -> list[Node]:
    """Under each layer, its biases: a trained one's LR-sheet value, a fixed one's constant (one point per
    defined name: the classic network's two neurons of a layer share b1)."""
    if not (net.train_biases or net.biases_given):
        return []
    found, seen = [], set()
    for l in range(1, len(net.layers)):
        for j in range(1, net.layers[l] + 1):
            b = Quantity(Kind.BIAS, l, j)
            y = lowest(net) - BELOW - 0.5 * len([f for f in found if f.x == l])
            if net.train_biases:
                found.append(Node(net.name_of(b), "target", l, y, header=net.name_of(b)))
                continue
            defined = fixed_bias_name(l, j, net.classic)
            if defined not in seen:
                seen.add(defined)
                found.append(Node(net.name_of(b), "target", l, y, constant=defined, quantity=b))
    return found


def x_range(net: Network) -> tuple[float, float]:
    return X_MARGINS[0], len(net.layers) - 1 + X_MARGINS[1]


def x_unit_px(net: Network) -> float:
    low, high = x_range(net)
    return 0.97 * WIDTH_PX / (high - low)  # with no axes the plot area is nearly the whole chart


def edges(net: Network) -> list[Edge]:
    """Every weight's line, layer by layer, ordered by the neuron it leaves and then the one it reaches."""
    found = []
    for l in range(1, len(net.layers)):
        below, here = net.layers[l - 1], net.layers[l]
        for k in range(1, below + 1):
            for j in range(1, here + 1):
                found.append(Edge(net.name_of(Quantity(Kind.WEIGHT, l, j, k)), l, l - 1, neuron_y(net, l - 1, k), l,
                                  neuron_y(net, l, j), at=k / (below + 1), labelled=below * here <= LABELLED_EDGES))
    return _spread(net, found)


def _spread(net: Network, found: list[Edge]) -> list[Edge]:
    """Each labelled edge's label moved to the place along it (a tenth to nine tenths of the way) whose box overlaps
    least with the nodes, their labels and the other labels; three rounds, each edge in turn."""
    fixed = [_box(net, n.x, n.y, 2, 1) for n in nodes(net)] + [_node_label_box(net, n) for n in nodes(net)]
    box = lambda e, f: _box(net, e.x0 + f, e.y0 + f * (e.y1 - e.y0), len(e.header) + 8, 1)  # noqa: E731
    for _ in range(3):
        for i, e in enumerate(found):
            if e.labelled:
                others = fixed + [box(o, o.at) for o in found if o.labelled and o is not e]
                cost = lambda f: (round(_overlap(box(e, f), others)), abs(f - e.at))  # noqa: E731
                best = min((f / 40 for f in range(4, 37)), key=cost)
                found[i] = replace(e, at=best)
    return found


def _box(net: Network, x: float, y: float, chars: int, lines: int) -> tuple[float, float, float, float]:
    """The pixels a label of `chars` characters centred on (x, y) covers: left, bottom, right, top."""
    cx, cy, w, h = x * x_unit_px(net), y * Y_UNIT_PX, chars * CHAR_PX / 2 + 3, lines * LINE_PX / 2 + 1
    return cx - w, cy - h, cx + w, cy + h


def _node_label_box(net: Network, node: Node) -> tuple[float, float, float, float]:
    """Roughly where a node's label stands: left of an input, right of a loss share, above the others."""
    chars = len(node.label) + 8
    dx = {"input": -(chars * CHAR_PX / 2 + 8), "error": chars * CHAR_PX / 2 + 8}.get(node.kind, 0) / x_unit_px(net)
    dy = 0 if node.kind in ("input", "error") else (LINE_PX + 4) / Y_UNIT_PX
    return _box(net, node.x + dx, node.y + dy, chars, 1)


def _overlap(box: tuple[float, float, float, float], others: list[tuple[float, float, float, float]]) -> float:
    """The area `box` shares with the boxes `others`, in square pixels."""
    return sum(max(0.0, min(box[2], o[2]) - max(box[0], o[0])) * max(0.0, min(box[3], o[3]) - max(box[1], o[1]))
               for o in others)

