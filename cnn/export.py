"""The CNN sheets of the workbook, written with XlsxWriter from a run folder (no torch needed).

cnn_sheets() reads a run folder; the function it returns is called by excelgen.workbook.write_workbook
(as `extra_sheets`) after the backpropagation sheets,
so it adds sheets, formats and charts without touching anything written before. Cells are written
row by row in order, which XlsxWriter's constant_memory mode requires.

    CNN Training      the per-epoch table of metrics.csv, charts of loss and accuracy against epoch
    CNN Architecture  one row per layer; output size, jump, receptive field and parameters are live formulas
    CNN Confusion     the 10 × 10 confusion matrix with a colour scale, and per-class accuracy
    CNN Forward       the trained model's forward pass on one test digit, as live formulas (cnn/forward_sheet.py;
                      the only one that needs torch, to read model.pt)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

import xlsxwriter

from cnn.config import N_CLASSES, receptive_fields
from cnn.forward_sheet import FORWARD_SHEET, write_forward_sheet
from cnn.runfolder import METRIC_COLUMNS, RunFiles, read_run
from network.errors import BackpropSheetError
from network.layout import cell
from excelgen.printing import page_setup
from excelgen.styles import CnnStyles, make_cnn_styles, round_scale, value_axis

if TYPE_CHECKING:  # cnn.forward needs torch, which only CNN Forward does
    from cnn.forward import ForwardPass

TRAINING_SHEET = "CNN Training"
ARCHITECTURE_SHEET = "CNN Architecture"
CONFUSION_SHEET = "CNN Confusion"
CNN_SHEETS = (TRAINING_SHEET, ARCHITECTURE_SHEET, CONFUSION_SHEET, FORWARD_SHEET)

# CNN Training: title in row 1, header in row 3, epoch 1 in row 4 (0-based rows 0, 2, 3).
TRAINING_HEADER_ROW = 2
TRAINING_HEADERS = METRIC_COLUMNS  # the same names as metrics.csv
# CNN Architecture: header in row 3, the input in row 4, the layers below it.
ARCHITECTURE_HEADER_ROW = 2
ARCHITECTURE_HEADERS = (
    "layer", "kind", "kernel", "stride", "padding", "channels in", "channels out", "bias (1 = yes)",
    "BatchNorm (1 = yes)", "input size", "output size", "jump", "receptive field", "parameters",
)
# CNN Confusion: header (predicted digits) in row 3, true digit 0 in row 4.
CONFUSION_HEADER_ROW = 2

_COL = {name: i for i, name in enumerate(ARCHITECTURE_HEADERS)}


def cnn_sheets(run_dir: str | Path, digit: int | None = 0) -> Callable[[xlsxwriter.Workbook], None]:
    """Read and check the run folder run_dir now; return the function that adds its CNN sheets to a workbook
    (excelgen.workbook.write_workbook's `extra_sheets`), CNN Forward with test image `digit` (None: without
    that sheet). RunFolderError if the folder is missing or damaged, model.pt does not match architecture.json
    or there is no test image `digit`; BackpropSheetError when CNN Forward needs PyTorch and it is not installed.
    """
    run = read_run(Path(run_dir))
    forward = _forward_pass(run.folder, digit) if digit is not None else None

    def add_cnn_sheets(workbook: xlsxwriter.Workbook) -> None:
        styles = make_cnn_styles(workbook)
        _training_sheet(workbook, run, styles)
        _architecture_sheet(workbook, run, styles)
        _confusion_sheet(workbook, run, styles)
        if forward is not None:
            model = run.summary.get("model", "?")
            title = f"CNN forward pass: test image #{forward.digit.index} through the trained model {model}, as live formulas"
            write_forward_sheet(workbook, forward, sheet_title(run, title), styles)

    return add_cnn_sheets


def sheet_title(run: RunFiles, text: str) -> str:
    """A CNN sheet's title; a dry run says so, with its test-set size, so nobody takes it for a real result."""
    if run.dry_run:
        return f"DRY RUN ({run.test_images:,} test images, a smoke test, not a result) · {text}"
    return text


def _forward_pass(run_dir: Path, digit: int) -> ForwardPass:
    """cnn.forward.forward_pass, or one line saying that PyTorch is missing."""
    try:
        from cnn.forward import forward_pass
    except ImportError as exc:
        raise BackpropSheetError(
            f"the CNN Forward sheet needs PyTorch to read model.pt ({exc.name or exc} missing): pip install -e '.[cnn]'"
        ) from None
    return forward_pass(run_dir, digit)


