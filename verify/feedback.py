"""Handing a class its workbooks back, marked (`verify --feedback DIR`), and each student's name.

Each checked .xlsx/.xlsm workbook gets its marked copy (verify/marking/marked_copy.py) at DIR/<its path under
the folder it was found in> (a file given by itself: DIR/<its name>). A workbook that could not be checked gets
no copy; one that cannot be marked (an .ods, a package in a form the marking does not know) gets none either,
and its outcome says why. No copy overwrites a file without `force`, and none is ever the student's own file.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from network.errors import BackpropSheetError, OutputExistsError
from verify.marking.marked_copy import write_marked_copy
from verify.reports.classreport import ClassReport


def targets(found: list[Path], given: list[Path], folder: Path) -> dict[Path, Path]:
    """workbook -> its marked copy's path in `folder`, keeping its path under the folder it was found in."""
    folders = [g.resolve() for g in given if g.is_dir()]
    placed: dict[Path, Path] = {}
    seen: dict[Path, Path] = {}
    for path in found:
        resolved = path.resolve()
        under = next((f for f in folders if resolved.is_relative_to(f)), None)
        target = folder / (resolved.relative_to(under) if under else Path(path.name))
        if target.resolve() in seen:
            raise BackpropSheetError(
                f"{path} and {seen[target.resolve()]} would both be handed back as {target}: give their folder instead"
            )
        if target.resolve() == resolved:
            raise OutputExistsError(f"--feedback {folder} would overwrite the student's own {path}: choose another folder")
        seen[target.resolve()] = path
        placed[path] = target
    return placed


def refuse_existing(placed: dict[Path, Path], force: bool) -> None:
    """OutputExistsError, before anything is checked, when a copy would overwrite a file and `force` is not given."""
    existing = [t for t in placed.values() if t.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise OutputExistsError(f"{existing[0]} already exists{more}: use --force to overwrite the marked copies")


def give_back(report: ClassReport, placed: dict[Path, Path], *, force: bool) -> ClassReport:
    """Write the marked copy of every checked workbook of `report`; each outcome records its copy or why none."""
    checked = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, backprop-sheet {version()}"
    by_file = {str(path): target for path, target in placed.items()}
    outcomes = []
    for o in report.outcomes:
        target = by_file.get(o.file)
        if o.report is None or target is None:
            outcomes.append(o)
            continue
        try:
            written = write_marked_copy(o.file, o.report, target, checked=checked, force=force)
            outcomes.append(replace(o, feedback=str(written)))
        except BackpropSheetError as exc:
            outcomes.append(replace(o, feedback_problem=str(exc)))
        except OSError as exc:
            outcomes.append(replace(o, feedback_problem=f"cannot write {target}: {exc.strerror or exc}"))
        except Exception as exc:  # noqa: BLE001 - a student's package may hold anything; the class goes on
            text = str(exc).splitlines()[0] if str(exc) else ""
            outcomes.append(replace(o, feedback_problem=f"unexpected {type(exc).__name__}" + (f": {text}" if text else "")))
    return replace(report, outcomes=tuple(outcomes))


def student(path: str | Path, pattern: re.Pattern | None = None) -> str:
    """The student a file belongs to: the group `student` of `pattern` (else its first group, else its whole
    match) searched in the file's name; without a pattern, or where it does not match, the name without extension."""
    name = Path(path).name
    found = pattern.search(name) if pattern else None
    if found is None:
        return Path(path).stem
    if "student" in found.re.groupindex:
        return found.group("student") or Path(path).stem
    return (found.group(1) if found.re.groups else found.group(0)) or Path(path).stem


def version() -> str:
    try:
        return metadata.version("backprop-sheet")
    except metadata.PackageNotFoundError:
        return "(version unknown)"
