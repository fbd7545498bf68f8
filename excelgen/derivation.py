"""The Network sheet's derivation as data: blocks of lines, each a step in words with the value it shows.

The Network sheet (excelgen/network_sheet.py) writes any list of blocks the same way; which blocks a network gets
follows from the columns its LR sheet holds (network/columns.py), the one description of the network:

- a sheet with ∂E/∂a columns and one loss share per output (E1, E2: the classic 2-2-2 network) is derived as the
  textbook does: 1 forward pass, 2 the chain rule for the first output weight, 3 the output weights' gradients,
  4 how the error reaches the hidden layer (its two paths), 5 the hidden weights' gradients, 6 block 5 expanded;
- a sheet with δ columns (any other network): 1 forward pass, 2 the output δ, 3 the hidden δ, 4 the gradients;

and every network ends with the update rule, worked for the first weight of the output layer.

A line shows one value at the chosen row, or none:

    Line(text, shows="a_h1")                 the LR-sheet value of a header (offset=1: one row further down)
    Line(text, shows="η")                    the chosen LR sheet's learning rate
    Line(text, formula="{a_o1}-{t1}", label="∂E1/∂a_o1")
        a formula over values this sheet shows ({a header}, {a line's label}; the cell that shows it last)
        and the network's constants ({t1}: its defined name); `label` names the line's own value
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from excelgen import notation
from excelgen.notation import grad, paths
from network import Kind, Network, Quantity
from network.names import name

ETA = "η"
ACTIVATION_TEXT = {
    "sigmoid": ("σ", "a·(1 − a)"), "tanh": ("tanh", "(1 − a²)"), "relu": ("max(0, ·)", "1 if z > 0 else 0"),
    "linear": ("", "1"), "softmax": ("softmax", ""),
}
TEXTBOOK_TITLES = {
    1: "Block 1 · forward pass: every quantity from the inputs",
    2: "Block 2 · the chain rule for ∂E_total/∂w5",
    3: "Block 3 · gradients of the output weights w5 … w8",
    4: "Block 4 · how the error reaches the hidden layer",
    5: "Block 5 · gradients of the hidden weights w1 … w4, through block 4",
    6: "Block 6 · block 5 with block 4 substituted",
}
DELTA_TITLES = {
    1: "Block 1 · forward pass of example 1: every z and activation, then the loss",
    2: "Block 2 · the output layer's δ = ∂E/∂z",
    3: "Block 3 · the hidden layers' δ, from the layer above",
    4: "Block 4 · the gradients: the mean over the examples of δ · the activation below",
}
DELTA_COLOURS = {1: 1, 2: 3, 3: 4, 4: 5}  # block -> colour (styles.BLOCK_COLOURS)
UPDATE_COLOUR = 0  # the update rule has a grey title of its own (styles.update_rule)
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class Line:
    """One step of a block; see the module's text for what it shows."""

    text: str
    shows: str | None = None
    formula: str | None = None
    offset: int = 0
    label: str | None = None


@dataclass(frozen=True)
class Block:
    """A block's title, its colour (styles.BLOCK_COLOURS) and its lines; `update`: the update rule, written plainly."""

    title: str
    colour: int
    lines: tuple[Line, ...]
    update: bool = False


def derivation(net: Network) -> tuple[Block, ...]:
    """Every block of the network's Network sheet, in reading order, the update rule last."""
    blocks = _textbook_blocks(net) if _textbook(net) else _delta_blocks(net)
    return (*blocks, _update_rule(net))


def colour_key(net: Network) -> str:
    """The LR sheet's key to its header colours (styles.colour_block), naming the block that derives each."""
    if _textbook(net):
        parts = ("blue = weights, green = forward pass (block 1), purple = ∂E_total/∂a_h (block 4), "
                 "red = ∂E_total/∂w1…w4 (block 5), orange = ∂E_total/∂w5…w8 (block 3)")
    else:
        params = "weights and biases" if net.train_biases else "weights"
        hidden = ", red = ∂E_total/∂w of the hidden layers (block 4)" if len(net.layers) > 2 else ""
        parts = (f"blue = {params}, green = forward pass (block 1), purple = δ (blocks 2 and 3){hidden}, "
                 "orange = ∂E_total/∂w of the output layer (block 4)")
    return f"Header colours: {parts}. Hover a header for its formula."


