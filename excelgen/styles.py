"""Colours and cell formats shared by the sheets: one colour per derivation block.

Block 0 is the weights; blocks 1-6 are the colours of the Network sheet's blocks (excelgen/derivation.py).
Each block has a strong tint for headers and titles and a light tint for its values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from network import Column, Kind, Network

# block -> (strong tint for headers, light tint for values)
BLOCK_COLOURS: dict[int, tuple[str, str]] = {
    0: ("#BDD7EE", "#EEF5FB"),  # weights
    1: ("#A9D08E", "#EEF6E8"),  # forward pass
    2: ("#FFD966", "#FFF7DB"),  # chain rule for w5
    3: ("#F4B084", "#FDEEE4"),  # ∂E_total/∂w5..w8
    4: ("#B4A7D6", "#EFECF7"),  # ∂E_total/∂a_h1, ∂E_total/∂a_h2
    5: ("#EA9999", "#FBEAEA"),  # ∂E_total/∂w1..w4
    6: ("#8FD3CB", "#E6F6F4"),  # block 5 expanded
}
# the lines of a chart with several: colour and dash both change from one line to the next (24 distinct pairs)
SERIES_COLOURS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F")
SERIES_DASHES = ("solid", "dash", "round_dot")
INPUT_FILL = "#FFF2CC"  # editable cells: pale yellow with blue text, the usual "you may type here"
INPUT_FONT = "#1F4E79"
DECIMALS = "0.000000000"  # weights and activations: nine decimals, as in the classic worked example
SCIENTIFIC = "0.000000E+00"  # errors and gradients shrink by orders of magnitude
RATE = "0.0###"  # a learning rate: 2 shows as 2.0
COUNT = "#,##0"  # every count: iterations, images, parameters
GRID = "#D0D0D0"  # thin borders that keep neighbouring numbers apart
FONT = "Calibri"
# the live diagram on the Network sheet: node kind -> fill (never yellow: yellow means "type here")
NODE_FILLS = {"input": "#DDEBF7", "neuron": BLOCK_COLOURS[1][0], "target": "#EDEDED", "error": "#F8CBAD"}


@dataclass(frozen=True)
class Styles:
    """The Format objects of one workbook."""

    title: Format
    subtitle: Format
    hint: Format
    key: Format  # a wrapped explanatory note
    label: Format
    input: Format  # an editable number
    eta: Format  # the editable learning rate: 2 shows as 2.0
    name: Format  # a defined name, in a fixed-width font
    table_header: Format
    iteration: Format
    value: dict[str, Format]  # a computed number outside the LR tables, by number format
    update_rule: Format
    block_header: dict[int, Format]  # header cells of LR tables
    block_title: dict[int, Format]  # a block's title line on the Network sheet
    block_line: dict[int, Format]  # an equation line of a block
    node_label: dict[str, Format]  # the live diagram: a node's name ("input", "neuron", "target", "error")
    node_value: dict[str, Format]  # ... and its value below it, boxed with the name
    edge_label: Format  # a weight's name on an edge of the diagram
    edge_value: Format
    exercise: Format  # an empty cell a student fills with a formula
    picker: Format  # an editable whole number with a label right of it: centred, so the two do not touch
    hidden: Format  # a helper cell the formulas read: its value and text do not show (number format ;;;)
    block_value: dict[tuple[int, str], Format]  # an LR-table cell: (colour block, number format)


def make_styles(wb: Workbook) -> Styles:
    """Create every format once per workbook."""
    base = {"font_name": FONT, "font_size": 10}
    fmt = lambda **props: wb.add_format(base | props)  # noqa: E731
    return Styles(
        title=fmt(bold=True, font_size=14, font_color="#1F3864"),
        subtitle=fmt(italic=True, font_color="#404040"),
        hint=fmt(italic=True, font_color="#7F7F7F"),
        key=fmt(italic=True, font_color="#595959", font_size=9, text_wrap=True, valign="top"),
        label=fmt(bold=True),
        input=fmt(bg_color=INPUT_FILL, font_color=INPUT_FONT, bold=True, border=1, border_color="#BFBFBF"),
        eta=fmt(bg_color=INPUT_FILL, font_color=INPUT_FONT, bold=True, border=1, border_color="#BFBFBF", num_format=RATE),
        name=fmt(font_name="Consolas", font_color="#404040", indent=1),
        table_header=fmt(bold=True, bottom=1, bg_color="#D9D9D9"),
        iteration=fmt(bold=True, align="center", bg_color="#F2F2F2", border=1, border_color=GRID),
        value={
            f: fmt(num_format=f, bg_color="#F2F2F2", border=1, border_color=GRID) for f in (DECIMALS, SCIENTIFIC, RATE, COUNT)
        },
        update_rule=fmt(bold=True, font_size=11, bg_color="#D9D9D9"),
        block_header={
            b: fmt(bold=True, bg_color=strong, align="center", valign="vcenter", text_wrap=True, bottom=1)
            for b, (strong, _) in BLOCK_COLOURS.items()
        },
        block_title={b: fmt(bold=True, font_size=11, bg_color=strong) for b, (strong, _) in BLOCK_COLOURS.items()},
        block_line={b: fmt(bg_color=light) for b, (_, light) in BLOCK_COLOURS.items()},
        node_label={k: fmt(bold=True, align="center", bg_color=fill, top=2, left=2, right=2, bottom=0)
                    for k, fill in NODE_FILLS.items()},
        node_value={k: fmt(align="center", bg_color=fill, bottom=2, left=2, right=2, top=0,
                           num_format=SCIENTIFIC if k == "error" else "0.0000")
                    for k, fill in NODE_FILLS.items()},
        edge_label=fmt(italic=True, align="center", font_color="#1F4E79"),
        edge_value=fmt(align="center", font_color="#1F4E79", num_format="0.0000", bottom=1, bottom_color="#1F4E79"),
        exercise=fmt(bg_color=INPUT_FILL, border=1, border_color="#BFBFBF"),
        picker=fmt(bg_color=INPUT_FILL, font_color=INPUT_FONT, bold=True, border=1, border_color="#BFBFBF", align="center"),
        hidden=fmt(num_format=";;;"),
        block_value={
            (b, f): fmt(num_format=f, bg_color=light, border=1, border_color=GRID)
            for b, (_, light) in BLOCK_COLOURS.items() for f in (DECIMALS, SCIENTIFIC)
        },
    )


_SCIENTIFIC_KINDS = {Kind.ERROR, Kind.LOSS, Kind.E_TOTAL, Kind.DE_DA, Kind.DELTA, Kind.GRAD_WEIGHT, Kind.GRAD_BIAS}


def value_format(kind: Kind) -> str:
    """An LR-table column's number format: scientific for losses and derivatives, nine decimals otherwise."""
    return SCIENTIFIC if kind in _SCIENTIFIC_KINDS else DECIMALS


