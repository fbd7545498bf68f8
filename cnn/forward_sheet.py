"""The CNN Forward sheet: the trained model's forward pass on one test digit, as live formulas.

Top to bottom (columns B onwards are small square cells, WIDTH of them, so that maps look like pictures):

    input      the 28 × 28 raw pixels (yellow: type to paint), their normalisation (pixel/255 − mean)/std; under
               them the true label (yellow), the predicted digit and a bar chart of the 10 probabilities
    conv       one block per 3×3 convolution: its parameters (yellow), a kernel per input channel and BatchNorm's
               μ, σ², γ, β per output channel, then its output maps, each cell
               =MAX(0,(SUMPRODUCT(window of input channel 1,its kernel)+…−μ)/SQRT(σ²+ε)*γ+β)
    maxpool    its output maps, each cell =MAX(2×2 window)
    gap, head  one table: the averages of the last maps (=AVERAGE) in a row; under them the 1×1 convolution's
               weights, one row per digit, its bias, the logit z = SUMPRODUCT(averages, weights) + bias,
               e^(z − max z) and the probability e/Σe (subtracting max z keeps EXP from overflowing)

The blocks follow the layer plan of architecture.json (cnn.config.layer_plan), so any model of the cnn configs
gets its sheet. Every formula cell carries its value from PyTorch's forward pass (cnn.forward.ForwardPass), so
viewers that do not recalculate show the real maps. Cells are placed on a _MapGrid (excelgen.grid.Grid, with
merged cells, colour scales and rows kept on one page) in any order and written row by row at the end, as
XlsxWriter's constant_memory mode requires.

Printed, the sheet is one landscape page wide at a legible scale (excelgen/printing.py): WIDTH square columns,
the input's panel under its pictures, page breaks between maps, never through one. The maps, kernels and the head's
weights are pictures (a colour scale, digits hidden: the formula bar shows a selected cell's value); every number
that shows is 10 pt in a merged cell wide enough for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import functools

import numpy as np
import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_range, xl_range_abs, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from cnn.config import IMAGE_SIZE, N_CLASSES
from excelgen.grid import Grid
from excelgen.printing import page_rows, page_setup
from excelgen.styles import MAP_COLOURS, CnnStyles, ForwardStyles, make_forward_styles, value_axis

if TYPE_CHECKING:  # cnn.forward needs torch; this module only reads what it computed
    from cnn.forward import ForwardPass, LayerPass

FORWARD_SHEET = "CNN Forward"
PIXELS_NAME = "cnn_pixels"  # the 28 × 28 raw intensities
PROBABILITIES_NAME = "cnn_probabilities"  # 10 cells, digits 0–9
PREDICTION_NAME = "cnn_prediction"
LABEL_NAME = "cnn_label"

WIDTH = 2 * IMAGE_SIZE + 1  # square columns the blocks are packed into: the pixels and their normalisation, or
# two 26 × 26 maps side by side: a landscape page wide at a legible scale
LEFT = 1  # column A is a margin
CELL_WIDTH = 2.14  # characters: 20 pixels, as wide as a default row (15 points) is high
WIDE = 3  # a number that must show in full spans this many square columns (a merged cell)
HEAD_WIDE = 5  # ... in the softmax table, under headers as long as "e^(z − max z)"
FIRST_BLOCK_ROW = 4
PANEL_ROW = FIRST_BLOCK_ROW + 3 + IMAGE_SIZE  # under the pixels: label, prediction, the constants and the chart
PANEL_COL = LEFT
LABEL_CELL = (PANEL_ROW, PANEL_COL + 7)  # the panel's first value
PREDICTION_CELL = (PANEL_ROW + 1, PANEL_COL + 7)
CHART_COL, CHART_ROWS = PANEL_COL + 12, 13  # the bar chart of the probabilities, right of the panel


def write_forward_sheet(workbook: xlsxwriter.Workbook, forward: ForwardPass, title: str, cnn: CnnStyles) -> None:
    """Add the CNN Forward sheet for `forward`, with the defined names cnn_pixels, cnn_probabilities,
    cnn_prediction and cnn_label."""
    s = make_forward_styles(workbook)
    ws = workbook.add_worksheet(FORWARD_SHEET, worksheet_class=WORKSHEET_CLASS)
    grid = _MapGrid(ws)
    grid.string(0, 0, title, cnn.title)
    ws.set_row(1, 30)  # two lines each: the notes wrap within the printed width
    ws.set_row(2, 30)
    grid.string(1, 0, "Yellow cells: type here. Paint a pixel (0 = paper, 255 = ink), change a kernel weight or a "
              "BatchNorm value, and every map below, the probabilities and the predicted digit follow. Each map has "
              "its own colour scale, from white (its smallest value) to dark (its largest).", s.intro, width=LEFT + WIDTH)
    grid.string(2, 0, "The layers of the CNN Architecture sheet, top to bottom, in eval mode: BatchNorm uses its "
              "running mean and variance, Dropout does nothing. Grey numbers are formulas; their saved values "
              "come from PyTorch's forward pass. The maps, kernels and weights show their values as colours (kernels and weights: "
              "blue negative, white 0, red positive); select a cell to read its number.", s.intro, width=LEFT + WIDTH)
    grid.keep(0, FIRST_BLOCK_ROW)

    row, source = _input_block(grid, FIRST_BLOCK_ROW, forward, s, cnn)
    for p in forward.layers[:-2]:
        block = _conv_block if p.layer.kind == "conv" else _pool_block
        row, source = block(grid, row, p, source, s, cnn)
    probabilities, digits = _head_block(grid, row, forward, source, s, cnn)
    grid.write(ws)

    sheet = quote_sheetname(FORWARD_SHEET)
    pixels_top = FIRST_BLOCK_ROW + 2
    for name, ref in (
        (PIXELS_NAME, xl_range_abs(pixels_top, LEFT, pixels_top + IMAGE_SIZE - 1, LEFT + IMAGE_SIZE - 1)),
        (PROBABILITIES_NAME, xl_range_abs(*probabilities, probabilities[0] + N_CLASSES - 1, probabilities[1])),
        (PREDICTION_NAME, xl_rowcol_to_cell(*PREDICTION_CELL, True, True)),
        (LABEL_NAME, xl_rowcol_to_cell(*LABEL_CELL, True, True)),
    ):
        workbook.define_name(name, f"={sheet}!{ref}")
    _chart(workbook, ws, probabilities, digits)
    ws.set_column(0, 0, 2)
    ws.set_column(LEFT, max(grid.last_col, LEFT + WIDTH - 1), CELL_WIDTH)
    ws.hide_gridlines(2)
    scale = page_setup(ws, last_col=max(grid.last_col, LEFT + WIDTH - 1))
    ws.set_h_pagebreaks(grid.page_breaks(page_rows(scale)))


class ClassicFunctionsWorksheet(Worksheet):
    """A worksheet whose formulas use only long-standing functions (SUMPRODUCT, MAX, SQRT, AVERAGE, EXP, SUM,
    MATCH). XlsxWriter rewrites every formula with some 30 regular expressions for Excel 365's newer functions
    (FILTER -> _xlfn._xlws.FILTER, ...), none of which occurs here; skipping them writes the same bytes in a
    third of the time (tests/test_cnn_forward.py compares both)."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        return formula.removeprefix("=")


