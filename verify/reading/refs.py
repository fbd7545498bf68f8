"""Cell references inside a formula, and its shape: the formula with every reference made relative.

In a backprop table every row holds the same formula as the row above, shifted by one row:
`=B5-$B$2*AA5` in row 6 and `=B6-$B$2*AA6` in row 7 have the same *shape*. shape() finds the
references with a small tokenizer (string literals skipped; nothing is ever evaluated) and
returns the formula with each distinct reference replaced by a placeholder `_R0`, `_R1`, ...
plus, per placeholder, where it points relative to the formula's own cell. Cells whose shapes
are equal can share one compiled formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from network.layout import column_letter, column_number

# One token at a time; the first alternative that matches wins.
_TOKEN = re.compile(
    r"""
    (?P<string>"(?:[^"]|"")*")
  | (?P<sheet>(?:'(?:[^']|'')+'|[A-Za-z_\\][\w.]*)!)?
    (?:
        (?P<cell>\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)(?![\w.(!])
      | (?P<cols>\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3})(?![\w.(!])
      | (?P<rows>\$?\d+:\$?\d+)(?![\w.(!])
    )
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_\\][\w.]*)(?P<call>\()?
  | (?P<error>\#[A-Z0-9/]+[!?]?)
  | (?P<external>\[)
    """,
    re.VERBOSE,
)
_CORNER = re.compile(r"(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?")
# A plain A1 reference in a formula's text (upper-cased), as (column $, letters, row $, digits): `$B$2`, `AA5`.
ADDRESS = re.compile(r"(?<![\w.!'])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\w(!])")
_LITERALS = {"TRUE", "FALSE"}
MAX_ROW = 1_048_576
MAX_COL = 16_384


@dataclass(frozen=True)
class Axis:
    """One coordinate of a reference: absolute (`$B`, `$5`) or an offset from the formula's cell."""

    value: int
    absolute: bool

    def at(self, own: int) -> int:
        return self.value if self.absolute else own + self.value


@dataclass(frozen=True)
class Ref:
    """A cell or range a formula points to, relative to the formula's own cell.

    `sheet` is None for the formula's own sheet. A defined name is resolved before it gets
    here; a name that cannot be resolved stays as `name` and evaluates to #NAME?.
    """

    sheet: str | None
    top: Axis | None = None  # row axes; None on a whole-column range such as A:A
    left: Axis | None = None
    bottom: Axis | None = None
    right: Axis | None = None
    name: str | None = None

    @property
    def is_range(self) -> bool:
        if self.name is not None:
            return False
        return self.top is None or self.left is None or (self.top, self.left) != (self.bottom, self.right)

    def box(self, own_row: int, own_col: int, max_row: int, max_col: int) -> tuple[int, int, int, int]:
        """(top, left, bottom, right), 1-based, for a formula at (own_row, own_col).

        A whole column (A:A) or row (1:1) stops at the sheet's used size, max_row x max_col.
        """
        top = self.top.at(own_row) if self.top else 1
        left = self.left.at(own_col) if self.left else 1
        bottom = self.bottom.at(own_row) if self.bottom else max_row
        right = self.right.at(own_col) if self.right else max_col
        return min(top, bottom), min(left, right), max(top, bottom), max(left, right)


@dataclass(frozen=True)
class Written:
    """A cell reference as the formula spells it: sheet prefix, `$` signs, one cell or a range."""

    prefix: str  # "'LR 0.1'!", "Network!" or ""
    ref: Ref
    single: bool  # "B5" rather than "B5:C6"


@dataclass(frozen=True)
class Shape:
    """A formula with its references replaced by placeholders _R0, _R1, ... (in `text`)."""

    text: str
    refs: tuple[Ref, ...]  # refs[k] belongs to placeholder _R{k}
    functions: frozenset[str]  # upper-case names of the functions it calls
    pieces: tuple[str | Written, ...] = ()  # the formula again, to render it in another cell

    def render(self, row: int, col: int) -> str:
        """The formula of this shape as it reads in the cell at (row, col)."""
        return "".join(p if isinstance(p, str) else _render(p, row, col) for p in self.pieces)

    def column_renderer(self, col: int) -> Callable[[int], str]:
        """render(row, col) for one column, as a function of the row (see row_template())."""
        template, offsets = self.row_template(col)
        return lambda row: template % tuple(row + o for o in offsets)

    def row_template(self, col: int) -> tuple[str, tuple[int, ...]]:
        """render(row, col) for one column as a %-template: `template % tuple(row + o for o in offsets)`.

        What changes down a column is only the relative row numbers (each a %d, its offset in
        `offsets`), so the rest of the text is worked out once.
        """
        template: list[str] = []
        offsets: list[int] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                template.append(piece.replace("%", "%%"))
                continue
            corners = [(piece.ref.top, piece.ref.left)]
            if not piece.single:
                corners.append((piece.ref.bottom, piece.ref.right))
            template.append(piece.prefix.replace("%", "%%"))
            for k, (row_axis, col_axis) in enumerate(corners):
                template.append(("" if k == 0 else ":") + _render_corner(None, col_axis, 0, col))
                if row_axis is not None and row_axis.absolute:
                    template.append(f"${row_axis.value}")
                elif row_axis is not None:
                    template.append("%d")
                    offsets.append(row_axis.value)
        return "".join(template), tuple(offsets)


class UnsupportedFormula(ValueError):
    """A formula this reader does not handle (a link to another workbook)."""


def shape(formula: str, row: int, col: int, names: dict[str, Ref] | None = None) -> Shape:
    """The shape of `formula` (with its leading "="), written in the cell at (row, col), 1-based.

    `names` maps an upper-case defined name to the absolute Ref it stands for.
    """
    names = names or {}
    text: list[str] = []  # the formula with placeholders
    pieces: list[str | Written] = []  # the formula with its cell references kept apart
    refs: list[Ref] = []
    functions: set[str] = set()
    text_pos = piece_pos = 0
    for match in _TOKEN.finditer(formula):
        kind = match.lastgroup
        if kind == "external":
            raise UnsupportedFormula(f"links to another workbook: {formula}")
        ref = None
        if match.group("cell") or match.group("cols") or match.group("rows"):
            ref = _ref(match, row, col)
            pieces += [formula[piece_pos : match.start()], Written(match.group("sheet") or "", ref, ":" not in match.group(0))]
            piece_pos = match.end()
        elif match.group("call"):
            functions.add(match.group("name").upper())
        elif kind == "name" and match.group("name").upper() not in _LITERALS:
            ref = names.get(match.group("name").upper(), Ref(None, name=match.group("name")))
        if ref is None:
            continue
        if ref not in refs:
            refs.append(ref)
        text += [formula[text_pos : match.start()], f"_R{refs.index(ref)}"]
        text_pos = match.end()
    text.append(formula[text_pos:])
    pieces.append(formula[piece_pos:])
    return Shape("".join(text), tuple(refs), frozenset(functions), tuple(pieces))


def absolute_ref(sheet: str, reference: str) -> Ref:
    """Ref for an absolute reference such as "$B$3" or "$B$3:$C$4" on `sheet` (defined names)."""
    first, _, last = reference.replace("$", "").partition(":")
    top, left = _corner(first)
    bottom, right = _corner(last) if last else (top, left)
    return Ref(
        sheet,
        *(None if v is None else Axis(v, True) for v in (top, left, bottom, right)),
    )


def unquote_sheet(prefix: str) -> str:
    """'LR 0.1'! -> LR 0.1 ; Network! -> Network."""
    prefix = prefix.rstrip("!")
    if prefix.startswith("'"):
        return prefix[1:-1].replace("''", "'")
    return prefix


def _ref(match: re.Match, row: int, col: int) -> Ref:
    sheet = unquote_sheet(match.group("sheet")) if match.group("sheet") else None
    text = match.group("cell") or match.group("cols") or match.group("rows")
    first, _, last = text.partition(":")
    a = _axes(first, row, col)
    b = _axes(last, row, col) if last else a
    return Ref(sheet, a[0], a[1], b[0], b[1])


def _render(written: Written, row: int, col: int) -> str:
    ref = written.ref
    first = _render_corner(ref.top, ref.left, row, col)
    if written.single:
        return written.prefix + first
    return f"{written.prefix}{first}:{_render_corner(ref.bottom, ref.right, row, col)}"


def _render_corner(row_axis: Axis | None, col_axis: Axis | None, row: int, col: int) -> str:
    text = ""
    if col_axis is not None:
        c = col_axis.at(col)
        text += ("$" if col_axis.absolute else "") + (column_letter(c) if 1 <= c <= MAX_COL else "?")
    if row_axis is not None:
        text += ("$" if row_axis.absolute else "") + str(row_axis.at(row))
    return text


def _axes(corner: str, row: int, col: int) -> tuple[Axis | None, Axis | None]:
    """"$B5" in the cell at (row, col) -> (row offset, absolute column 2)."""
    col_abs, letters, row_abs, digits = _CORNER.fullmatch(corner).groups()
    col_axis = row_axis = None
    if letters:
        c = column_number(letters)
        col_axis = Axis(c, True) if col_abs else Axis(c - col, False)
    if digits:
        r = int(digits)
        row_axis = Axis(r, True) if row_abs else Axis(r - row, False)
    return row_axis, col_axis


def _corner(text: str) -> tuple[int | None, int | None]:
    _, letters, _, digits = _CORNER.fullmatch(text).groups()
    return (int(digits) if digits else None, column_number(letters) if letters else None)
