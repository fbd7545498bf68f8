"""Write a file so that nothing a user has is lost: into a temporary file beside the target, moved into place at the end.

    with new_file(path, force) as tmp:   # an empty temporary file in path's folder
        write(tmp)                       # any exception or stop here leaves `path` as it was, and no tmp
    # here `path` holds what was written

Without `force` the target is created atomically (a hard link of the finished file, which fails if the name
exists), so of two runs racing for the same new name exactly one wins and the other gets OutputExistsError;
"refuse if it exists" is never a check followed by a write. With `force` the file is replaced atomically
(os.replace). The move runs in network.stopping.final_step(): a stop asked for before it raises Stopped, one
that arrives during it waits until the file is in place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from network.errors import OutputExistsError, WorkbookError
from network.stopping import final_step


# What one formula cell costs at least (the built-in templates measure about 22 and 81 bytes): a lower bound, so
# that only a write that surely cannot fit is refused; a disk that fills up later still ends in one line.
ZIP_BYTES_PER_CELL = 10  # in the finished .xlsx, beside the target
XML_BYTES_PER_CELL = 50  # in XlsxWriter's row files under TMPDIR, while the sheets are written


def check_room(path: Path, cells: int) -> None:
    """Refuse at once a workbook of `cells` formula cells that cannot fit in `path`'s folder, or its rows in TMPDIR."""
    needs = (
        (path.parent, cells * ZIP_BYTES_PER_CELL, "the workbook"),
        (Path(tempfile.gettempdir()), cells * XML_BYTES_PER_CELL, "its rows while writing (TMPDIR)"),
    )
    for folder, need, what in needs:
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            continue  # the write itself will say what is wrong with the folder
        if free < need:
            raise WorkbookError(
                f"cannot write {path}: {what} needs at least {_megabytes(need)} ({cells:,} formula cells), "
                f"and {folder} has {_megabytes(free)} free"
            )


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:,.1f} MB"


@contextlib.contextmanager
def new_file(path: Path, force: bool) -> Iterator[Path]:
    """A temporary file beside `path` to write; on success it becomes `path` (see the module's docstring).

    Raises OutputExistsError when `path` exists and not `force` (checked again at the move, atomically),
    WorkbookError when the folder cannot be written."""
    tmp = _temp_path(path)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp made it private; give it a normal file's mode
        with final_step():
            _move_into_place(tmp, path, force)
    except OSError as exc:
        raise WorkbookError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def exists_error(path: Path) -> OutputExistsError:
    return OutputExistsError(f"{path} already exists: use --force to overwrite it, or -o to choose another name")


def _move_into_place(tmp: Path, path: Path, force: bool) -> None:
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails with FileExistsError if the name exists, whoever created it meanwhile
    except FileExistsError:
        raise exists_error(path) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        _reserve_then_replace(tmp, path)  # a file system without hard links


def _reserve_then_replace(tmp: Path, path: Path) -> None:
    """Create the name exclusively (O_EXCL: one creator wins), then replace the empty file with the finished one."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError:
        raise exists_error(path) from None
    os.replace(tmp, path)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_path(path: Path) -> Path:
    """An empty temporary file in the target's folder, so the move is atomic (and never crosses file systems)."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name[:64]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WorkbookError(f"cannot write in {path.parent}: {exc.strerror or exc}") from None
    os.close(fd)
    return Path(name)
