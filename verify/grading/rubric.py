"""A rubric: the points each part of the work is worth, read from TOML (templates/rubrics/default.toml is the
built-in `default`; `verify --rubric FILE` gives another).

    [points]
    forward-pass = 2
    output-gradients = 2
    hidden-gradients = 2
    weight-updates = 2
    filled = 2

A part left out is not graded. An unknown part, points that are not a number ≥ 0, a rubric worth nothing, or a
file that is not TOML raise RubricError, one line naming what to fix.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from network.errors import RubricError
from network.tomlfile import read_toml

DEFAULT = "default"
BUILTIN = {DEFAULT: "rubrics/default.toml"}
# every part a rubric may name, and its title in reports, in the order of the work
PARTS = {
    "forward-pass": "forward pass",
    "output-gradients": "output-layer gradients",
    "hidden-gradients": "hidden-layer gradients",
    "weight-updates": "weight updates",
    "filled": "every iteration filled",
}


@dataclass(frozen=True)
class Rubric:
    """The parts a workbook is graded on, in PARTS' order, with their points."""

    name: str  # "default" or the file's path
    points: tuple[tuple[str, float], ...]  # (part, points)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(part for part, _ in self.points)


def load_rubric(name_or_path: str = DEFAULT) -> Rubric:
    """The built-in rubric by name (`default`) or a TOML file by path, checked."""
    data, source = read_toml(str(name_or_path), BUILTIN, "rubric", RubricError, "--rubric")
    return parse_rubric(data, source)


def parse_rubric(data: dict, source: str = "rubric") -> Rubric:
    unknown = sorted(set(data) - {"points"})
    if unknown:
        raise RubricError(f"{source}: unknown key {unknown[0]!r}: a rubric holds one table, [points]")
    table = data.get("points")
    if not isinstance(table, dict) or not table:
        raise RubricError(f"{source}: no [points] table: give points to some of the parts {', '.join(PARTS)}")
    for part, value in table.items():
        if part not in PARTS:
            close = difflib.get_close_matches(part, list(PARTS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise RubricError(f"{source}: unknown part {part!r}: {hint}the parts are {', '.join(PARTS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise RubricError(f"{source}: points of {part!r} must be a number ≥ 0, got {value!r}")
    if not sum(table.values()):
        raise RubricError(f"{source}: the rubric is worth no points: give some part more than 0")
    return Rubric(source, tuple((part, float(table[part])) for part in PARTS if part in table))
