"""The result of checking a whole class: one outcome per workbook, and a summary of the mistakes.

Each workbook ends one of three ways: `pass`; `FAIL`, with every distinct mistake and the first
cell it shows at (the first named mistake first); or `could not check`, with the reason in one
line. The summary counts the outcomes and how many workbooks carry each named mistake (by its
catalogue key, verify/naming/mistakes.py).

The class comes out as text lines, CSV rows (one per workbook and table; `to_frame()` is the same
rows as a DataFrame), JSON, and a class workbook (`--report class.xlsx`, marked as written by this
tool, verify/reports/marks.py, so that a later run over its folder never checks it as a student's).
JSON shape (`version` as in verify/reports/report.py):

    {
      "version": 2,
      "engine": "formulas", "rtol": 1e-09, "atol": 1e-12,
      "timeout": 60.0, "max_memory": 2147483648,
      "summary": {
        "workbooks": 30, "passed": 25, "failed": 4, "could_not_check": 1,
        "mistakes": {"other-hidden-slope": 3, "(not catalogued)": 1}
      },
      "workbooks": [
        {
          "file": "submissions/bob.xlsx",
          "status": "pass" | "fail" | "could not check",
          "reason": null | "time limit of 60 s exceeded",
          "mistakes": ["other-hidden-slope"],
          "seconds": 0.84,
          "student": "bob",
          "score": null | { the grade: verify/reports/score.py },
          "feedback": null | "returned/bob.xlsx", "feedback_problem": null | "why no marked copy was written",
          "report": null | { the single-workbook report of verify/reports/report.py, version included }
        }
      ]
    }

`mistakes` in a workbook lists the catalogue keys of its findings in report order, each once;
a finding with no catalogued mistake counts as "(not catalogued)". `seconds` is the wall time
the worker spent on that workbook. `student` is the file's name without its extension (or the group of
`verify --student-id REGEX`); `score` its grade under the rubric, null when it could not be checked. In the
CSV, `findings`, `mistakes`, `mistake_keys`, `cells` and `columns` count and list a table's root causes, each
once (verify/reports/report.py, RootCause).
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from verify.reports import marks
from verify.reports.outputfile import atomically
from verify.reports.status import COULD_NOT_CHECK, FAIL, PASS
from verify.reports.report import JSON_VERSION, Finding, Report
from verify.reports.score import Score, points

NOT_CATALOGUED = "(not catalogued)"
CSV_COLUMNS = (
    "file", "sheet", "status", "eta", "cells_checked", "findings", "mistakes", "mistake_keys", "cells", "columns",
    "reason", "student", "score", "max_score", "points",
)  # fmt: skip
MAX_CELL_TEXT = 32_767  # characters a spreadsheet cell holds (Excel's limit); longer text is cut, with "…"
# A CSV cell starting with one of these is taken for a formula by a spreadsheet app (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Outcome:
    """How one workbook of the class ended: a Report, or the one-line reason it could not be checked."""

    file: str
    report: Report | None
    reason: str | None = None  # set exactly when report is None
    seconds: float = 0.0
    peak_memory: int = 0  # bytes: the peak resident memory of the worker (and LibreOffice) so far
    student: str = ""  # the file's name without its extension, or the group of --student-id
    feedback: str | None = None  # the marked copy written (--feedback)
    feedback_problem: str | None = None  # why no marked copy was written

    @property
    def score(self) -> Score | None:
        return self.report.score if self.report else None

    @property
    def status(self) -> str:
        if self.report is None:
            return COULD_NOT_CHECK
        return PASS if self.report.passed else FAIL

    @property
    def findings(self) -> list[Finding]:
        return list(self.report.findings) if self.report else []

    @property
    def first_finding(self) -> Finding | None:
        """The first finding that names a mistake, else the first finding."""
        named = [f for f in self.findings if f.mistake]
        return (named or self.findings or [None])[0]

    @property
    def mistakes(self) -> list[str]:
        """The catalogue keys of the findings, in report order, each once."""
        return list(dict.fromkeys(f.mistake_key or NOT_CATALOGUED for f in self.findings))

    @property
    def distinct_mistakes(self) -> list[Finding]:
        """The first finding of each distinct mistake, the first named one first. A mistake is its catalogue key
        (else its kind) in one quantity: the same mistake in ∂E/∂w3 on six sheets is one, ∂E/∂w2 and ∂E/∂w3 with
        the same key are two."""
        first = self.first_finding
        if first is None:
            return []
        distinct = {}
        for f in [first, *(r.finding for r in self.report.root_causes)]:
            distinct.setdefault((f.mistake_key or f.kind, f.quantity), f)
        return list(distinct.values())

    def line(self) -> str:
        if self.report is None:
            return f"{self.file}  could not check: {self.reason}"
        score = f"  (score {self.score.show()})" if self.score else ""
        if self.first_finding is None:
            return f"{self.file}  pass{score}"
        mistakes = "; ".join(f"{f.cell}: {f.mistake or f.message()}" for f in self.distinct_mistakes)
        return f"{self.file}  FAIL  {mistakes}{score}"

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "status": self.status,
            "reason": self.reason,
            "mistakes": self.mistakes,
            "seconds": round(self.seconds, 3),
            "student": self.student,
            "score": self.score.to_dict() if self.score else None,
            "feedback": self.feedback,
            "feedback_problem": self.feedback_problem,
            "report": self.report.to_dict() if self.report else None,
        }


@dataclass(frozen=True)
class ClassReport:
    """Every workbook's outcome, in the order they were given, and the settings they were checked with."""

    outcomes: tuple[Outcome, ...]
    engine: str
    rtol: float
    atol: float
    timeout: float
    max_memory: int

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def passed(self) -> bool:
        """Whether every workbook was checked and passed."""
        return self.count(PASS) == len(self.outcomes)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every workbook's findings, workbook by workbook (to_frame() adds the file to each)."""
        return tuple(f for o in self.outcomes for f in o.findings)

    def to_frame(self):
        """A pandas DataFrame with one row per workbook and table (CSV_COLUMNS): the CSV's rows, students who
        passed and files that could not be checked included."""
        import pandas as pd

        return pd.DataFrame(self.csv_rows(), columns=list(CSV_COLUMNS))

    def findings_frame(self):
        """A pandas DataFrame with one row per finding and its file (verify.reports.html.FRAME_COLUMNS)."""
        from verify.reports import html

        return html.findings_frame([o.report for o in self.outcomes if o.report])

    def _repr_html_(self) -> str:
        """Jupyter's view: a row per workbook (pass, FAIL with its first mistake, could not check), the summary."""
        from verify.reports import html

        return html.class_report_html(self)

    def mistake_counts(self) -> list[tuple[str, int]]:
        """(catalogue key, number of workbooks carrying it), most frequent first."""
        counts = Counter(key for o in self.outcomes for key in o.mistakes)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def exit_code(self) -> int:
        """0 when all pass, 1 when any fails, 2 when none failed but some could not be checked."""
        if self.count(FAIL):
            return 1
        return 2 if self.count(COULD_NOT_CHECK) else 0

    def to_text(self, verbose: bool = False) -> str:
        lines = []
        for o in self.outcomes:
            lines.append(o.line())
            if o.feedback_problem:
                lines.append(f"    no marked copy: {o.feedback_problem}")
            if verbose and o.report:
                lines += [f"    {line}" for line in o.report.to_text(verbose=True).splitlines()]
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        n = len(self.outcomes)
        lines = [
            f"{n} workbook{'s' if n != 1 else ''}: {self.count(PASS)} passed, {self.count(FAIL)} FAILED, "
            f"{self.count(COULD_NOT_CHECK)} could not be checked"
        ]
        copies = sum(o.feedback is not None for o in self.outcomes)
        if copies or any(o.feedback_problem for o in self.outcomes):
            lines.append(f"marked copies written: {copies}")
        counts = self.mistake_counts()
        if counts:
            lines.append("mistakes (number of workbooks carrying each):")
            width = max(len(str(c)) for _, c in counts)
            lines += [f"  {c:>{width}}  {key}" for key, c in counts]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "version": JSON_VERSION,
            "engine": self.engine,
            "rtol": self.rtol,
            "atol": self.atol,
            "timeout": self.timeout,
            "max_memory": self.max_memory,
            "summary": {
                "workbooks": len(self.outcomes),
                "passed": self.count(PASS),
                "failed": self.count(FAIL),
                "could_not_check": self.count(COULD_NOT_CHECK),
                "mistakes": dict(self.mistake_counts()),
            },
            "workbooks": [o.to_dict() for o in self.outcomes],
        }

    def csv_rows(self) -> list[dict]:
        """One row per workbook and table (one row for a workbook that could not be checked)."""
        rows = []
        for o in self.outcomes:
            if o.report is None:
                rows.append(
                    dict.fromkeys(CSV_COLUMNS, "") | {"file": o.file, "status": o.status, "reason": o.reason, "student": o.student}
                )
                continue
            graded = {
                "student": o.student,
                "score": "" if o.score is None else o.score.score,
                "max_score": "" if o.score is None else o.score.max_score,
                "points": "" if o.score is None else "; ".join(
                    f"{p.part} {points(p.score)}/{points(p.max_score)}" for p in o.score.parts
                ),
            }
            for t in o.report.tables:
                causes = [cause.finding for cause in t.root_causes]
                rows.append(
                    {
                        "file": o.file,
                        "sheet": t.sheet,
                        "status": PASS if t.passed else FAIL,
                        "eta": "" if t.eta is None else t.eta,
                        "cells_checked": t.cells,
                        "findings": len(causes),
                        "mistakes": "; ".join(f.mistake or f.message() for f in causes),
                        "mistake_keys": "; ".join(f.mistake_key or NOT_CATALOGUED for f in causes),
                        "cells": "; ".join(f.cell for f in causes),
                        "columns": "; ".join(f.header for f in causes),
                        "reason": "",
                    }
                    | graded
                )
        return rows

    def write_csv(self, path: str | Path, *, replace: bool = False) -> None:
        """The CSV rows, written atomically (a failed write leaves no file); an existing file is kept
        (OutputExistsError) unless `replace`. Every text is a cell's text, never a formula (csv_cell)."""
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in self.csv_rows())
        with atomically(path, replace) as tmp:
            tmp.write_text(text.getvalue(), "utf-8-sig")  # the BOM makes Excel read UTF-8 (η, ∂)

    def write_xlsx(self, path: str | Path, *, replace: bool = False) -> None:
        """The class workbook, written atomically: a row per file linked to it; mistake frequencies and a bar chart.
        Every text from a student's file is written as text (write_string), never as a formula."""
        import xlsxwriter

        with atomically(path, replace) as tmp:
            book = xlsxwriter.Workbook(str(tmp), {"strings_to_urls": False, "in_memory": True})  # nothing in $TMPDIR
            marks.mark(book, marks.CLASS_REPORT)
            _workbooks_sheet(book, self, Path(path).resolve().parent)
            _mistakes_sheet(book, self)
            book.close()