WORKSHEET_CLASS = ClassicFunctionsWorksheet


@dataclass(frozen=True)
class _Maps:
    """Where the channels of one layer's output sit: the top-left cell of each size × size map."""

    size: int
    origins: tuple[tuple[int, int], ...]


def _input_block(grid: _MapGrid, top: int, forward: ForwardPass, s: ForwardStyles, cnn: CnnStyles) -> tuple[int, _Maps]:
    """The raw pixels, their normalisation and under them the panel: the label, the prediction, the constants."""
    digit = forward.digit
    first = top + 2
    norm_left = LEFT + IMAGE_SIZE + 1
    grid.string(top, LEFT, f"input · 1 × {IMAGE_SIZE} × {IMAGE_SIZE} · MNIST test image #{digit.index}, "
              f"label {digit.label}", s.layer_title)
    grid.string(top + 1, LEFT, "pixels: raw intensities 0–255 (type here to paint)", cnn.note)
    grid.string(top + 1, norm_left, "normalised: (pixel/255 − mean)/std", cnn.note)

    panel, value_col = LABEL_CELL
    mean, std = (xl_rowcol_to_cell(panel + k, value_col, True, True) for k in (3, 4))
    prediction = int(np.argmax(forward.probabilities))
    for k, (label, kind, content, value, fmt) in enumerate((
        ("true label", "number", digit.label, None, s.big_input),
        ("predicted digit", "formula", f"=MATCH(MAX({PROBABILITIES_NAME}),{PROBABILITIES_NAME},0)-1", prediction,
         s.big_value),
        ("correct", "formula", f"={PREDICTION_NAME}={LABEL_NAME}", prediction == digit.label, cnn.live_flag),
        ("mean", "number", forward.mean, None, s.constant),
        ("std", "number", forward.std, None, s.constant),
    )):
        grid.string(panel + k, PANEL_COL, label, cnn.label)
        if kind == "number":
            grid.number(panel + k, value_col, content, fmt, width=WIDE)
        else:
            grid.formula(panel + k, value_col, content, fmt, value, width=WIDE)
    assert panel == first + IMAGE_SIZE + 1 and PREDICTION_CELL == (panel + 1, value_col)

    for y in range(IMAGE_SIZE):
        for x in range(IMAGE_SIZE):
            pixel = xl_rowcol_to_cell(first + y, LEFT + x)
            grid.number(first + y, LEFT + x, digit.pixels[y][x], s.pixel)
            grid.formula(first + y, norm_left + x, f"=({pixel}/255-{mean})/{std}", s.map, forward.normalised[y, x])
    grid.colour_scale(first, LEFT, IMAGE_SIZE, "pixels", low=0, high=255)
    grid.colour_scale(first, norm_left, IMAGE_SIZE, "pixels")
    grid.keep(top, panel + CHART_ROWS)
    return panel + CHART_ROWS + 1, _Maps(IMAGE_SIZE, ((first, norm_left),))


