"""Read a TOML file shipped under templates/ (by name) or a user's own (by path): a regular file of at most 1 MB."""

from __future__ import annotations

import difflib
import os
import stat
import tomllib
from importlib import resources
from pathlib import Path

from network.errors import BackpropSheetError

MAX_BYTES = 1024**2  # a template or configuration file: a few lines; 1 MB is far more than any needs
MAX_DEPTH = 64  # tables and arrays inside one another; a template nests 3 deep


def read_toml(
    name_or_path: str, builtin: dict[str, str], what: str, error: type[BackpropSheetError], option: str = ""
) -> tuple[dict, str]:
    """(parsed TOML, label for messages). `builtin` maps names to file names under templates/;
    `what` names the kind of file in messages ("template", "CNN configuration"), `option` the
    command-line flag that takes it ("--template"), for the hints."""
    if name_or_path in builtin:
        text = resources.files("templates").joinpath(builtin[name_or_path]).read_text("utf-8")
        source = name_or_path
    else:
        path = Path(name_or_path)
        if path.suffix.lower() != ".toml" and not path.exists():
            names = ", ".join(sorted(builtin))
            close = difflib.get_close_matches(name_or_path, sorted(builtin), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise error(f"unknown {what} {name_or_path!r}: {hint}use a built-in name ({names}) or a path to a .toml file")
        if path.stem in builtin and not path.exists():
            use = f"use {option} {path.stem}" if option else f"give the name {path.stem} without .toml"
            raise error(f"no file {path}; did you mean the built-in {what} {path.stem!r}? {use}")
        text, source = _read_text(path, what, error), str(path)
    too_deep = error(f"{source}: nested too deep to be a {what} (tables or arrays inside one another)")
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:  # deeper than Python's recursion limit
        raise too_deep from None
    if _depth(parsed) > MAX_DEPTH:  # deep, yet parsed: a process that raised the limit (PyTorch's compiler does)
        raise too_deep
    return parsed, source


def _depth(value: object) -> int:
    """How many tables and arrays lie inside one another in `value`, without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth + 1)
            stack += [(item, depth + 1) for item in value]
    return deepest


def _read_text(path: Path, what: str, error: type[BackpropSheetError]) -> str:
    """The text of a regular file of at most MAX_BYTES (a FIFO, /dev/zero or a folder is refused at once, not
    read without end); UTF-8, with or without a byte-order mark."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens at once, and is refused below
    except FileNotFoundError:
        raise error(f"{what} file {path} not found") from None
    except OSError as exc:
        raise error(f"cannot read {what} file {path}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"cannot read {what} file {path}: not a regular file")
        data = os.read(fd, MAX_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read {what} file {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise error(f"{what} file {path} is over {MAX_BYTES // 1024**2} MB: a {what} is a few lines of TOML")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"cannot read {what} file {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
