"""Read a TOML file shipped under templates/ (by name) or a user's own (by path)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from excelgen.errors import BackpropSheetError


def read_toml(
    name_or_path: str, builtin: dict[str, str], what: str, error: type[BackpropSheetError]
) -> tuple[dict, str]:
    """(parsed TOML, label for messages). `builtin` maps names to file names under templates/;
    `what` names the kind of file in messages ("template", "CNN configuration")."""
    if name_or_path in builtin:
        text = resources.files("templates").joinpath(builtin[name_or_path]).read_text("utf-8")
        source = name_or_path
    else:
        path = Path(name_or_path)
        if path.suffix.lower() != ".toml" and not path.exists():
            names = ", ".join(sorted(builtin))
            raise error(f"unknown {what} {name_or_path!r}: use a built-in name ({names}) or a path to a .toml file")
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
