"""How verification reports show in Jupyter (HTML) and in pandas (a DataFrame of the findings).

Report._repr_html_ and ClassReport._repr_html_ call report_html() and class_report_html();
their to_frame() calls findings_frame(). pandas is imported only when a frame is asked for.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from verify.reading.cells import show
from verify.reports.status import COULD_NOT_CHECK, FAIL, PASS

if TYPE_CHECKING:  # the reports call these functions: importing them here would make a cycle
    import pandas as pd

    from verify.reports.classreport import ClassReport
    from verify.reports.report import Finding, Report, RootCause

# One row per finding: where it is, what was expected and found, and the mistake it names.
FRAME_COLUMNS = (
    "file", "sheet", "cell", "column", "quantity", "iteration", "check", "kind", "expected", "actual", "others",
    "mistake", "mistake_key", "formula",
)  # fmt: skip

_GREEN, _RED, _AMBER = "color:#006100;background:#C6EFCE", "color:#9C0006;background:#FFC7CE", "color:#9C5700;background:#FFEB9C"
_STATUS_STYLE = {PASS: _GREEN, FAIL: _RED, COULD_NOT_CHECK: _AMBER}
_CELL = "padding:2px 8px;text-align:left;vertical-align:top"


def findings_frame(reports: list[Report]) -> pd.DataFrame:
    """The findings of `reports` as a DataFrame with FRAME_COLUMNS, in report order."""
    import pandas as pd

    rows = [
        (report.file, table.sheet, *_finding_row(f))
        for report in reports
        for table in report.tables
        for f in table.findings
    ]
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    return frame.astype({"iteration": "Int64", "others": "int64"})


def _finding_row(f: Finding) -> tuple:
    return (
        f.cell, f.column, f.quantity, f.iteration, f.check, f.kind, f.expected, f.actual, f.others, f.mistake,
        f.mistake_key, f.formula,
    )  # fmt: skip


def report_html(report: Report) -> str:
    """One workbook: a line on what ran, a row per table (pass or FAIL), then its root causes."""
    engine = "no engine (saved values only)" if report.engine == "none" else f"the {report.engine} engine"
    failed = sum(not t.passed for t in report.tables)
    verdict = _badge(FAIL, f"FAILED: {failed} of {len(report.tables)} tables") if failed else _badge(PASS, "every check passed")
    parts = [
        f"<p><b>{escape(report.file)}</b>: {len(report.tables)} table(s), formulas recalculated with {engine}: {verdict} "
        f"<small>(rtol {report.rtol:g}, atol {report.atol:g})</small></p>"
    ]
    parts += [f"<p><i>note: {escape(note)}</i></p>" for note in report.notes]
    if report.score:
        parts.append(f"<p><b>Score {escape(report.score.show())}</b>: {escape(report.score.breakdown())}</p>")
    rows = [
        [escape(t.sheet), escape(str(t.eta)), f"{t.cells:,}", escape(", ".join(t.checks)), _badge(PASS if t.passed else FAIL)]
        for t in report.tables
    ]
    parts.append(_table(["Sheet", "η", "Cells", "Checks", "Result"], rows))
    if report.findings:
        parts.append("<p><b>Root causes</b> (the first wrong cell of each check, and every other column wrong "
                     "given its own inputs; each once, with the checks it shows in):</p>")
        parts.append(_findings_table(report.root_causes))
    unchecked = [line for t in report.tables for line in t.unchecked]
    parts += [f"<p><small>{escape(line)}</small></p>" for line in unchecked]
    return _box(parts)


def class_report_html(report: ClassReport) -> str:
    """A class: a row per workbook with its status and every distinct mistake at its first cell (or the reason it
    could not be checked), then the summary."""
    rows = []
    for o in report.outcomes:
        mistakes = o.distinct_mistakes
        cells = "<br>".join(_code(f.cell) for f in mistakes)
        why = escape(o.reason or "") or "<br>".join(_mistake(f.mistake or f.message(), f.mistake_key) for f in mistakes)
        score = escape(o.score.show()) if o.score else ""
        rows.append([escape(o.file), _badge(o.status), score, cells, why])
    parts = [_table(["File", "Status", "Score", "Cell", "Mistakes, or why it could not be checked"], rows)]
    parts.append(f"<p>{escape(report.summary().splitlines()[0])}</p>")
    counts = report.mistake_counts()
    if counts:
        parts.append(_table(["Mistake", "Workbooks"], [[f"<code>{escape(key)}</code>", str(n)] for key, n in counts]))
    return _box(parts)


def _findings_table(causes: tuple[RootCause, ...]) -> str:
    rows = [
        [
            _code(f.cell),
            escape(f.column),
            "" if f.iteration is None else str(f.iteration),
            escape(", ".join(cause.checks)),
            escape(show(f.expected)) if f.expected is not None else "",
            escape(show(f.actual)),
            f"{f.others:,}",
            _mistake(f.mistake, f.mistake_key) if f.mistake else f"<span style='color:#666'>{escape(f.message())}</span>",
        ]
        for cause in causes
        for f in [cause.finding]
    ]
    return _table(["Cell", "Column", "Iteration", "Checks", "Expected", "Actual", "Others", "Mistake"], rows)


def _mistake(text: str, key: str | None) -> str:
    if not text:
        return ""
    label = f"<code>{escape(key)}</code>: " if key else ""
    return f"<span style='{_RED};padding:0 4px'>{label}{escape(text)}</span>"


def _code(text: str) -> str:
    return f"<code style='white-space:nowrap'>{escape(text)}</code>" if text else ""


def _badge(status: str, text: str | None = None) -> str:
    word = text or ("FAIL" if status == FAIL else status)
    return f"<span style='{_STATUS_STYLE[status]};padding:0 6px;font-weight:bold'>{escape(word)}</span>"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th style='{_CELL}'>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td style='{_CELL}'>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _box(parts: list[str]) -> str:
    return "<div class='backprop-sheet-report'>" + "\n".join(parts) + "</div>"
