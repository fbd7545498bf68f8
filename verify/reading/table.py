"""Where a backprop table sits in a workbook: the contract between layout detection and the checks.

A detector (for generated workbooks, or the tolerant one for hand-built workbooks) finds each
table and says which column holds which quantity; the checks then read values and formulas
through this record and never guess positions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from network import Network
from network.description import classic_network
from network.layout import GENERAL_DESCRIPTION_NAME
from network.layout import column_letter

CLASSIC = classic_network()  # the classic 2-2-2 network's wiring and names (its numbers are placeholders)


@dataclass(frozen=True)
class CellRef:
    """One cell outside a table, e.g. an input above it or on the Network sheet (1-based row)."""

    sheet: str
    row: int
    col: int  # 1-based, as openpyxl counts

    def address(self) -> str:
        return f"'{self.sheet}'!{column_letter(self.col)}{self.row}"


@dataclass(frozen=True)
class Table:
    """One recognised table of iterations, whatever the layout: the one table model both finders give
    (verify/tables/classic_tables.py, layered_tables.py) and the checks read.

    `net` is the network the table trains (its wiring and names; its numbers are read per check from
    `starts` and `eta`): the classic network, or the one a general workbook's description rebuilds.
    `columns` maps a quantity's name (network/names.py) to its 1-based column on `sheet`: the classic
    network's "w1", "a_h1", "E_total", "∂E_total/∂w3", ... plus "i1", "i2", "t1", "t2" (and "b1", "b2") when a
    hand-built table holds them as columns; a general network's `z_1_1[e1]`, `δ_2_1[e1]`, `w_1_1_1`, ...
    `starts` maps each number the training starts from (inputs, targets, biases, initial weights) to the cell
    that holds it, in the order they are read: a Network-sheet cell, a labelled cell, or the first row of its
    column. `scalars` are the cells outside the table that were found (by quantity, or for a general network
    by defined name: `in_x_1_e1`, `w_1_1_1_init`, ...); `eta` is the learning-rate cell the updates use.
    """

    sheet: str
    header_row: int  # 1-based row of the header texts
    first_row: int  # 1-based row of iteration 0 (the initial weights)
    last_row: int  # 1-based last row of the table
    columns: Mapping[str, int]
    eta: CellRef
    scalars: Mapping[str, CellRef] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # canonical -> header text as written
    eta_label: str | None = None  # the text labelling the η cell, when it has one
    origins: Mapping[str, str] = field(default_factory=dict)  # quantity -> how its formulas told it (no header)
    unchecked: Mapping[int, str] = field(default_factory=dict)  # column -> header: formulas nothing recognised
    net: Network = CLASSIC
    starts: Mapping[str, CellRef] = field(default_factory=dict)
    typed: Mapping[str, float] = field(default_factory=dict)  # a starting number no cell holds, typed into formulas
    # A layout whose quantities are not one per column (a vertical table: labels down a column, values beside
    # them): quantity -> its (row, col) in each iteration, None where the layout holds no cell for it (a vertical
    # sheet's second iteration holds only the updated weights). Empty: the columns layout, row by row.
    placed: Mapping[str, tuple[tuple[int, int] | None, ...]] = field(default_factory=dict)
    network_from: str = f"defined name {GENERAL_DESCRIPTION_NAME}"  # where a general network's shape was read

    @property
    def iterations(self) -> int:
        """The last iteration's number (iteration 0 holds the initial weights)."""
        if self.placed:
            return len(next(iter(self.placed.values()))) - 1
        return self.last_row - self.first_row

    def column_cells(self, quantity: str) -> list[tuple[str, int, int] | None]:
        """cell() of a quantity in every iteration, in order (one call per column: tables run to 100,000 rows)."""
        if self.placed:
            return [None if at is None else (self.sheet, *at) for at in self.placed[quantity]]
        col = self.columns[quantity]
        return [(self.sheet, row, col) for row in range(self.first_row, self.last_row + 1)]

    def cell(self, quantity: str, iteration: int) -> tuple[str, int, int] | None:
        """(sheet, row, col) of a quantity in one iteration; None where the layout holds no cell for it."""
        if self.placed:
            at = self.placed[quantity][iteration]
            return None if at is None else (self.sheet, *at)
        return self.sheet, self.first_row + iteration, self.columns[quantity]

    def column_letter(self, quantity: str) -> str:
        """The letter of a quantity's column: "w1" -> "B"."""
        return column_letter(self.columns[quantity])

    def describe(self) -> str:
        """What was recognised, for the report: sheet, header row, η cell, inputs, column -> quantity."""
        label = f" (labelled {self.eta_label!r})" if self.eta_label else ""
        where = (f"a vertical table (labels down a column, values beside them) in rows {self.first_row}-{self.last_row},"
                 f" iterations 0-{self.iterations}" if self.placed else
                 f"header row {self.header_row}, iterations 0-{self.iterations} in rows {self.first_row}-{self.last_row}")
        lines = [
            f"sheet '{self.sheet}': {where}",
            *([] if self.net.classic else [self._network_line()]),
            f"  η: {self.eta.address()}{label}",
        ]
        if self.scalars:
            lines.append("  cells: " + ", ".join(f"{q} = {ref.address()}" for q, ref in self.scalars.items()))
        if self.typed:
            lines.append("  typed into the formulas: " + ", ".join(f"{q} = {x:g}" for q, x in self.typed.items()))
        if self.placed:  # one column: say the cells
            lines.append("  cells of iteration 0 (and 1): " + ", ".join(
                f"{'/'.join(f'{column_letter(c)}{r}' for r, c in filter(None, at))} {self.headers.get(q, q)}"
                + ("" if self.headers.get(q, q) == q else f" = {q}") for q, at in self.placed.items()))
            return "\n".join(lines)
        by_col = sorted(self.columns.items(), key=lambda item: item[1])
        lines.append(
            "  columns (by header): "
            + ", ".join(
                f"{self.column_letter(q)} {self.headers.get(q, q)}"
                + ("" if self.headers.get(q, q) == q else f" = {q}")
                for q, _ in by_col
                if q not in self.origins
            )
        )
        if self.origins:
            lines.append(
                "  columns (by formula): "
                + ", ".join(
                    f"{self.column_letter(q)} {repr(self.headers[q]) if q in self.headers else '(no header)'} = {q} "
                    f"({self.origins[q]})"
                    for q, _ in by_col
                    if q in self.origins
                )
            )
        lines += [f"  {line}" for line in self.not_checked()]
        return "\n".join(lines)

    def _network_line(self) -> str:
        """The network a general workbook's description rebuilt."""
        net, n = self.net, len(self.net.examples)
        biases = "trained" if net.train_biases else "fixed" if net.biases_given else "none"
        return (f"  network: {'-'.join(map(str, net.layers))} ({', '.join(net.activations)}; {net.loss}), {n} example"
                f"{'s' * (n > 1)}, biases {biases} ({self.network_from})")

    def not_checked(self) -> list[str]:
        """"column Q 'xyz': not checked" for each column of formulas that nothing recognised."""
        return [f"column {column_letter(c)} {text!r}: not checked" for c, text in sorted(self.unchecked.items())]