def _training_sheet(workbook: xlsxwriter.Workbook, run: RunFiles, s: CnnStyles) -> None:
    ws = workbook.add_worksheet(TRAINING_SHEET)
    summary = run.summary
    ws.write(0, 0, sheet_title(run, f"CNN training: model {summary.get('model', '?')}, {summary['parameters']:,} "
             f"parameters, seed {summary.get('seed', '?')}, device {summary.get('device', '?')}, "
             f"torch {summary.get('torch_version', '?')}, {summary.get('seconds', 0):.0f} s in all"), s.title)
    ws.write(1, 0, f"Accuracies in %; test metrics on the {run.test_images:,} test images, of the evaluated "
             "(averaged) weights; lr at the end of each epoch.", s.note)
    ws.set_row(TRAINING_HEADER_ROW, 32)
    ws.write_row(TRAINING_HEADER_ROW, 0, TRAINING_HEADERS, s.header)
    formats = {"epoch": s.count, "lr": s.lr, "train_loss": s.loss, "test_loss": s.loss, "train_accuracy": s.percent,
               "test_accuracy": s.percent, "seconds": s.percent, "images_per_s": s.count}
    first = TRAINING_HEADER_ROW + 1
    for i, m in enumerate(run.metrics):
        for col, name in enumerate(TRAINING_HEADERS):
            ws.write_number(first + i, col, getattr(m, name), formats.get(name))
    last = first + len(run.metrics) - 1
    chart_row = _training_summary(ws, run, first, last, s)
    ws.set_column(0, 0, 7)
    ws.set_column(1, len(TRAINING_HEADERS) - 1, 13)
    ws.freeze_panes(first, 0)

    epoch, col = (TRAINING_SHEET, first, 0, last, 0), TRAINING_HEADERS.index
    # Accuracy: from the lowest after the first epoch (the first is far below the rest) up to 100 %.
    later = run.metrics[1:] or run.metrics
    low = max(0.0, min(min(m.train_accuracy, m.test_accuracy) for m in later))
    for anchor, title, names, y_axis in (
        (cell(chart_row, 0), "Loss against epoch", ("train_loss", "test_loss"),
         value_axis("cross-entropy loss (log scale)", log=True)),
        (cell(chart_row, 6), "Accuracy against epoch", ("train_accuracy", "test_accuracy"),
         value_axis("accuracy (%)", **round_scale(low, 100))),
    ):
        chart = workbook.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        for name in names:
            chart.add_series({
                "name": name.replace("_", " "),
                "categories": list(epoch),
                "values": [TRAINING_SHEET, first, col(name), last, col(name)],
            })
        chart.set_title({"name": title})
        chart.set_x_axis({"name": "epoch", "min": 1, "max": max(len(run.metrics), 2), "major_unit": 1})
        chart.set_y_axis(y_axis)
        chart.set_legend({"position": "bottom"})
        ws.insert_chart(anchor, chart, {"x_scale": 1.1, "y_scale": 1.1})
    page_setup(ws)
    ws.repeat_rows(TRAINING_HEADER_ROW)


def _training_summary(ws, run: RunFiles, first: int, last: int, s: CnnStyles) -> int:
    """Formulas under the table: the last epoch's test accuracy, the lowest and the mean of the last 3.

    Returns the first free row below them.
    """
    acc = TRAINING_HEADERS.index("test_accuracy")
    tail = [m.test_accuracy for m in run.metrics[-3:]]
    tail_range = f"{cell(last - len(tail) + 1, acc)}:{cell(last, acc)}"
    rows = (
        ("last epoch's test accuracy (%)", f"={cell(last, acc)}", tail[-1]),
        (f"lowest test accuracy of the last {len(tail)} epochs (%)", f"=MIN({tail_range})", min(tail)),
        (f"mean test accuracy of the last {len(tail)} epochs (%)", f"=AVERAGE({tail_range})", sum(tail) / len(tail)),
    )
    row = last + 2
    for label, formula, value in rows:
        ws.write_string(row, 0, label, s.label)
        ws.write_formula(row, acc, formula, s.live_percent, value)
        row += 1
    return row + 1