def printable(text: str) -> str:
    """`text` with what no UTF-8 output can hold (a file name's bytes that are not UTF-8, kept by Python as
    lone surrogates) shown as U+FFFD: the one spelling of such a name in the text, JSON, CSV and class workbook."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def cell_text(text: str, room: int = MAX_CELL_TEXT) -> str:
    """printable(text), cut to `room` characters (a cell's limit) with "…" at the cut."""
    text = printable(text)
    return text if len(text) <= room else text[: room - 1] + "…"


def csv_cell(value: object) -> object:
    """A CSV cell: a number as it is; a text as cell_text(), with a ' in front when a spreadsheet app would
    take it for a formula (it starts with =, +, -, @, a tab or a carriage return)."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_STARTS):
        return "'" + cell_text(value, MAX_CELL_TEXT - 1)
    return cell_text(value)


def _workbooks_sheet(book, report: ClassReport, folder: Path) -> None:
    bold = book.add_format({"bold": True, "bottom": 1})
    colours = {
        PASS: book.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"}),
        FAIL: book.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        COULD_NOT_CHECK: book.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"}),
    }
    sheet = book.add_worksheet("Workbooks")
    headers = (
        "File", "Status", "Sheet", "Cell", "First mistake, or why it could not be checked", "Mistakes", "Seconds",
        "Student", "Score", "Of", "Points per part",
    )  # fmt: skip
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    for row, o in enumerate(report.outcomes, start=1):
        sheet.write_url(row, 0, "external:" + cell_text(_link(Path(o.file), folder), 2079), string=cell_text(o.file))
        sheet.write_string(row, 1, "FAIL" if o.status == FAIL else o.status, colours[o.status])
        first = o.first_finding
        where, cell = first.cell.rsplit("!", 1) if first else ("", "")
        sheet.write_string(row, 2, cell_text(where.strip("'").replace("''", "'")))
        sheet.write_string(row, 3, cell_text(cell))
        sheet.write_string(row, 4, cell_text(o.reason or (first.mistake or first.message() if first else "")))
        sheet.write_string(row, 5, cell_text(", ".join(o.mistakes)))
        sheet.write_number(row, 6, round(o.seconds, 2))
        sheet.write_string(row, 7, cell_text(o.student))
        if o.score:
            sheet.write_number(row, 8, o.score.score)
            sheet.write_number(row, 9, o.score.max_score)
            sheet.write_string(row, 10, cell_text(o.score.breakdown()))
    total = len(report.outcomes) + 2
    sheet.write_string(total, 0, "Summary", bold)
    sheet.write_string(total + 1, 0, report.summary().splitlines()[0])
    sheet.set_column(0, 0, max([len(o.file) for o in report.outcomes] + [20]) * 0.9)
    sheet.set_column(1, 1, 13)
    sheet.set_column(2, 3, 8)
    sheet.set_column(4, 4, 80, book.add_format({"text_wrap": True, "valign": "top"}))  # long mistakes wrap, not cut off
    sheet.set_column(5, 5, 22)
    sheet.set_column(6, 6, 8)
    sheet.set_column(7, 7, 16)
    sheet.set_column(8, 9, 7)
    sheet.set_column(10, 10, 60)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # printed: as wide as one page
    sheet.autofilter(0, 0, max(len(report.outcomes), 1), len(headers) - 1)


def _mistakes_sheet(book, report: ClassReport) -> None:
    bold = book.add_format({"bold": True, "bottom": 1})
    sheet = book.add_worksheet("Mistakes")
    for col, header in enumerate(("Mistake (catalogue key)", "Workbooks", "Example")):
        sheet.write_string(0, col, header, bold)
    counts = report.mistake_counts()
    for row, (key, count) in enumerate(counts, start=1):
        sheet.write_string(row, 0, cell_text(key))
        sheet.write_number(row, 1, count)
        example = next(f.mistake for o in report.outcomes for f in o.findings if (f.mistake_key or NOT_CATALOGUED) == key)
        sheet.write_string(row, 2, cell_text(example or ""))
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 11)
    sheet.set_column(2, 2, 80)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    if not counts:
        sheet.write_string(1, 0, "no mistakes found")
        return
    chart = book.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": "Workbooks",
            "categories": ["Mistakes", 1, 0, len(counts), 0],
            "values": ["Mistakes", 1, 1, len(counts), 1],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": f"Mistakes in {len(report.outcomes)} workbooks"})
    chart.set_x_axis({"name": "workbooks", "major_unit": 1, "min": 0})
    chart.set_y_axis({"reverse": True})  # most frequent at the top
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": 120 + 28 * len(counts)})
    sheet.insert_chart(len(counts) + 2, 0, chart)


def _link(file: Path, folder: Path) -> str:
    """The file's path relative to the report's folder (the two can move together), else absolute."""
    target = file.resolve()
    try:
        return os.path.relpath(target, folder)
    except ValueError:  # another drive (Windows)
        return str(target)
