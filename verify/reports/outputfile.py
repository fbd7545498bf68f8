"""An output file written whole or not at all: a temporary file beside it, moved into place at the end."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from network.errors import OutputExistsError


@contextmanager
def atomically(path: str | Path, replace: bool) -> Iterator[Path]:
    """A temporary file beside `path` (a short name: `path`'s own may be as long as a name can be), created
    with the umask's mode; when the block succeeds it becomes `path`: replacing it only when `replace`, else
    linked there (an existing file makes OutputExistsError, with no window between the check and the write).
    Removed in any case."""
    path = Path(path)
    while True:
        tmp = path.parent / f".backprop-sheet-{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise OutputExistsError(f"{path} exists (use --force to replace it)") from None
    finally:
        tmp.unlink(missing_ok=True)
