"""Where things sit in the workbook: sheet names, defined names, header texts, cell addresses.

The generator writes this layout and the verifier reads it; both import it from here.
Rows and columns are 0-based, as in XlsxWriter; `cell()` turns them into "A1" addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

NETWORK_SHEET = "Network"
SUMMARY_SHEET = "Summary"
LR_SHEET_PREFIX = "LR "

# On each LR sheet: the sheet's own learning rate η sits in one editable cell.
ETA_LABEL_CELL = (1, 0)  # A2: "η (learning rate)"
ETA_CELL = (1, 1)  # B2
HEADER_ROW = 3  # row 4 in Excel
FIRST_DATA_ROW = 4  # row 5 in Excel: iteration 0

WEIGHTS = tuple(f"w{k}" for k in range(1, 9))

# Defined names on the Network sheet (workbook scope). Never a bare `w1`, `i1` or `t2`:
# those are cell references in Excel.
INPUT_NAMES = {"i1": "in_i1", "i2": "in_i2", "t1": "tgt_t1", "t2": "tgt_t2"}
WEIGHT_NAMES = {w: f"{w}_init" for w in WEIGHTS}
BIAS_NAMES = {"b1": "bias_b1", "b2": "bias_b2"}


@dataclass(frozen=True)
class Column:
    """One column of an LR sheet table: its exact header text and its derivation block."""

    header: str
    block: int  # 0: iteration/weights, 1: forward pass, 3-5: derivatives (see README)


COLUMNS: tuple[Column, ...] = (
    Column("iteration", 0),
    *(Column(w, 0) for w in WEIGHTS),
    *(Column(h, 1) for h in ("h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total")),
    Column("∂E_total/∂a_h1", 4),
    Column("∂E_total/∂a_h2", 4),
    *(Column(f"∂E_total/∂{w}", 5) for w in WEIGHTS[:4]),
    *(Column(f"∂E_total/∂{w}", 3) for w in WEIGHTS[4:]),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
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


def col_letter(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def cell(row: int, col: int, absolute: bool = False) -> str:
    """(0, 0) -> A1; with absolute=True -> $A$1."""
    if absolute:
        return f"${col_letter(col)}${row + 1}"
    return f"{col_letter(col)}{row + 1}"


def sheet_ref(sheet: str, row: int, col: int) -> str:
    """'LR 0.1'!$B$2: an absolute reference into another sheet, quoted as Excel needs."""
    return f"'{sheet}'!{cell(row, col, absolute=True)}"
