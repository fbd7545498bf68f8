"""Check a backprop-sheet workbook against a NumPy reference and a real spreadsheet engine.

    >>> import verify
    >>> report = verify.check("backprop.xlsx")      # a Report; a folder or a list gives a ClassReport
    >>> report.passed, report.to_dict()["version"]
    (True, 2)

The checker is built in rooms, each importing only the rooms before it (tests/test_layering.py):
reading (a workbook's cells) -> engines (recalculation), reports (findings), naming (the mistake catalogue)
-> tables (recognising a table) -> checking (one workbook); grading (a rubric's score of a report) -> marking
(the student's workbook handed back, marked); api.py, batch.py (a class in worker processes) and feedback.py
(the marked copies of a class) on top.
"""

from verify.api import check
from verify.reports.classreport import ClassReport, Outcome
from verify.reports.report import Finding, Report, TableReport

__all__ = ["ClassReport", "Finding", "Outcome", "Report", "TableReport", "check"]
