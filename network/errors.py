"""The one small exception hierarchy of backprop-sheet.

The library raises these; only the CLI turns them into a one-line message and an exit code.
"""

from __future__ import annotations


class BackpropSheetError(Exception):
    """Something the user can fix: the message names the thing and how to fix it."""

    exit_code = 2


class TemplateError(BackpropSheetError):
    """A network template (built-in name or TOML file) is missing or holds a bad value."""


class OutputExistsError(BackpropSheetError):
    """The output file exists and --force was not given."""


class OutputInUseError(BackpropSheetError):
    """A spreadsheet app holds the output open (its lock file lies beside it); --force does not help."""


class WorkbookError(BackpropSheetError):
    """A workbook cannot be read or checked: missing, not an xlsx, or an unrecognised layout."""


class EngineError(BackpropSheetError):
    """A spreadsheet engine (LibreOffice, formulas) is missing or failed."""


class DatasetError(BackpropSheetError):
    """The MNIST files are missing or damaged."""


class ConfigError(BackpropSheetError):
    """A CNN configuration is invalid (bad value, or shapes that do not fit)."""


class RunFolderError(BackpropSheetError):
    """A CNN run folder is missing, incomplete or damaged."""


class RubricError(BackpropSheetError):
    """A grading rubric (built-in name or TOML file) is missing or holds a bad value."""
