"""Write many rows of formulas fast: one str.format per row instead of 30 write_formula calls.

An LR table repeats the same formulas row after row; only the row numbers and the saved
values change. RowStreamWorksheet.start_rows() turns the columns into one XML template for a
whole row, once; add_row() then writes each row with a single str.format straight into the
row stream XlsxWriter keeps in constant_memory mode. The XML is exactly what write_formula
and write_number would produce (tests/test_generate.py compares both paths byte for byte).
Without constant_memory, or with fast=False, add_row() calls write_formula/write_number.

start_rows(..., marks=True) fills the same row XML another way, faster for wide rows (a softmax LR
row, 101 cells: about 155 µs against 180 on the 2-core machine): the values by %-formatting (each
number's text exactly as str.format writes it), then the row numbers by two str.replace calls over
the row's text, instead of one str.format field per row number (a wide row of a general network's
LR sheet has hundreds). The bytes are the same.

Limits of the fast path: the rows must have no set_row() formatting or cell notes, and the
formulas no braces other than the {r} and {p} placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from network.layout import column_letter

ROW = "{r}"  # placeholder: this row's Excel number
PREV = "{p}"  # placeholder: the Excel number of the row above
_ROW_MARK, _PREV_MARK = "\x00R", "\x00P"  # stand-ins that no formula rewrite touches


@dataclass(frozen=True)
class RowCell:
    """One column of a row: a formula template (with {r}, {p}), None for a plain number, or a blank."""

    formula: str | None
    cell_format: Format | None = None
    blank: bool = False  # an empty cell with only a format (its value in add_row is ignored)


class RowStreamWorksheet(Worksheet):
    """A Worksheet that writes rows of similar formulas fast: start_rows(), then add_row() per row."""

    _cells: Sequence[RowCell] = ()
    _template: str | None = None  # None: write cell by cell
    _marks = False  # _template is a %-template with row-number marks (start_rows(marks=True))
    _next_row = 0

    def start_rows(self, first_row: int, cells: Sequence[RowCell], *, fast: bool = True, marks: bool = False) -> None:
        """The next add_row() calls write `cells` (columns from A) in rows first_row, first_row + 1, ...

        marks=True: fill each row by %-formatting and str.replace (see the module's text): the same bytes, faster."""
        self._cells, self._next_row = tuple(cells), first_row
        self._template, self._marks = None, marks
        if fast and self.constant_memory:
            self._start_stream_at(first_row)
            self._template = self._row_template(self._cells, marks=marks)

    def add_row(self, values: Sequence[float]) -> None:
        """Write the next row; values[c] is the number of column c (a formula's saved result)."""
        row = self._next_row
        if self._template is None:
            self._write_cells(row, values)
        elif self._marks:
            text = self._template % tuple(values)
            self.fh.write(text.replace(_ROW_MARK, str(row + 1)).replace(_PREV_MARK, str(row)))
            self._check_dimensions(row, len(self._cells) - 1)
            self.previous_row = row
        else:
            self.fh.write(self._template.format(*values, r=row + 1, p=row))
            self._check_dimensions(row, len(self._cells) - 1)
            self.previous_row = row
        self._next_row = row + 1

    def _write_cells(self, row: int, values: Sequence[float]) -> None:
        numbers = {"r": row + 1, "p": row}
        for col, (cell, value) in enumerate(zip(self._cells, values, strict=True)):
            if cell.blank:
                self.write_blank(row, col, None, cell.cell_format)
            elif cell.formula is None:
                self.write_number(row, col, value, cell.cell_format)
            else:
                self.write_formula(row, col, cell.formula.format(**numbers), cell.cell_format, value)

    def _start_stream_at(self, first_row: int) -> None:
        """Flush the pending row, as write_formula does before it starts a new row."""
        if first_row < self.previous_row or (first_row == self.previous_row and self.table):
            raise ValueError(f"rows must be written in order: row {first_row + 1} comes after row {self.previous_row + 1}")
        if first_row > self.previous_row:
            self._write_single_row(first_row)
        self._check_dimensions(first_row, 0)

    def _row_template(self, cells: Sequence[RowCell], *, marks: bool = False) -> str:
        """`<row r="{r}"><c r="A{r}" s="3"><v>{0:.16G}</v></c><c r="B{r}"><f>…</f><v>{1}</v></c>…</row>`;
        marks=True: `<row r="␀R"><c r="A␀R" s="3"><v>%.16G</v></c><c r="B␀R"><f>…</f><v>%s</v></c>…</row>`, where
        NUL + R and NUL + P (_ROW_MARK, _PREV_MARK) stand for the row numbers: XML holds no NUL, so they cannot clash."""
        row = _ROW_MARK if marks else ROW
        parts = [f'<row r="{row}">']
        for col, cell in enumerate(cells):
            address = f"{column_letter(col + 1)}{row}"
            style = self._style_attribute(col, cell.cell_format)
            if cell.blank:
                # what write_blank writes; %.0s takes the column's value and prints nothing
                parts.append(f'<c r="{address}"{style}/>' + ("%.0s" if marks else ""))
            elif cell.formula is None:
                # write_number writes f"{number:.16G}", which "%.16G" % number equals
                number = "%.16G" if marks else f"{{{col}:.16G}}"
                parts.append(f'<c r="{address}"{style}><v>{number}</v></c>')
            else:
                # write_formula writes the prepared, escaped formula and its result as f"{value}", i.e. str(value)
                value = "%s" if marks else f"{{{col}}}"
                parts.append(f'<c r="{address}"{style}><f>{self._formula_template(cell.formula, marks)}</f><v>{value}</v></c>')
        parts.append("</row>")
        return "".join(parts)

    def _formula_template(self, formula: str, marks: bool = False) -> str:
        """What write_formula would write for `formula`, with {r} and {p} kept as format fields (or as marks)."""
        text = formula.replace(ROW, _ROW_MARK).replace(PREV, _PREV_MARK)
        text = self._escape_data(self._prepare_formula(text))
        if marks:
            return text.replace("%", "%%")
        text = text.replace("{", "{{").replace("}", "}}")
        return text.replace(_ROW_MARK, ROW).replace(_PREV_MARK, PREV)

    def _style_attribute(self, col: int, cell_format: Format | None) -> str:
        """ s="N": the cell's format or else the column's, as XlsxWriter's _write_cell chooses."""
        if cell_format is None and col in self.col_info:
            cell_format = self.col_info[col].column_format
        return f' s="{cell_format._get_xf_index()}"' if cell_format is not None else ""