def _conv_block(
    grid: _MapGrid, top: int, p: LayerPass, source: _Maps, s: ForwardStyles, cnn: CnnStyles
) -> tuple[int, _Maps]:
    """A 3×3 convolution with BatchNorm and ReLU: its parameters, then its output maps."""
    layer, bn = p.layer, p.batchnorm
    n, k = layer.output_size, layer.kernel
    grid.string(top, LEFT, f"{layer.name} · {k}×{k} convolution, {layer.channels_in} → {layer.channels_out} channels, "
              f"padding {layer.padding}, then BatchNorm and ReLU · output {layer.channels_out} × {n} × {n}",
              s.layer_title)
    eps_col = LEFT + WIDTH - WIDE
    grid.string(top, eps_col - 6, "BatchNorm ε", cnn.note)
    grid.number(top, eps_col, bn.eps, s.constant, width=WIDE)
    eps = xl_rowcol_to_cell(top, eps_col, True, True)
    grid.string(top + 1, LEFT, "each cell = MAX(0, (SUMPRODUCT(3×3 window of input channel 1, its kernel) + … "
              "+ SUMPRODUCT(window of the last input channel, its kernel) − μ) / SQRT(σ² + ε) · γ + β)", cnn.note)
    grid.string(top + 2, LEFT, "parameters, one group per output channel (out): a kernel per input channel (in), "
              "then BatchNorm's running mean μ, running variance σ², scale γ and shift β", cnn.note)
    grid.keep(top, top + 4)  # the titles with the first parameters
    kernels, norms, row = _conv_parameters(grid, top + 3, p, s)

    grid.string(row, LEFT, f"output: {layer.channels_out} maps of {n} × {n}", cnn.note)
    grid.keep(row, row + 1)
    maps = _pack(grid, row + 1, n, layer.channels_out, s)
    for o, (r0, c0) in enumerate(maps.origins):
        mu, var, gamma, beta = norms[o]
        for y in range(n):
            for x in range(n):
                terms = [
                    _window_product(y, x, layer.stride, layer.padding, k, source.size, origin, kernel)
                    for origin, kernel in zip(source.origins, kernels[o])
                ]
                total = "+".join(t for t in terms if t) or "0"
                formula = f"=MAX(0,({total}-{mu})/SQRT({var}+{eps})*{gamma}+{beta})"
                grid.formula(r0 + y, c0 + x, formula, s.map, p.output[o, y, x])
        grid.colour_scale(r0, c0, n, "maps")
    return _bottom(maps) + 1, maps


