"""paused(): Python's cycle collector held off while a large workbook is read, evaluated and checked.

Checking a 6 x 2,000 workbook creates about a million small containers (cell keys, saved
values, formulas, the values each check reads), none of them in a reference cycle. Each pass
of the cycle collector walks all of them again: about a fifth of the time of a check.
Reference counting still frees everything as usual; only the search for cycles waits until
the block ends. verify.check pauses it for a whole check; book.read() and the formulas
engine's shortcut pause it themselves when called on their own.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off inside the block, back as it was (on or off) after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