def header_notes(net: Network) -> dict[str, str]:
    """The note of each LR-sheet header: the textbook's notation, or the line of the block that derives the column
    (for example 1; its words, without an example's suffix, hold for every example)."""
    if _textbook(net):
        return {c.header: notation.header_note(net, c.header) for c in net.columns()}
    steps = {line.shows: (line.text, block.title) for block in derivation(net) if not block.update
             for line in block.lines if line.shows is not None}
    notes = {}
    for c in net.columns():
        if c.kind in (Kind.ITERATION, Kind.WEIGHT, Kind.BIAS):
            notes[c.header] = notation.header_note(net, c.header)
            continue
        first = c.quantity if c.example is None else replace(c.quantity, example=1)
        if net.name_of(first) in steps:
            text, where = steps[net.name_of(first)]
            notes[c.header] = f"{text}\nNetwork sheet, {where.split(' ·')[0].lower()}."
    return notes


def _textbook(net: Network) -> bool:
    """Whether the LR sheet holds ∂E/∂a columns, which the textbook's six blocks derive."""
    return any(c.kind is Kind.DE_DA for c in net.columns())


def worked_weight(net: Network) -> Quantity:
    """The weight the update rule is worked for: the first weight of the output layer (w5 in the classic network)."""
    return Quantity(Kind.WEIGHT, len(net.layers) - 1, 1, 1)


def title(net: Network) -> str:
    """The sheet's title: the network in words when it has one hidden layer and one activation, else its shape."""
    words = lambda n: _NUMBERS[n] if n < len(_NUMBERS) else str(n)  # noqa: E731
    if len(net.layers) == 3 and len(set(net.activations)) == 1 and all(n > 1 for n in net.layers):
        n_in, n_hidden, n_out = net.layers
        return (f"Backpropagation by hand: {words(n_in)} inputs, {words(n_hidden)} hidden and {words(n_out)} output "
                f"{net.activations[0]} neurons")
    shape = "-".join(str(n) for n in net.layers)
    return f"Backpropagation by hand: a {shape} network ({', '.join(net.activations)}; {net.loss})"


# ---------------------------------------------------------------- through ∂E/∂a: the textbook's six blocks


def _textbook_blocks(net: Network) -> list[Block]:
    def shown(text: str, header: str) -> Line:
        return Line(text, shows=header)

    forward = [c.header for c in net.columns() if c.kind in (Kind.Z, Kind.A, Kind.ERROR, Kind.E_TOTAL)]
    outputs = [c.header for c in net.columns() if c.kind is Kind.WEIGHT and c.layer == 2]
    hidden = [c.header for c in net.columns() if c.kind is Kind.WEIGHT and c.layer == 1]
    block2 = [
        shown("∂E_total/∂w5 = ∂(E1 + E2)/∂w5 = ∂E1/∂w5   (E2 does not depend on w5)", grad("w5")),
        Line("∂E1/∂w5 = ∂E1/∂a_o1 · ∂a_o1/∂o1 · ∂o1/∂w5   (the product of the three lines below)",
             formula="{∂E1/∂a_o1}*{∂a_o1/∂o1}*{∂o1/∂w5}"),
        Line("∂E1/∂a_o1 = a_o1 − t1   (from E1 = ½·(t1 − a_o1)²)", formula="{a_o1}-{t1}", label="∂E1/∂a_o1"),
        Line("∂a_o1/∂o1 = a_o1·(1 − a_o1)   (the derivative of the sigmoid)", formula="{a_o1}*(1-{a_o1})",
             label="∂a_o1/∂o1"),
        Line("∂o1/∂w5 = a_h1   (o1 = w5·a_h1 + w6·a_h2 …)", formula="{a_h1}", label="∂o1/∂w5"),
    ]
    block4 = []
    for a in ("a_h1", "a_h2"):
        for k, w in enumerate(paths(net, grad(a)), start=1):
            o, t = f"a_o{k}", f"t{k}"
            block4.append(Line(f"∂E{k}/∂{a} = ∂E{k}/∂o{k} · ∂o{k}/∂{a} = ({o} − {t})·{o}·(1 − {o})·{w}",
                               formula=f"({{{o}}}-{{{t}}})*{{{o}}}*(1-{{{o}}})*{{{w}}}"))
        block4.append(shown(f"∂E_total/∂{a} = ∂E1/∂{a} + ∂E2/∂{a}   (the two paths above)", grad(a)))
    chain = "∂E_total/∂w1 = ∂E_total/∂a_h1 · ∂a_h1/∂h1 · ∂h1/∂w1   (the same three factors for w2, w3, w4)"
    lines = {
        1: [shown(notation.equation(net, h), h) for h in forward],
        2: block2,
        3: [shown(notation.equation(net, grad(w)), grad(w)) for w in outputs],
        4: block4,
        5: [shown(chain, grad("w1")), *(shown(notation.equation(net, grad(w)), grad(w)) for w in hidden)],
        6: [shown(notation.hidden_grad_expanded(net, grad(w)), grad(w)) for w in hidden],
    }
    return [Block(TEXTBOOK_TITLES[b], b, tuple(lines[b])) for b in range(1, 7)]