def _architecture_sheet(workbook: xlsxwriter.Workbook, run: RunFiles, s: CnnStyles) -> None:
    """One row per layer. Input size, output size, jump, receptive field and parameters are formulas:

    out = INT((in + 2p − k) / s) + 1,  j_out = j_in · s,  r_out = r_in + (k − 1) · j_in,
    parameters = k² · c_in · c_out + c_out · (bias + 2 · BatchNorm) for a convolution, 0 otherwise.
    Edit a kernel, stride, padding or channel count and the rows below follow.
    """
    ws = workbook.add_worksheet(ARCHITECTURE_SHEET)
    ws.write(0, 0, sheet_title(run, "CNN architecture: sizes, receptive fields and parameters as live formulas"),
             s.title)
    ws.write(1, 0, "out = INT((in + 2·padding − kernel)/stride) + 1;  jump = jump_in·stride;  "
             "receptive field = r_in + (kernel − 1)·jump_in;  conv parameters = kernel²·c_in·c_out + "
             "c_out·(bias + 2·BatchNorm). Yellow cells: type here; grey cells are formulas that follow.", s.note)
    ws.set_row(ARCHITECTURE_HEADER_ROW, 32)
    ws.write_row(ARCHITECTURE_HEADER_ROW, 0, ARCHITECTURE_HEADERS, s.header)
    c = {name: lambda r, name=name: cell(r, _COL[name]) for name in ARCHITECTURE_HEADERS}

    row = ARCHITECTURE_HEADER_ROW + 1  # the input image: size 28, jump 1, receptive field 1
    first_input = run.layers[0]
    ws.write_string(row, 0, "input", s.text)
    ws.write_string(row, 1, "image", s.text)
    ws.write_number(row, _COL["channels out"], first_input.channels_in, s.input)
    ws.write_number(row, _COL["output size"], first_input.input_size, s.input)
    for name, value in (("jump", 1), ("receptive field", 1), ("parameters", 0)):
        ws.write_number(row, _COL[name], value, s.count)
    fields = receptive_fields(run.layers)
    for layer, (jump, field) in zip(run.layers, fields):
        row += 1
        prev = row - 1
        values = {
            "layer": layer.name, "kind": layer.kind, "stride": layer.stride, "padding": layer.padding,
            "channels out": layer.channels_out, "bias (1 = yes)": int(layer.bias),
            "BatchNorm (1 = yes)": int(layer.batchnorm),
        }
        formulas = {
            "channels in": (f"={c['channels out'](prev)}", layer.channels_in),
            "input size": (f"={c['output size'](prev)}", layer.input_size),
            "output size": (
                f"=INT(({c['input size'](row)}+2*{c['padding'](row)}-{c['kernel'](row)})/{c['stride'](row)})+1",
                layer.output_size,
            ),
            "jump": (f"={c['jump'](prev)}*{c['stride'](row)}", jump),
            "receptive field": (f"={c['receptive field'](prev)}+({c['kernel'](row)}-1)*{c['jump'](prev)}", field),
            "parameters": (
                f'=IF({c["kind"](row)}="conv",{c["kernel"](row)}^2*{c["channels in"](row)}*{c["channels out"](row)}'
                f'+{c["channels out"](row)}*({c["bias (1 = yes)"](row)}+2*{c["BatchNorm (1 = yes)"](row)}),0)',
                layer.params,
            ),
        }
        if layer.kind == "gap":  # a kernel as large as its input
            formulas["kernel"] = (f"={c['input size'](row)}", layer.kernel)
        else:
            values["kernel"] = layer.kernel
        if layer.kind != "conv":  # pooling keeps the channels
            formulas["channels out"] = (f"={c['channels in'](row)}", layer.channels_out)
            del values["channels out"]
        for col, name in enumerate(ARCHITECTURE_HEADERS):
            if name in formulas:
                formula, value = formulas[name]
                ws.write_formula(row, col, formula, s.live_count, value)
            elif name in ("layer", "kind"):
                ws.write_string(row, col, values[name], s.text)
            else:
                ws.write_number(row, col, values[name], s.input)

    first_layer, last_layer = ARCHITECTURE_HEADER_ROW + 2, row
    params_col = _COL["parameters"]
    total = sum(layer.params for layer in run.layers)
    counted = int(run.summary["parameters"])
    row += 2
    ws.write_string(row, 0, "total parameters (sum of the column)", s.label)
    total_range = f"{cell(first_layer, params_col)}:{cell(last_layer, params_col)}"
    ws.write_formula(row, params_col, f"=SUM({total_range})", s.live_count, total)
    row += 1
    ws.write_string(row, 0, "parameters PyTorch counts (sum of p.numel() over model.parameters())", s.label)
    ws.write_number(row, params_col, counted, s.count)
    row += 1
    ws.write_string(row, 0, "the two agree", s.label)
    ws.write_formula(row, params_col, f"={cell(row - 2, params_col)}={cell(row - 1, params_col)}", s.live_flag,
                     total == counted)
    row += 2
    ws.write_string(row, 0, "After every conv: BatchNorm and ReLU; Dropout after each max-pool and before gap. gap = global average pooling; "
                    "head = 1×1 convolution to the 10 digits (its output is the logits).", s.note)
    ws.set_column(0, 1, 10)
    ws.set_column(2, len(ARCHITECTURE_HEADERS) - 1, 11)
    page_setup(ws)
    ws.freeze_panes(ARCHITECTURE_HEADER_ROW + 1, 1)


