"""Where things sit in the workbook: sheet names, defined names, header texts, cell addresses.

The generator writes this layout and the verifier reads it; both import it from here.
Rows and columns are 0-based, as in XlsxWriter; `cell()` turns them into "A1" addresses. `column_letter()` and
`column_number()` are the project's one A1 column helper (1-based, as a workbook's A1 addresses and openpyxl count).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from network.description import classic_network
from network.names import Kind, Quantity, name

if TYPE_CHECKING:
    from network.description import Network

NETWORK_SHEET = "Network"
SUMMARY_SHEET = "Summary"
LR_SHEET_PREFIX = "LR "

# On each LR sheet: the sheet's own learning rate η sits in one editable cell.
ETA_LABEL_CELL = (1, 0)  # A2: "η (learning rate)"
ETA_CELL = (1, 1)  # B2
CHART_BAND = (2, 2)  # the first and last row of the charts (row 3 in Excel), above the table, on every LR sheet
HEADER_ROW = 3  # row 4 in Excel
FIRST_DATA_ROW = 4  # row 5 in Excel: iteration 0

# The classic LR sheet's columns, in order: those of the classic network's column records (network/columns.py).
_CLASSIC = classic_network().columns()
WEIGHTS = tuple(c.header for c in _CLASSIC if c.kind is Kind.WEIGHT)  # w1..w8

# A general network's workbook (a template with `layers`) holds its shape in one defined name, as text the
# checker reads back (general_description()); the numbers stay in their cells.
GENERAL_DESCRIPTION_NAME = "network_description"
GENERAL_BIASES = ("trained", "fixed", "none")

# Defined names on the Network sheet (workbook scope). Never a bare `w1`, `i1` or `t2`:
# those are cell references in Excel.
INPUT_NAMES = {"i1": "in_i1", "i2": "in_i2", "t1": "tgt_t1", "t2": "tgt_t2"}
WEIGHT_NAMES = {w: f"{w}_init" for w in WEIGHTS}
BIAS_NAMES = {"b1": "bias_b1", "b2": "bias_b2"}


HEADERS: tuple[str, ...] = tuple(c.header for c in _CLASSIC)  # the classic LR sheet's headers, in order
COMPUTED_HEADERS: tuple[str, ...] = HEADERS[1:]  # every column but `iteration` holds formulas


def rate_text(rate: float) -> str:
    """0.1 -> "0.1", 1 -> "1.0": the shortest text of a learning rate, with at least one decimal."""
    return repr(float(rate))


def lr_sheet_name(rate: float) -> str:
    """`LR 0.1`, `LR 1.0`, `LR 2.0`."""
    return f"{LR_SHEET_PREFIX}{rate_text(rate)}"


def column_index(header: str) -> int:
    """0-based column of a header on an LR sheet."""
    return HEADERS.index(header)


@lru_cache(maxsize=None)
def column_letter(col: int) -> str:
    """1 -> "A", 28 -> "AB", 18278 -> "ZZZ" (ValueError outside 1..18278, as openpyxl's get_column_letter)."""
    if not 1 <= col <= LAST_COLUMN:
        raise ValueError(f"Invalid column index {col}")
    letters = ""
    while col:
        col, digit = divmod(col - 1, 26)
        letters = chr(ord("A") + digit) + letters
    return letters


@lru_cache(maxsize=None)
def column_number(letters: str) -> int:
    """ "AB" (or "ab") -> 28 (ValueError for anything but 1 to 3 letters, as openpyxl's column_index_from_string)."""
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise ValueError(f"{letters} is not a valid column name")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


LAST_COLUMN = 18_278  # "ZZZ", the last column three letters name


def cell(row: int, col: int, absolute: bool = False) -> str:
    """(0, 0) -> A1; with absolute=True -> $A$1."""
    if absolute:
        return f"${column_letter(col + 1)}${row + 1}"
    return f"{column_letter(col + 1)}{row + 1}"


def column_range(sheet: str, first_row: int, last_row: int, col: int) -> str:
    """'LR 0.1'!$E$5:$E$105: rows first_row..last_row of one column of another sheet, absolute."""
    return f"'{sheet}'!{cell(first_row, col, absolute=True)}:{cell(last_row, col, absolute=True)}"


def sheet_ref(sheet: str, row: int, col: int) -> str:
    """'LR 0.1'!$B$2: an absolute reference into another sheet, quoted as Excel needs."""
    return f"'{sheet}'!{cell(row, col, absolute=True)}"


# ---------------------------------------------------------------- general networks


@dataclass(frozen=True)
class GeneralShape:
    """What a general network's workbook is, apart from its numbers: the text of GENERAL_DESCRIPTION_NAME."""

    layers: tuple[int, ...]  # neurons per layer, the inputs first
    activations: tuple[str, ...]  # one per layer after the inputs
    loss: str
    examples: int
    biases: str  # "trained", "fixed" (Network-sheet constants) or "none"

    def text(self) -> str:
        """'layers 2-2-1; activations sigmoid, sigmoid; loss half-squared-error; examples 4; biases trained'"""
        return (f"layers {'-'.join(map(str, self.layers))}; activations {', '.join(self.activations)}; "
                f"loss {self.loss}; examples {self.examples}; biases {self.biases}")


def general_shape(net: Network) -> GeneralShape:
    """The shape of a general network, as its workbook records it."""
    biases = "trained" if net.train_biases else "fixed" if net.biases_given else "none"
    return GeneralShape(net.layers, net.activations, net.loss, len(net.examples), biases)


def read_general_shape(text: str) -> GeneralShape | None:
    """GeneralShape.text() read back (the defined name's value, quoted or not); None when it is not that text."""
    text = text.strip().removeprefix("=").strip().strip('"')
    fields = dict(part.strip().partition(" ")[::2] for part in text.split(";"))
    try:
        layers = tuple(int(n) for n in fields["layers"].split("-"))
        activations = tuple(f.strip() for f in fields["activations"].split(","))
        shape = GeneralShape(layers, activations, fields["loss"].strip(), int(fields["examples"]), fields["biases"].strip())
    except (KeyError, ValueError):
        return None
    if len(shape.activations) != len(layers) - 1 or shape.biases not in GENERAL_BIASES or set(fields) != _SHAPE_KEYS:
        return None
    return shape


_SHAPE_KEYS = {"layers", "activations", "loss", "examples", "biases"}


def constant_name(q: Quantity, examples: int, classic: bool = False) -> str:
    """The defined name of a Network-sheet constant: in_x_1_e1, tgt_t_2_e3, w_2_1_3_init, b_2_1_init (a trained
    bias's initial value); the classic network's in_i1, tgt_t1, w1_init. A fixed bias is fixed_bias_name()."""
    if classic:
        return (INPUT_NAMES | WEIGHT_NAMES)[name(q, classic=True)]
    e = f"_e{q.example}"
    return {
        Kind.INPUT: lambda: f"in_x_{q.neuron}{e}",
        Kind.TARGET: lambda: f"tgt_t_{q.neuron}{e}",
        Kind.WEIGHT: lambda: f"w_{q.layer}_{q.neuron}_{q.source}_init",
        Kind.BIAS: lambda: f"b_{q.layer}_{q.neuron}_init",
    }[q.kind]()


def fixed_bias_name(layer: int, neuron: int, classic: bool = False) -> str:
    """The defined name of a fixed bias: bias_b_2_1; the classic bias_b1, bias_b2 (one per layer)."""
    if classic:
        return BIAS_NAMES[name(Quantity(Kind.BIAS, layer, neuron), classic=True)]
    return f"bias_b_{layer}_{neuron}"