def _pool_block(
    grid: _MapGrid, top: int, p: LayerPass, source: _Maps, s: ForwardStyles, cnn: CnnStyles
) -> tuple[int, _Maps]:
    """A max-pool: each output cell is the MAX of its window in the same channel."""
    layer = p.layer
    n, k = layer.output_size, layer.kernel
    grid.string(top, LEFT, f"{layer.name} · {k}×{k} max-pool, stride {layer.stride} · output {layer.channels_out} × "
              f"{n} × {n}", s.layer_title)
    grid.string(top + 1, LEFT, f"each cell = MAX of its {k}×{k} window; Dropout, which follows in training, does "
              "nothing at evaluation", cnn.note)
    grid.keep(top, top + 2)
    maps = _pack(grid, top + 2, n, layer.channels_out, s)
    for channel, ((r0, c0), (i0, j0)) in enumerate(zip(maps.origins, source.origins)):
        for y in range(n):
            for x in range(n):
                top_in, left_in = i0 + y * layer.stride, j0 + x * layer.stride
                window = xl_range(top_in, left_in, top_in + k - 1, left_in + k - 1)
                grid.formula(r0 + y, c0 + x, f"=MAX({window})", s.map, p.output[channel, y, x])
        grid.colour_scale(r0, c0, n, "maps")
    return _bottom(maps) + 1, maps


