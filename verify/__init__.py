"""Check a backprop-sheet workbook against a NumPy reference and a real spreadsheet engine.

    >>> import verify
    >>> report = verify.check("backprop.xlsx")      # a Report; a folder or a list gives a ClassReport
    >>> report.passed, report.to_dict()["version"]
    (True, 2)
"""

# The submodule verify/check.py is loaded first: importing it later would make the name
# `verify.check` the module instead of the function below.
import verify.check  # noqa: F401
from verify.api import check
from verify.classreport import ClassReport, Outcome
from verify.report import Finding, Report, TableReport

__all__ = ["ClassReport", "Finding", "Outcome", "Report", "TableReport", "check"]
