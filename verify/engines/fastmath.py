"""Evaluate the arithmetic formula shapes of a backprop table with NumPy, a whole column at a time.

The `formulas` package evaluates a compiled formula one cell at a time in Python. Nearly every
formula of a backprop table is plain arithmetic (`=_R0-_R1*_R2`, `=1/(1+EXP(-_R0))`), so
compile() turns such a shape into NumPy operations on float arrays instead: one call computes a
column of every LR sheet. It takes numbers, the placeholders _R0, _R1, ..., + - * / ^ %, unary
minus and plus, parentheses and a few functions (FUNCTIONS); anything else (text, comparisons,
ranges, other functions) gives None and the `formulas` package evaluates it.

Excel's rules are kept: unary minus binds tighter than ^ (-2^2 = 4), ^ groups from the left
(2^3^2 = 64). Results that Excel would turn into an error value (a division by zero, EXP
overflowing, LN of a negative number, 0^0) are not guessed at: `evaluate()` returns None when
any result is not a finite number, and the caller falls back to `formulas` for that batch.
Nothing here is `eval`: the shape is tokenised and built into closures.
"""

from __future__ import annotations

import functools
import re
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

Compiled = Callable[[Sequence[np.ndarray]], np.ndarray]
MAX_DEPTH = 50  # parentheses and function calls in one formula, at most
MAX_TOKENS = 300  # numbers, references and operators in one formula, at most (a backprop formula has < 60)

FUNCTIONS: dict[str, tuple[int | None, Callable[..., np.ndarray]]] = {  # name -> (arguments, None: any; NumPy)
    "SUM": (None, lambda *xs: sum(xs)),  # of single cells: a range is never a plain number
    "EXP": (1, np.exp),
    "LN": (1, np.log),
    "LOG10": (1, np.log10),
    "SQRT": (1, np.sqrt),
    "ABS": (1, np.abs),
    "POWER": (2, lambda a, b: _power(a, b)),
    "TANH": (1, np.tanh),
    "MAX": (None, lambda *xs: functools.reduce(np.maximum, xs)),  # of numbers (a range never is one, as for SUM)
    "MIN": (None, lambda *xs: functools.reduce(np.minimum, xs)),
}

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<ref>_R\d+)|(?P<call>[A-Za-z][A-Za-z0-9.]*)\(|(?P<op>[-+*/^%(),]))"
)


@lru_cache(maxsize=4096)
def compile(shape_text: str) -> Compiled | None:  # noqa: A001 - the verb is the point
    """A function of the placeholder arrays (_R0, _R1, ... in order) for an arithmetic shape, else None."""
    tokens = _tokens(shape_text.removeprefix("="))
    if tokens is None or len(tokens) > MAX_TOKENS or sum(text == "(" or kind == "call" for kind, text in tokens) > MAX_DEPTH:
        return None  # longer or deeper than any backprop formula: parser and closures recurse on both
    parser = _Parser(tokens)
    try:
        function = parser.expression()
    except _NotArithmetic:
        return None
    return function if parser.done() else None


def evaluate(function: Compiled, args: Sequence[np.ndarray]) -> np.ndarray | None:
    """function(args) when every result is a finite number; None when Excel would give an error somewhere."""
    with np.errstate(all="ignore"):
        result = np.asarray(function(args), dtype=float)
    return result if np.isfinite(result).all() else None


# --- parsing -----------------------------------------------------------------------------------------


class _NotArithmetic(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]] | None:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip():
                return None  # text, a comparison, a name, &: not ours
            break
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent, lowest precedence first: + -, then * /, then ^, then unary - +, then %."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.at = tokens, 0

    def done(self) -> bool:
        return self.at == len(self.tokens)

    def expression(self) -> Compiled:
        left = self.term()
        while self._next_is("+", "-"):
            op, right = self._take()[1], self.term()
            left = _binary(np.add if op == "+" else np.subtract, left, right)
        return left

    def term(self) -> Compiled:
        left = self.power()
        while self._next_is("*", "/"):
            op, right = self._take()[1], self.power()
            left = _binary(np.multiply if op == "*" else np.divide, left, right)
        return left

    def power(self) -> Compiled:
        left = self.unary()
        while self._next_is("^"):
            self._take()
            left = _binary(_power, left, self.unary())
        return left

    def unary(self) -> Compiled:
        if self._next_is("-"):
            self._take()
            inner = self.unary()
            return lambda args: np.negative(inner(args))
        if self._next_is("+"):
            self._take()
            return self.unary()
        return self.percent()

    def percent(self) -> Compiled:
        value = self.primary()
        while self._next_is("%"):
            self._take()
            value = _binary(np.divide, value, lambda args: 100.0)
        return value

    def primary(self) -> Compiled:
        if self.done():
            raise _NotArithmetic("formula ends early")
        kind, text = self._take()
        if kind == "number":
            number = float(text)
            return lambda args: number
        if kind == "ref":
            k = int(text[2:])
            return lambda args: args[k]
        if kind == "call":
            return self._call(text.upper())
        if text == "(":
            inner = self.expression()
            self._expect(")")
            return inner
        raise _NotArithmetic(text)

    def _call(self, name: str) -> Compiled:
        if name not in FUNCTIONS:
            raise _NotArithmetic(name)
        count, numpy_function = FUNCTIONS[name]
        arguments = [self.expression()]
        while self._next_is(","):
            self._take()
            arguments.append(self.expression())
        self._expect(")")
        if count is not None and len(arguments) != count:
            raise _NotArithmetic(f"{name} takes {count} arguments")
        return lambda args: numpy_function(*(a(args) for a in arguments))

    def _next_is(self, *ops: str) -> bool:
        return not self.done() and self.tokens[self.at][0] == "op" and self.tokens[self.at][1] in ops

    def _take(self) -> tuple[str, str]:
        self.at += 1
        return self.tokens[self.at - 1]

    def _expect(self, op: str) -> None:
        if not self._next_is(op):
            raise _NotArithmetic(f"expected {op}")
        self._take()


def _binary(numpy_function, left: Compiled, right: Compiled) -> Compiled:
    return lambda args: numpy_function(left(args), right(args))


def _power(base, exponent):
    """Excel's ^: 0^0 is an error (#NUM!), which NaN hands back to `formulas`."""
    result = np.power(np.asarray(base, dtype=float), exponent)
    return np.where((np.asarray(base) == 0) & (np.asarray(exponent) == 0), np.nan, result)