def colour_block(net: Network, column: Column) -> int:
    """The colour of an LR-table column (BLOCK_COLOURS): 0 the iteration and the parameters, 1 the forward pass,
    4 how the error reaches a hidden layer (∂E/∂a, δ), 3 the output layer's gradients, 5 a hidden layer's."""
    kind = column.kind
    if kind in (Kind.ITERATION, Kind.WEIGHT, Kind.BIAS):
        return 0
    if kind in (Kind.Z, Kind.A, Kind.ERROR, Kind.LOSS, Kind.E_TOTAL):
        return 1
    if kind in (Kind.DE_DA, Kind.DELTA):
        return 4
    return 3 if column.layer == len(net.layers) - 1 else 5


def value_axis(name: str, *, log: bool = False, **scale) -> dict:
    """A chart's value axis with light gridlines; log=True: base 10, labels 1E-3, crossing at the bottom.

    `scale` passes min, max and major_unit through (see round_scale()).
    """
    axis = {"name": name, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}, **scale}
    if log:
        axis |= {"log_base": 10, "num_format": "0E+0", "crossing": "min"}
    return axis


def round_scale(low: float, high: float, ticks: int = 5) -> dict:
    """min, max and major_unit on round numbers (1, 2 or 5 times a power of ten) that hold [low, high]."""
    span = max(high - low, 1e-12)
    unit = min(u * 10.0**e for e in range(-12, 13) for u in (1, 2, 5) if u * 10.0**e >= span / ticks)
    return {k: _tidy(v) for k, v in (("min", math.floor(low / unit) * unit), ("max", math.ceil(high / unit) * unit),
                                      ("major_unit", unit))}


def _tidy(x: float) -> float | int:
    """0.30000000000000004 -> 0.3, 20.0 -> 20: the text the chart XML carries."""
    x = round(x, 12)
    return int(x) if x == int(x) else x