# ---------------------------------------------------------------- through δ: any network


def _delta_blocks(net: Network) -> list[Block]:
    """Blocks 1-4 for example 1 (a block without lines, the hidden δ of a network without hidden layers, is left out)."""
    n, L = len(net.examples), len(net.layers) - 1
    h = lambda q: name(q, examples=n)  # noqa: E731: a column's header
    # the names of network/names.py without an example's suffix: the blocks show example 1
    w = lambda l, j, k: name(Quantity(Kind.WEIGHT, l, j, k))  # noqa: E731
    z = lambda l, j: name(Quantity(Kind.Z, l, j, example=1))  # noqa: E731
    a = lambda l, j: name(Quantity(Kind.A, l, j, example=1) if l else Quantity(Kind.INPUT, 0, j, example=1))  # noqa: E731
    t = lambda j: name(Quantity(Kind.TARGET, neuron=j, example=1))  # noqa: E731
    d = lambda l, j: name(Quantity(Kind.DELTA, l, j, example=1))  # noqa: E731
    lines: dict[int, list[Line]] = {1: [], 2: [], 3: [], 4: []}
    for l in range(1, L + 1):
        f, _ = ACTIVATION_TEXT[net.activations[l - 1]]
        for j in range(1, net.layers[l] + 1):
            terms = " + ".join(f"{w(l, j, k)}·{a(l - 1, k)}" for k in range(1, net.layers[l - 1] + 1))
            bias = f" + {name(Quantity(Kind.BIAS, l, j))}" if net.train_biases or net.biases_given else ""
            lines[1].append(Line(f"{z(l, j)} = {terms}{bias}", shows=h(Quantity(Kind.Z, l, j, example=1))))
            value = f"{f}({z(l, j)})" if f else z(l, j)
            if net.activations[l - 1] == "softmax":
                value = f"e^{z(l, j)} / Σ_k e^z_{l}_k   (computed as e^(z − max z): no overflow)"
            lines[1].append(Line(f"{a(l, j)} = {value}", shows=h(Quantity(Kind.A, l, j, example=1))))
    loss = {"half-squared-error": "Σ_j ½(t_j − a_L_j)²", "cross-entropy": "−Σ_j t_j·ln a_L_j"}[net.loss]
    if net.loss == "cross-entropy" and net.activations[-1] != "softmax":
        loss = "−(t·ln a + (1 − t)·ln(1 − a))"
    loss = loss.replace("L", str(L))
    if n > 1:
        lines[1].append(Line(f"E = {loss}   (this example's loss)", shows=h(Quantity(Kind.LOSS, example=1))))
        lines[1].append(Line(f"E_total = (E[e1] + … + E[e{n}]) / {n}   (the mean over the examples)", shows="E_total"))
    else:
        lines[1].append(Line(f"E_total = {loss}", shows="E_total"))
    _, derivative = ACTIVATION_TEXT[net.activations[-1]]
    for j in range(1, net.layers[L] + 1):
        header = h(Quantity(Kind.DELTA, L, j, example=1))
        if net.loss == "cross-entropy":
            text = f"{d(L, j)} = ∂E/∂{z(L, j)} = {a(L, j)} − {t(j)}"
        elif net.activations[-1] == "softmax":
            text = f"{d(L, j)} = {a(L, j)}·(({a(L, j)} − {t(j)}) − Σ_k (a_{L}_k − t_k)·a_{L}_k)"
        else:
            text = f"{d(L, j)} = ∂E/∂{a(L, j)} · f'({z(L, j)}) = ({a(L, j)} − {t(j)})·{derivative}"
        lines[2].append(Line(text, shows=header))
    if net.loss == "cross-entropy":
        why = ("why a − t: Σ_j ∂E/∂a_j · ∂a_j/∂z_i = Σ_j (−t_j/a_j)·a_j(1[i=j] − a_i) = a_i·Σ_j t_j − t_i "
               "= a_i − t_i (the targets sum to 1)") if net.activations[-1] == "softmax" else (
               "why a − t: ∂E/∂a = (a − t)/(a(1 − a)) and σ'(z) = a(1 − a) cancel")
        lines[2].append(Line(why))
    for l in range(L - 1, 0, -1):
        _, derivative = ACTIVATION_TEXT[net.activations[l - 1]]
        for j in range(1, net.layers[l] + 1):
            above = " + ".join(f"{d(l + 1, k)}·{w(l + 1, k, j)}" for k in range(1, net.layers[l + 1] + 1))
            slope = derivative.replace("a", a(l, j)).replace("z", z(l, j))
            lines[3].append(Line(f"{d(l, j)} = ({above})·{slope}", shows=h(Quantity(Kind.DELTA, l, j, example=1))))
    mean = "mean over the examples of " if n > 1 else ""
    for l in range(1, L + 1):
        for j in range(1, net.layers[l] + 1):
            for k in range(1, net.layers[l - 1] + 1):
                gradient = h(Quantity(Kind.GRAD_WEIGHT, l, j, k))
                lines[4].append(Line(f"{gradient} = {mean}{d(l, j)}·{a(l - 1, k)}", shows=gradient))
            if net.train_biases:
                gradient = h(Quantity(Kind.GRAD_BIAS, l, j))
                lines[4].append(Line(f"{gradient} = {mean}{d(l, j)}", shows=gradient))
    return [Block(DELTA_TITLES[b], DELTA_COLOURS[b], tuple(lines[b])) for b in lines if lines[b]]


