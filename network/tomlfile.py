"""Read a TOML file shipped under templates/ (by name) or a user's own (by path)."""

from __future__ import annotations

import difflib
import tomllib
from importlib import resources
from pathlib import Path

from network.errors import BackpropSheetError


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
        try:
            text, source = path.read_text("utf-8"), str(path)
        except FileNotFoundError:
            raise error(f"{what} file {path} not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise error(f"cannot read {what} file {path}: {exc}") from None
    try:
        return tomllib.loads(text), source
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: not valid TOML ({exc})") from None
