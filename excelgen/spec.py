"""The network spec: what a template says, validated, as a frozen dataclass."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from excelgen.errors import TemplateError
from excelgen.tomlfile import read_toml

DEFAULT_TEMPLATE = "era-s6"
MAX_ITERATIONS = 100_000

WEIGHT_NAMES = tuple(f"w{k}" for k in range(1, 9))
_SECTIONS = {
    "inputs": ("i1", "i2"),
    "targets": ("t1", "t2"),
    "weights": WEIGHT_NAMES,
}
_OPTIONAL_SECTIONS = {"biases": ("b1", "b2")}
_TOP_LEVEL = {"name", "description", "iterations", "learning_rates"}


@dataclass(frozen=True)
class NetworkSpec:
    """Inputs, targets, initial weights, optional fixed biases, and the training schedule."""

    name: str
    i1: float
    i2: float
    t1: float
    t2: float
    weights: tuple[float, ...]  # w1..w8
    learning_rates: tuple[float, ...]
    iterations: int
    b1: float | None = None
    b2: float | None = None
    description: str = ""

    @property
    def has_biases(self) -> bool:
        return self.b1 is not None

    def with_options(
        self, iterations: int | None = None, learning_rates: tuple[float, ...] | None = None
    ) -> NetworkSpec:
        """The same spec with command-line overrides applied and validated."""
        spec = self
        if iterations is not None:
            spec = replace(spec, iterations=_iterations(iterations, "--iterations"))
        if learning_rates:
            rates = tuple(_learning_rate(r, "--lr") for r in learning_rates)
            spec = replace(spec, learning_rates=_unique_rates(rates, "--lr"))
        return spec


CNN_TEMPLATE_PREFIX = "cnn-"  # templates/cnn-*.toml configure the CNN, not this network


def builtin_templates() -> list[str]:
    """Names of the network templates shipped with the package."""
    files = resources.files("templates")
    names = (p.name[: -len(".toml")] for p in files.iterdir() if p.name.endswith(".toml"))
    return sorted(n for n in names if not n.startswith(CNN_TEMPLATE_PREFIX))


def load_template(name_or_path: str | Path = DEFAULT_TEMPLATE) -> NetworkSpec:
    """Load a built-in template by name, or a user's TOML file by path, and validate it."""
    builtin = {name: f"{name}.toml" for name in builtin_templates()}
    data, source = read_toml(str(name_or_path), builtin, "template", TemplateError, "--template")
    return parse_template(data, source)


def parse_template(data: dict, source: str = "template") -> NetworkSpec:
    """Validate the parsed TOML of a template; every problem names the key, and all are reported at once.

    Raises TemplateError with one line: `source: problem; problem; ...`, where an unknown key close
    to a valid one says "did you mean ...".
    """
    problems: list[str] = []
    allowed = _TOP_LEVEL | set(_SECTIONS) | set(_OPTIONAL_SECTIONS)
    values: dict[str, float] = {}
    suggested = _unknown_keys(set(data), allowed, "", problems)
    for section, keys in (_SECTIONS | _OPTIONAL_SECTIONS).items():
        if section not in data:
            if section not in _OPTIONAL_SECTIONS and section not in suggested:
                problems.append(f"missing section [{section}] (keys {', '.join(keys)})")
            continue
        table = data[section]
        if not isinstance(table, dict):
            problems.append(f"{section} must be a table [{section}]")
            continue
        suggested_keys = _unknown_keys(set(table), set(keys), f"{section}.", problems)
        for key in keys:
            if key in table:
                values[key] = _collect(problems, _finite, table[key], f"{section}.{key}")
            elif key not in suggested_keys:
                problems.append(f"missing key {section}.{key}")
    for key in ("iterations", "learning_rates"):
        if key not in data and key not in suggested:
            problems.append(f"missing key {key}")
    rates = data.get("learning_rates")
    if rates is not None:
        if not isinstance(rates, list) or not rates:
            problems.append("learning_rates must be a non-empty list of numbers, e.g. [0.5]")
        else:
            rates = tuple(_collect(problems, _learning_rate, r, "learning_rates") for r in rates)
            if None not in rates:
                _collect(problems, _unique_rates, rates, "learning_rates")
    iterations = _collect(problems, _iterations, data["iterations"], "iterations") if "iterations" in data else None
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str) or not name.strip():
        problems.append("name must be a non-empty string")
    if problems:
        raise TemplateError(f"{source}: {'; '.join(problems)}")
    return NetworkSpec(
        name=name,
        description=str(data.get("description", "")),
        i1=values["i1"],
        i2=values["i2"],
        t1=values["t1"],
        t2=values["t2"],
        weights=tuple(values[w] for w in WEIGHT_NAMES),
        b1=values.get("b1"),
        b2=values.get("b2"),
        learning_rates=rates,
        iterations=iterations,
    )


def _unknown_keys(found: set[str], allowed: set[str], prefix: str, problems: list[str]) -> set[str]:
    """Report each unknown key (with "did you mean" when one is close); returns the keys suggested."""
    suggested = set()
    for key in sorted(found - allowed):
        close = _close_match(key, allowed - found) or _close_match(key, allowed)  # a missing key first
        if close:
            hint = f"did you mean {prefix}{close[0]}?" if prefix else f"did you mean {close[0]!r}?"
        else:
            hint = f"expected {', '.join(sorted(allowed))}" if prefix else "the allowed keys are listed in the README"
        problems.append(f"unknown key {prefix}{key} ({hint})" if prefix else f"unknown key {key!r} ({hint})")
        suggested.update(close)
    return suggested


def _close_match(key: str, candidates: set[str]) -> list[str]:
    """[the candidate closest to `key`, ignoring case], or [] when none is close (difflib's 0.6)."""
    by_lower = {c.lower(): c for c in sorted(candidates)}
    return [by_lower[m] for m in difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)]


def _collect(problems: list[str], check, value: object, key: str):
    """check(value, key), or None with its message added to `problems`."""
    try:
        return check(value, key)
    except TemplateError as exc:
        problems.append(str(exc))
        return None


def _finite(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TemplateError(f"{key} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise TemplateError(f"{key} must be finite, got {value!r}")
    return float(value)


def _learning_rate(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TemplateError(f"{key}: each learning rate must be a finite number, got {value!r}")
    if value <= 0:
        raise TemplateError(f"{key}: learning rate must be positive, got {value!r}")
    return float(value)


def _unique_rates(rates: tuple[float, ...], key: str) -> tuple[float, ...]:
    if len(set(rates)) != len(rates):
        raise TemplateError(f"{key}: learning rates must be distinct (one sheet each), got {list(rates)}")
    return rates


def _iterations(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateError(f"{key} must be a whole number, got {value!r}")
    if not 1 <= value <= MAX_ITERATIONS:
        raise TemplateError(f"{key} must be between 1 and {MAX_ITERATIONS:,}, got {value}")
    return value
