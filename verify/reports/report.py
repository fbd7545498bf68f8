"""The verification report: findings per table, as text for people and as JSON for programs.

JSON shape (stable; `version` changes if it ever does):

    {
      "version": 2,
      "file": "backprop.xlsx",
      "engine": "libreoffice" | "formulas" | "none",
      "rtol": 1e-09, "atol": 1e-12,
      "passed": true,
      "notes": ["converted from .ods by LibreOffice", ...],
      "score": null | { the grade under a rubric: verify/reports/score.py },
      "tables": [
        {
          "sheet": "LR 0.1", "header_row": 4, "first_row": 5, "last_row": 105,
          "eta_cell": "'LR 0.1'!B2", "eta": 0.1, "cells": 2929,
          "checks": ["structure", "saved values", "libreoffice"],
          "passed": true,
          "recognised": "sheet 'LR 0.1': header row 4, ...",
          "unchecked": ["column Q 'xyz': not checked", ...],
          "root_causes": [
            { the first finding of one root cause (the fields below), and
              "checks": ["saved values", "libreoffice"]: every check it shows in }
          ],
          "findings": [
            {
              "check": "structure" | "saved values" | "libreoffice" | "formulas",
              "kind": "not a formula" | "empty" | "mismatch" | "error value" | "bad input",
              "cell": "'LR 0.1'!AB5", "quantity": "∂E_total/∂w3", "header": "∂E_total/∂w3",
              "iteration": 0, "formula": "=...", "expected": 0.0001, "actual": 0.0002,
              "others": 1234, "mistake": null, "mistake_key": null, "message": "one line"
            }
          ]
        }
      ]
    }

`actual` is a number, text, an error's text ("#DIV/0!") or null (empty); `expected` a number
or null; `others` counts the other cells of that table with the same kind of problem in that
check; `mistake` is a sentence naming a known student mistake, when one matches, and
`mistake_key` that mistake's key in the catalogue (README, "Hand-built workbooks").

When nothing could be checked at all (a workbook that cannot be read, a bad option), `--json` still
prints one document: `{"version": 2, "error": "one line"}`, with `"file"` when one workbook was named.

`findings` holds each check's findings, so one mistake usually shows twice there (in the saved
values and after recalculation); `root_causes` (added in version 2, nothing else changed) holds
each once: findings with the same cell, kind and mistake merged, with the checks they show in.
The text report prints the root causes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verify.reading.cells import Value, show
from verify.reports.score import Score

JSON_VERSION = 2


@dataclass(frozen=True)
class Finding:
    """The first cell, in dependency order, where one check goes wrong, and how many more do."""

    check: str  # "structure", "saved values", or the engine that recalculated: "libreoffice", "formulas"
    kind: str  # "not a formula", "empty" (an unfinished column), "mismatch", "error value", "bad input"
    cell: str  # 'LR 0.1'!AB5
    quantity: str  # canonical name: "∂E_total/∂w3"
    header: str  # the column header as written in the workbook
    iteration: int | None  # row of the table, 0 = the initial weights; None for a cell outside it
    formula: str | None
    expected: float | None
    actual: Value
    others: int = 0
    mistake: str | None = None
    mistake_key: str | None = None  # the catalogue entry (verify/naming/mistakes.py), e.g. "other-hidden-slope"

    @property
    def column(self) -> str:
        """The column of the cell, by its header as written in the workbook (the text report's "column ...")."""
        return self.header

    def message(self) -> str:
        where = f"{self.cell} (column {self.header}" + (
            f", iteration {self.iteration})" if self.iteration is not None else ")"
        )
        if self.kind == "not a formula":
            text = f"{where} holds the typed-in value {show(self.actual)}, not a formula"
        elif self.kind == "empty":
            text = f"{where} is empty"
        elif self.kind == "bad input":
            text = f"{where} holds {show(self.actual)}, not a number: the reference needs it"
        elif self.kind == "error value":
            text = f"{where} is {show(self.actual)}"
        else:
            text = f"{where} is {show(self.actual)}, expected {show(self.expected)}"
        if self.others:
            text += f"; {self.others:,} other cell{'s' if self.others != 1 else ''} " + (
                "too" if self.kind in ("not a formula", "bad input", "empty") else "differ" if self.others != 1 else "differs"
            )
        return text

    def to_dict(self) -> dict:
        return {
            "check": self.check,
            "kind": self.kind,
            "cell": self.cell,
            "quantity": self.quantity,
            "header": self.header,
            "iteration": self.iteration,
            "formula": self.formula,
            "expected": self.expected,
            "actual": self.actual,
            "others": self.others,
            "mistake": self.mistake,
            "mistake_key": self.mistake_key,
            "message": self.message(),
        }


def error_dict(message: str, file: str | None = None) -> dict:
    """The JSON document of a run that checked nothing: its one-line error (and the workbook, when one was named)."""
    return {"version": JSON_VERSION} | ({"file": file} if file is not None else {}) | {"error": message}


# How the text report says where a root cause shows: each check's own words.
_SHOWN_IN = {"structure": "in the table's structure", "saved values": "in the saved values"}


@dataclass(frozen=True)
class RootCause:
    """One mistake at one cell, said once: the first check's finding and every check it shows in."""

    finding: Finding
    checks: tuple[str, ...]  # in report order: ("saved values", "libreoffice")

    def shown_in(self) -> str:
        """ "saved values" for one check (as the check is named); "in the saved values and after recalculation
        (libreoffice)" for several."""
        if len(self.checks) == 1:
            return self.checks[0]
        words = [_SHOWN_IN.get(c) for c in self.checks]
        engines = [c for c, w in zip(self.checks, words) if w is None]
        words = [w for w in words if w] + ([f"after recalculation ({', '.join(engines)})"] if engines else [])
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

    def to_dict(self) -> dict:
        return self.finding.to_dict() | {"checks": list(self.checks)}


def root_causes(findings: tuple[Finding, ...]) -> tuple[RootCause, ...]:
    """`findings` with those of the same cell, kind and mistake merged across checks, in first-seen order."""
    merged: dict[tuple, tuple[Finding, list[str]]] = {}
    for f in findings:
        first, checks = merged.setdefault((f.cell, f.kind, f.mistake_key, f.mistake), (f, []))
        if f.check not in checks:
            checks.append(f.check)
    return tuple(RootCause(first, tuple(checks)) for first, checks in merged.values())


@dataclass(frozen=True)
class TableReport:
    """What the checks found on one table."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int
    eta_cell: str
    eta: float | None
    cells: int  # table cells compared per check
    checks: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    recognised: str = ""  # what layout detection found: header row, η cell, column -> quantity
    unchecked: tuple[str, ...] = ()  # "column Q 'xyz': not checked": formula columns nothing recognised

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def root_causes(self) -> tuple[RootCause, ...]:
        """The findings said once each: merged across the checks they show in."""
        return root_causes(self.findings)

    def to_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "first_row": self.first_row,
            "last_row": self.last_row,
            "eta_cell": self.eta_cell,
            "eta": self.eta,
            "cells": self.cells,
            "checks": list(self.checks),
            "passed": self.passed,
            "root_causes": [r.to_dict() for r in self.root_causes],
            "findings": [f.to_dict() for f in self.findings],
            "recognised": self.recognised,
            "unchecked": list(self.unchecked),
        }


@dataclass(frozen=True)
class Report:
    """The whole verification: which engine ran, with which tolerances, and every table's result."""

    file: str
    engine: str
    rtol: float
    atol: float
    tables: tuple[TableReport, ...]
    notes: tuple[str, ...] = ()  # how the file was read, e.g. "converted from .ods by LibreOffice"
    score: Score | None = None  # the grade under a rubric (verify/grading/), once graded

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.tables)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every table's findings, table by table."""
        return tuple(f for t in self.tables for f in t.findings)

    @property
    def root_causes(self) -> tuple[RootCause, ...]:
        """Every table's root causes, table by table."""
        return tuple(r for t in self.tables for r in t.root_causes)

    @property
    def exit_code(self) -> int:
        """0 when every check passed, 1 when something differs."""
        return 0 if self.passed else 1

    def to_frame(self):
        """A pandas DataFrame with one row per finding (verify.reports.html.FRAME_COLUMNS); empty when it passed."""
        from verify.reports import html

        return html.findings_frame([self])

    def _repr_html_(self) -> str:
        """Jupyter's view: per table pass or FAIL, then the root causes with the mistake named, in colour."""
        from verify.reports import html

        return html.report_html(self)

    def to_dict(self) -> dict:
        return {
            "version": JSON_VERSION,
            "file": self.file,
            "engine": self.engine,
            "rtol": self.rtol,
            "atol": self.atol,
            "passed": self.passed,
            "notes": list(self.notes),
            "score": self.score.to_dict() if self.score else None,
            "tables": [t.to_dict() for t in self.tables],
        }

    def to_text(self, verbose: bool = False) -> str:
        engine = "no engine (saved values only)" if self.engine == "none" else f"the {self.engine} engine"
        lines = [f"{self.file}: {len(self.tables)} table(s), formulas recalculated with {engine}"]
        lines += [f"  note: {note}" for note in self.notes]
        width = max(len(t.sheet) for t in self.tables)
        for t in self.tables:
            checks = ", ".join(t.checks)
            status = "pass" if t.passed else "FAIL"
            lines.append(f"  {t.sheet:<{width}}  {status}  ({t.cells:,} cells; η = {t.eta}; checks: {checks})")
            if verbose and t.recognised:
                lines += [f"    {line}" for line in t.recognised.splitlines()]
            elif t.unchecked:
                lines += [f"    {line}" for line in t.unchecked]
            for cause in t.root_causes:
                f = cause.finding
                lines.append(f"    {cause.shown_in()}: {f.message()}")
                if f.formula:
                    lines.append(f"      formula: {f.formula}")
                if f.mistake:
                    lines.append(f"      likely mistake: {f.mistake}")
        if self.score:
            lines.append(f"  {self.score.line()}")
        failed = sum(not t.passed for t in self.tables)
        tolerance = f"rtol {self.rtol:g}, atol {self.atol:g}"
        if failed:
            lines.append(f"FAILED: {failed} of {len(self.tables)} table(s) ({tolerance})")
        else:
            lines.append(f"OK: every check passed ({tolerance})")
        return "\n".join(lines)