# ---------------------------------------------------------------- the update rule, every network


def _update_rule(net: Network) -> Block:
    """w − η·∂E_total/∂w at the chosen row equals the LR sheet's next w, worked for worked_weight()."""
    w = net.name_of(worked_weight(net))
    g = grad(w)
    weights = sum(1 for c in net.columns() if c.kind is Kind.WEIGHT)
    count = _NUMBERS[weights] if weights < len(_NUMBERS) else f"{weights:,}"
    what = f"all {count} weights" + (" and biases" if net.train_biases else "")
    lines = [
        Line("η, the learning rate of the chosen LR sheet (its cell B2)", shows=ETA, label=ETA),
        Line(f"{w} − η · ∂E_total/∂{w}, both at the chosen iteration", formula=f"{{{w}}}-{{{ETA}}}*{{{g}}}"),
        Line(f"= {w} one row further down that LR sheet (the next iteration)", shows=w, offset=1),
        Line(f"Every LR sheet applies the rule to {what} in every row, with its own η in B2."),
    ]
    if net.biases_given and not net.train_biases:
        biases = sorted({net.name_of(Quantity(Kind.BIAS, l, j))
                         for l in range(1, len(net.layers)) for j in range(1, net.layers[l] + 1)})
        named = " and ".join(biases) if len(biases) <= 2 else f"{biases[0]} … {biases[-1]}"
        lines.append(Line(f"The biases {named} are not trained: they keep their values, as in the classic example."))
    return Block(f"Update rule · {notation.UPDATE_RULE}", UPDATE_COLOUR, tuple(lines), update=True)
