"""The header vocabulary: which texts a hand-built table may use for each quantity.

Students spell headers in many ways (`E_tot`, `Etot`, `E_Total`, `out_h1`, `act_h1`, `σ(h1)`,
`dE/dw1`, `∂E∂W1`, `Etotaldw1`, `dw1`, `∂E_t/∂w1`, ...). `normalise()` removes what does not matter (case, spaces, underscores,
∂ versus d) and `quantity()` looks the result up among the spellings listed in `SPELLINGS`,
canonical quantity -> the spellings accepted for it. The canonical names are the generated
sheet's headers (network.layout.HEADERS) plus i1, i2, t1, t2, b1, b2.

The README's "Hand-built workbooks" section shows this vocabulary as a table; a test keeps
the two in step.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The ways of writing E_total, alone or inside a derivative ∂E/∂w1.
_E_TOTAL = ("E_total", "E_tot", "E_t", "Etot", "E")
_E_TOTAL_ONLY = ("Total error", "Error")  # as a header, never inside a derivative


def _hidden_out(n: int, layer: str) -> tuple[str, ...]:
    """a_h1 / a_o1 after the sigmoid."""
    x = f"{layer}{n}"
    return (
        f"a_{x}", f"out_{x}", f"output_{x}", f"act_{x}", f"activation_{x}", f"sig_{x}", f"sigmoid_{x}", f"σ_{x}",
        f"σ({x})", f"sigmoid({x})", f"a({x})", f"act({x})",
    )


def _derivative(of: str) -> tuple[str, ...]:
    """∂E_total/∂<of> in every E spelling, with or without the slash, the first ∂ or the E
    (`∂E/∂w1`, `∂E∂w1`, `Etotal∂w1`, `∂w1`, `grad_w1`); d or δ for ∂ comes from normalise()."""
    forms = [f"∂{e}/∂{of}" for e in _E_TOTAL] + [f"∂{e}∂{of}" for e in _E_TOTAL] + [f"{e}∂{of}" for e in _E_TOTAL]
    return (*forms, f"∂{of}", f"grad_{of}", f"∇{of}")


def _spellings() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {"iteration": ("iteration", "iter", "iterations", "epoch", "step", "#")}
    for n in (1, 2):
        table[f"i{n}"] = (f"i{n}", f"x{n}", f"input{n}")
        table[f"t{n}"] = (f"t{n}", f"target{n}", f"target_o{n}")
        table[f"b{n}"] = (f"b{n}", f"bias{n}")
    for n in range(1, 9):
        table[f"w{n}"] = (f"w{n}",)
    for n in (1, 2):
        table[f"h{n}"] = (f"h{n}", f"net_h{n}", f"z_h{n}")
        table[f"a_h{n}"] = _hidden_out(n, "h")
    for n in (1, 2):
        table[f"o{n}"] = (f"o{n}", f"net_o{n}", f"z_o{n}")
        table[f"a_o{n}"] = _hidden_out(n, "o")
    for n in (1, 2):
        table[f"E{n}"] = (f"E{n}", f"E_o{n}")
    table["E_total"] = _E_TOTAL + _E_TOTAL_ONLY
    for n in (1, 2):
        table[f"∂E_total/∂a_h{n}"] = tuple(d for a in _hidden_out(n, "h") for d in _derivative(a))
    for n in range(1, 9):
        table[f"∂E_total/∂w{n}"] = _derivative(f"w{n}")
    return table


SPELLINGS: dict[str, tuple[str, ...]] = _spellings()

# Labels of the learning-rate cell: Greek eta, Latin ɳ (n with a hook, which looks like it), words.
ETA_LABELS: tuple[str, ...] = (
    "η", "ɳ", "eta", "LR", "learning rate", "η (learning rate)", "learning rate (η)", "learning rate η",
    "α", "alpha",
)
# Letters that look like η and stand for it in any label above (`ͷ`, `ƞ (learning rate)`); accents
# on η (ή, ἠ) do not matter either.
ETA_LOOKALIKES = "ͷƞŋɳꞑ"


@lru_cache(maxsize=4096)
def normalise(text: object) -> str:
    """Case, spaces, underscores, ∂/δ/d, subscript digits and a trailing ':' or '=' do not matter.

    A capital Δ stays apart: `Δw1` is the change of w1 (η·∂E/∂w1), not its derivative."""
    s = unicodedata.normalize("NFKC", str(text)).replace("Δ", "change").replace("∆", "change").casefold()
    s = s.replace("∂", "d").replace("δ", "d").replace("𝜕", "d")
    s = re.sub(r"[\s_\u200b]+", "", s)
    return s.rstrip(":=")


def quantity(header: object) -> str | None:
    """The canonical quantity a header text names, or None when it names none."""
    if not isinstance(header, str):
        return None
    return _LOOKUP.get(normalise(header))


def is_eta_label(text: object) -> bool:
    """True for a cell text that labels the learning rate: `LR`, `η`, `ɳ`, `ͷ`, `learning rate`, ..."""
    return isinstance(text, str) and _eta_form(text) in _ETA


@lru_cache(maxsize=4096)
def _eta_form(text: str) -> str:
    """normalise(), with η's look-alike letters read as η and accents dropped (ή -> η)."""
    plain = "".join(c for c in unicodedata.normalize("NFD", normalise(text)) if not unicodedata.combining(c))
    return plain.translate(_AS_ETA)


def _lookup() -> dict[str, str]:
    found: dict[str, str] = {}
    for canonical, spellings in SPELLINGS.items():
        for spelling in (canonical, *spellings):
            key = normalise(spelling)
            if found.setdefault(key, canonical) != canonical:
                raise AssertionError(f"{spelling!r} would name both {found[key]} and {canonical}")
    return found


_LOOKUP = _lookup()
_AS_ETA = str.maketrans({c: "η" for c in ETA_LOOKALIKES})
_ETA = frozenset(_eta_form(label) for label in ETA_LABELS)