def _confusion_sheet(workbook: xlsxwriter.Workbook, run: RunFiles, s: CnnStyles) -> None:
    """Rows: true digit; columns: predicted digit; then images per digit and per-class accuracy (formulas)."""
    ws = workbook.add_worksheet(CONFUSION_SHEET)
    ws.write(0, 0, sheet_title(run, f"Confusion matrix of the last epoch on the {run.test_images:,} test images"),
             s.title)
    ws.write(1, 0, "Row: the true digit; column: the digit the network predicted. The diagonal is correct; "
             "the colour scale marks the mistakes.", s.note)
    header = ["true \\ predicted", *range(N_CLASSES), "images", "accuracy (%)"]
    ws.set_row(CONFUSION_HEADER_ROW, 32)
    ws.write_row(CONFUSION_HEADER_ROW, 0, header, s.header)
    first = CONFUSION_HEADER_ROW + 1
    images_col, accuracy_col = N_CLASSES + 1, N_CLASSES + 2
    for digit, counts in enumerate(run.confusion):
        row = first + digit
        ws.write_number(row, 0, digit, s.header)  # a row header, not a count
        for predicted, count in enumerate(counts):
            ws.write_number(row, 1 + predicted, count, s.diagonal if predicted == digit else s.count)
        row_range = f"{cell(row, 1)}:{cell(row, N_CLASSES)}"
        total = sum(counts)
        ws.write_formula(row, images_col, f"=SUM({row_range})", s.live_count, total)
        accuracy = 100 * counts[digit] / total if total else 0.0
        ws.write_formula(row, accuracy_col, f"=IF({cell(row, images_col)}>0,100*{cell(row, 1 + digit)}/"
                         f"{cell(row, images_col)},0)", s.live_percent, accuracy)
    last = first + N_CLASSES - 1
    row = last + 1
    correct = sum(run.confusion[d][d] for d in range(N_CLASSES))
    images = sum(map(sum, run.confusion))
    diagonal = "+".join(cell(first + d, 1 + d) for d in range(N_CLASSES))
    ws.write_string(row, 0, "all", s.label)
    ws.write_formula(row, images_col, f"=SUM({cell(first, images_col)}:{cell(last, images_col)})", s.live_count,
                     images)
    ws.write_formula(row, accuracy_col, f"=IF({cell(row, images_col)}>0,100*({diagonal})/{cell(row, images_col)},0)",
                     s.live_percent, 100 * correct / images if images else 0.0)
    off_diagonal = " ".join(
        part
        for d in range(N_CLASSES)
        for part in (
            f"{cell(first + d, 1)}:{cell(first + d, d)}" if d > 0 else "",
            f"{cell(first + d, 2 + d)}:{cell(first + d, N_CLASSES)}" if d < N_CLASSES - 1 else "",
        )
        if part
    )
    ws.conditional_format(first, 1, last, N_CLASSES, {
        "type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#F8696B", "multi_range": off_diagonal,
    })
    ws.set_column(0, 0, 16)
    ws.set_column(1, N_CLASSES, 6)
    ws.set_column(images_col, accuracy_col, 12)
    page_setup(ws)