@dataclass(frozen=True)
class CnnStyles:
    """The Format objects of the CNN sheets: the same fonts, colours and number formats as Styles.

    Yellow (INPUT_FILL) means "type here" on every sheet; a formula has the grey of a computed value.
    """

    title: Format
    note: Format
    header: Format
    label: Format
    input: Format  # an editable number (a kernel, a stride, a channel count)
    text: Format  # a layer's name or kind
    count: Format  # a typed-in or saved count: images, parameters, confusion counts
    live_count: Format  # a count computed by a formula
    live_flag: Format  # TRUE/FALSE from a formula
    percent: Format  # an accuracy in %
    live_percent: Format
    loss: Format
    lr: Format
    diagonal: Format  # a correct prediction in the confusion matrix


def make_cnn_styles(wb: Workbook) -> CnnStyles:
    """Create the CNN sheets' formats; called only when the workbook gets them, after make_styles()."""
    base = {"font_name": FONT, "font_size": 10}
    fmt = lambda **props: wb.add_format(base | props)  # noqa: E731
    cell = {"border": 1, "border_color": GRID}
    computed = cell | {"bg_color": "#F2F2F2"}
    return CnnStyles(
        title=fmt(bold=True, font_size=14, font_color="#1F3864"),
        note=fmt(italic=True, font_color="#595959"),
        header=fmt(bold=True, bg_color=BLOCK_COLOURS[0][0], align="center", valign="vcenter", text_wrap=True, bottom=1),
        label=fmt(bold=True),
        input=fmt(bg_color=INPUT_FILL, font_color=INPUT_FONT, bold=True, border=1, border_color="#BFBFBF"),
        text=fmt(**cell),
        count=fmt(num_format=COUNT, **cell),
        live_count=fmt(num_format=COUNT, **computed),
        live_flag=fmt(bold=True, align="center", **computed),
        percent=fmt(num_format="0.00", **cell),
        live_percent=fmt(num_format="0.00", **computed),
        loss=fmt(num_format="0.0000", **cell),
        lr=fmt(num_format="0.000000", **cell),
        diagonal=fmt(num_format=COUNT, bold=True, bg_color="#C6EFCE", **cell),
    )


MAP_FONT_SIZE = 6  # numbers inside the narrow square cells of the CNN Forward sheet's pictures
HIDE_ZEROS = "General;-General;;@"  # paper and the zeros of ReLU stay blank, so a map reads as a picture
MAP_COLOURS = {  # colour scales of the CNN Forward sheet: pixels as on paper, feature maps white to dark blue
    "pixels": ("#FFFFFF", "#000000"),
    "maps": ("#FFFFFF", "#1F3864"),
}


@dataclass(frozen=True)
class ForwardStyles:
    """The Format objects of the CNN Forward sheet, in the same fonts and colours: yellow cells are typed values
    (the pixels, every trained parameter, the label), the maps carry colour scales (MAP_COLOURS)."""

    layer_title: Format  # the title line of one layer's block
    channel: Format  # "ch 3" above a map or kernel, "μ" above a BatchNorm value
    pixel: Format  # an editable raw intensity 0–255
    parameter: Format  # an editable kernel weight, BatchNorm value, head weight or bias
    constant: Format  # a fixed number the formulas use: the normalisation's mean and std, BatchNorm's ε
    map: Format  # one value of a feature map (a formula)
    value: Format  # a computed number outside the maps: logits, e^(z − max)
    probability: Format
    big_input: Format  # the true label
    big_value: Format  # the predicted digit


def make_forward_styles(wb: Workbook) -> ForwardStyles:
    """Create the CNN Forward sheet's formats; called only when the workbook gets that sheet."""
    base = {"font_name": FONT, "font_size": 10}
    fmt = lambda **props: wb.add_format(base | props)  # noqa: E731
    small = {"font_size": MAP_FONT_SIZE, "align": "center", "valign": "vcenter"}
    typed = {"bg_color": INPUT_FILL, "font_color": INPUT_FONT, "border": 1, "border_color": "#BFBFBF"}
    computed = {"bg_color": "#F2F2F2", "border": 1, "border_color": GRID}
    return ForwardStyles(
        layer_title=fmt(bold=True, font_size=12, font_color="#1F3864"),
        channel=fmt(font_size=7, font_color="#595959", valign="bottom"),
        pixel=fmt(**small, bg_color=INPUT_FILL, font_color="#7F7F7F", num_format=HIDE_ZEROS),
        parameter=fmt(**small, **typed),
        constant=fmt(border=1, border_color=GRID, num_format="0.0####"),
        map=fmt(**small, font_color="#7F7F7F", num_format=HIDE_ZEROS),
        value=fmt(**small, **computed),
        probability=fmt(**small, **computed, bold=True),
        big_input=fmt(bold=True, font_size=14, align="center", **typed),
        big_value=fmt(bold=True, font_size=14, align="center", **computed),
    )