def _head_block(
    grid: _MapGrid, top: int, forward: ForwardPass, source: _Maps, s: ForwardStyles, cnn: CnnStyles
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Global average pooling, the 1×1 convolution and the softmax, in one table with a row per digit.

    Returns the (row, column) of the first probability and of the first digit label (10 cells down each).
    """
    gap, head = forward.layers[-2:]
    channels = gap.layer.channels_out
    grid.string(top, LEFT, f"{gap.layer.name} · global average pooling: the mean of each map · output {channels} × 1 × 1",
              s.layer_title)
    grid.string(top + 1, LEFT, f"{head.layer.name} · 1×1 convolution, {channels} → {N_CLASSES} channels, with bias, then "
              f"a softmax · output {N_CLASSES} probabilities", s.layer_title)
    grid.string(top + 2, LEFT, "logit z = SUMPRODUCT(the averages, the digit's weights) + bias;  probability = "
              "e^(z − max z) / Σ e^(z − max z): subtracting the largest logit keeps EXP from overflowing", cnn.note)
    header, averages, first = top + 3, top + 4, top + 5
    weights_col = LEFT + 2
    bias_col = weights_col + channels + 1
    logit_col, exp_col, prob_col = (bias_col + HEAD_WIDE * k for k in (1, 2, 3))
    for col, text in ((LEFT, "digit"), (bias_col, "bias"), (logit_col, "logit z"), (exp_col, "e^(z − max z)"),
                      (prob_col, "probability")):
        grid.string(header, col, text, s.channel)
    grid.string(averages, LEFT, "gap", s.channel)
    for i, ((r0, c0), mean) in enumerate(zip(source.origins, gap.output.reshape(-1))):
        grid.string(header, weights_col + i, str(i + 1), s.channel)
        window = xl_range_abs(r0, c0, r0 + source.size - 1, c0 + source.size - 1)
        grid.formula(averages, weights_col + i, f"=AVERAGE({window})", s.map, mean)
    grid.colour_scale(averages, weights_col, (1, channels), "maps")
    grid.colour_scale(first, weights_col, (N_CLASSES, channels), "weights")
    average_row = xl_range_abs(averages, weights_col, averages, weights_col + channels - 1)

    largest = xl_rowcol_to_cell(first + N_CLASSES, logit_col, True, True)
    exps = xl_range_abs(first, exp_col, first + N_CLASSES - 1, exp_col)
    for digit in range(N_CLASSES):
        row = first + digit
        grid.number(row, LEFT, digit, s.channel)
        for i in range(channels):
            grid.number(row, weights_col + i, head.weight[digit, i, 0, 0], s.parameter)
        grid.number(row, bias_col, head.bias[digit], s.typed_number, width=HEAD_WIDE)
        weights = xl_range(row, weights_col, row, weights_col + channels - 1)
        bias, logit, exp = (xl_rowcol_to_cell(row, c) for c in (bias_col, logit_col, exp_col))
        grid.formula(row, logit_col, f"=SUMPRODUCT({average_row},{weights})+{bias}", s.value, forward.logits[digit],
                     width=HEAD_WIDE)
        grid.formula(row, exp_col, f"=EXP({logit}-{largest})", s.value, forward.exps[digit], width=HEAD_WIDE)
        grid.formula(row, prob_col, f"={exp}/SUM({exps})", s.probability, forward.probabilities[digit],
                     width=HEAD_WIDE)
    grid.string(first + N_CLASSES, bias_col, "max z", s.channel)
    logits = xl_range_abs(first, logit_col, first + N_CLASSES - 1, logit_col)
    grid.formula(first + N_CLASSES, logit_col, f"=MAX({logits})", s.value, float(np.max(forward.logits)),
                 width=HEAD_WIDE)
    grid.keep(top, first + N_CLASSES)
    return (first, prob_col), (first, LEFT)


def _conv_parameters(grid: _MapGrid, top: int, p: LayerPass, s: ForwardStyles):
    """The kernels and BatchNorm values of a convolution, one group per output channel, packed into WIDTH.

    A group: the output channel's number, its kernels (per_row of them side by side, as many rows of kernels as
    it takes), then μ, σ², γ, β. Returns the kernels' (top, left) per output and input channel, the BatchNorm
    cells (absolute references) per output channel, and the first free row.
    """
    c_out, c_in, k, _ = p.weight.shape
    per_row = max(1, min(c_in, (WIDTH - 2 - 4 * WIDE) // (k + 1)))
    kernel_rows = -(-c_in // per_row)
    group_width = 1 + per_row * (k + 1) + 4 * WIDE + 1
    per_line = max(1, (WIDTH + 1) // group_width)
    group_height = kernel_rows * (k + 1)
    header = top
    for g in range(min(per_line, c_out)):
        left = LEFT + g * group_width
        grid.string(header, left, "out", s.channel)
        for i in range(per_row):
            grid.string(header, left + 1 + i * (k + 1), f"in {i + 1}", s.channel)
        for j, symbol in enumerate(("μ", "σ²", "γ", "β")):
            grid.string(header, left + 1 + per_row * (k + 1) + j * WIDE, symbol, s.channel)
    lines = -(-c_out // per_line)
    for line in range(lines):  # a line of groups: its rows of kernels, not the blank row under them
        grid.keep(top + 1 + line * group_height, top + (line + 1) * group_height - 1)
    kernels, norms = [], []
    bn = p.batchnorm
    for o in range(c_out):
        line, g = divmod(o, per_line)
        r0, left = top + 1 + line * group_height, LEFT + g * group_width
        grid.number(r0, left, o + 1, s.channel)
        corners = []
        for i in range(c_in):
            kr, kc = r0 + (i // per_row) * (k + 1), left + 1 + (i % per_row) * (k + 1)
            for dy in range(k):
                for dx in range(k):
                    grid.number(kr + dy, kc + dx, p.weight[o, i, dy, dx], s.parameter)
            grid.colour_scale(kr, kc, k, "weights")
            corners.append((kr, kc))
        kernels.append(corners)
        bn_col = left + 1 + per_row * (k + 1)
        values = (bn.mean[o], bn.var[o], bn.gamma[o], bn.beta[o])
        for j, value in enumerate(values):
            grid.number(r0, bn_col + j * WIDE, value, s.typed_number, width=WIDE)
        norms.append(tuple(xl_rowcol_to_cell(r0, bn_col + j * WIDE, True, True) for j in range(4)))
    return kernels, norms, top + 1 + lines * group_height


# A window's range recurs once per output channel, a kernel's range at every position: each is written once.
_range, _range_abs = functools.lru_cache(maxsize=1 << 16)(xl_range), functools.lru_cache(maxsize=1 << 16)(xl_range_abs)


def _window_product(
    y: int, x: int, stride: int, padding: int, k: int, size: int, origin: tuple[int, int], kernel: tuple[int, int]
) -> str:
    """SUMPRODUCT of the window of output (y, x) in one input map and the kernel; the part of the window outside
    the map (zero padding) is cut from both ranges. Empty text when nothing of the window lies inside."""
    y0, x0 = y * stride - padding, x * stride - padding
    top, bottom = max(y0, 0), min(y0 + k - 1, size - 1)
    left, right = max(x0, 0), min(x0 + k - 1, size - 1)
    if top > bottom or left > right:
        return ""
    (r0, c0), (kr, kc) = origin, kernel
    window = _range(r0 + top, c0 + left, r0 + bottom, c0 + right)
    weights = _range_abs(kr + top - y0, kc + left - x0, kr + bottom - y0, kc + right - x0)
    return f"SUMPRODUCT({window},{weights})"


def _pack(grid: _MapGrid, top: int, size: int, channels: int, s: ForwardStyles) -> _Maps:
    """Lay `channels` maps of size × size out in lines of as many as fit in WIDTH, each under a "ch N" label."""
    per_line = max(1, (WIDTH + 1) // (size + 1))
    origins = []
    for c in range(channels):
        line, k = divmod(c, per_line)
        label_row, left = top + line * (size + 2), LEFT + k * (size + 1)
        grid.string(label_row, left, f"ch {c + 1}", s.channel)
        grid.keep(label_row, label_row + size)
        origins.append((label_row + 1, left))
    return _Maps(size, tuple(origins))


def _bottom(maps: _Maps) -> int:
    """The first row below the maps (the last line's maps end there)."""
    return max(r for r, _ in maps.origins) + maps.size


def _chart(workbook: xlsxwriter.Workbook, ws, probabilities: tuple[int, int], digits: tuple[int, int]) -> None:
    """A bar chart of the 10 probabilities beside the pixels."""
    chart = workbook.add_chart({"type": "column"})
    (p_row, p_col), (d_row, d_col) = probabilities, digits
    chart.add_series({
        "name": "probability",
        "categories": [FORWARD_SHEET, d_row, d_col, d_row + N_CLASSES - 1, d_col],
        "values": [FORWARD_SHEET, p_row, p_col, p_row + N_CLASSES - 1, p_col],
        "fill": {"color": MAP_COLOURS["maps"][1]},
        "gap": 60,
    })
    chart.set_title({"name": "Probability of each digit", "name_font": {"size": 12}})
    chart.set_x_axis({"name": "digit"})
    chart.set_y_axis(value_axis("probability", min=0, max=1, major_unit=0.2))
    chart.set_legend({"none": True})
    chart.set_size({"width": (LEFT + WIDTH - CHART_COL) * 19, "height": CHART_ROWS * 20})
    ws.insert_chart(PANEL_ROW, CHART_COL, chart)


class _MapGrid(Grid):
    """excelgen.grid.Grid with what this sheet adds: a cell merged across `width` columns, colour scales, rows kept
    on one printed page, and a check that no two cells overlap."""

    def __init__(self, ws) -> None:
        super().__init__()
        self.ws = ws
        self._taken: set[tuple[int, int]] = set()
        self._together: list[tuple[int, int]] = []
        self.last_col = 0

    def string(self, row: int, col: int, text: str, cell_format=None, width: int = 1) -> None:
        self._put(row, col, width, "write_string", text, cell_format)

    def number(self, row: int, col: int, value, cell_format=None, width: int = 1) -> None:
        self._put(row, col, width, "write_number", float(value), cell_format)

    def formula(self, row: int, col: int, formula: str, cell_format, value, width: int = 1) -> None:
        value = value if isinstance(value, bool) else float(value)
        self._put(row, col, width, "write_formula", formula, cell_format, value)

    def colour_scale(self, row: int, col: int, size: int | tuple[int, int], palette: str, low: float | None = None,
                     high: float | None = None) -> None:
        """A colour scale of MAP_COLOURS[palette] over the size × size (or rows × columns) block at (row, col): two
        colours from the smallest value to the largest (fixed ends when given), or three with the middle one at 0."""
        rows, cols = (size, size) if isinstance(size, int) else size
        if rows == 0 or cols == 0:
            return
        colours = MAP_COLOURS[palette]
        if len(colours) == 3:
            scale = {"type": "3_color_scale", "min_color": colours[0], "mid_type": "num", "mid_value": 0,
                     "mid_color": colours[1], "max_color": colours[2]}
        else:
            scale = {"type": "2_color_scale", "min_color": colours[0], "max_color": colours[1]}
        if low is not None:
            scale |= {"min_type": "num", "min_value": low, "max_type": "num", "max_value": high}
        self.ws.conditional_format(row, col, row + rows - 1, col + cols - 1, scale)

    def keep(self, first_row: int, last_row: int) -> None:
        """Print rows first_row … last_row on one page (a map, a line of kernels, a title with what follows)."""
        self._together.append((first_row, last_row))

    def page_breaks(self, rows_per_page: int) -> list[int]:
        """The rows that start a new printed page: as late as possible, never inside rows kept together."""
        breaks, page_start = [], 0
        first, last = None, None
        for a, b in sorted(self._together) + [(1 << 30, 1 << 30)]:
            if last is not None and a <= last:  # overlapping or touching: one run
                last = max(last, b)
                continue
            if last is not None and last - page_start + 1 > rows_per_page and first > page_start:
                breaks.append(first)
                page_start = first
            first, last = a, b
        return breaks

    def _put(self, row: int, col: int, width: int, method: str, *args) -> None:
        for c in range(col, col + width):
            assert (row, c) not in self._taken, f"two cells at {xl_rowcol_to_cell(row, c)}"
            self._taken.add((row, c))
        if width > 1:
            self.merged(row, col, col + width - 1, method, *args)
        else:
            getattr(super(), method.removeprefix("write_"))(row, col, *args)
        self.last_col = max(self.last_col, col + width - 1)
