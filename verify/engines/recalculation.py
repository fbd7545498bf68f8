"""The spreadsheet engines that recalculate a workbook's formulas, behind one interface.

- `libreoffice`: headless LibreOffice, forced full recalculation in a throwaway profile
  (verify/reading/libreoffice.py); it starts in the background as soon as the file is known to be an
  xlsx, so its start-up overlaps with reading the workbook;
- `formulas`: the pure-Python `formulas` package, one compiled formula per shape
  (verify/engines/formulas_engine.py);
- `none`: no recalculation, saved values only;
- `auto`: LibreOffice when `soffice` is found, else `formulas`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterable

from network.errors import EngineError
from verify.reading import cells
from verify.engines import formulas_engine
from verify.reading import libreoffice
from verify.reading import opening
from verify.reading.book import Book
from verify.reading.cells import CellKey, Value

ENGINES = ("auto", "libreoffice", "formulas", "none")


def resolve(engine: str) -> str:
    """The engine that will run for a requested one ("auto" picks LibreOffice when installed)."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "libreoffice" if libreoffice.find_soffice() else "formulas"
    if engine == "libreoffice" and libreoffice.find_soffice() is None:
        raise EngineError(
            "LibreOffice (soffice) not found: install it (Debian: apt-get install libreoffice-calc-nogui) "
            "or use --engine formulas"
        )
    return engine


class Recalculation:
    """One engine's recalculation of one workbook, as a context manager.

    LibreOffice starts on entry, in the background, so that it runs while the workbook is read
    and checked; leaving the block early (an unreadable layout, say) stops it. `recalculated`:
    LibreOffice's recalculation of `path`, made beforehand (verify.batch converts many workbooks
    in one start); then nothing starts. The `formulas` engine starts once the cells are known
    (start()), a big workbook in a child process while the saved values are checked.
    """

    def __init__(self, engine: str, path: Path, *, recalculated: Path | None = None):
        self.engine = resolve(engine)
        self.path = Path(path)
        self._recalculated = recalculated
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._running: libreoffice.Running | None = None
        self._formulas: formulas_engine.Recalculating | None = None

    def __enter__(self) -> Recalculation:
        if self.engine == "libreoffice" and self._recalculated is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="backprop-sheet-verify-")
            self._running = libreoffice.start(self.path, Path(self._tmp.name, "recalculated.xlsx"))
        return self

    def __exit__(self, *exc) -> None:
        if self._running is not None:
            self._running.cancel()  # a no-op when values() already waited for it
        if self._formulas is not None:
            self._formulas.cancel()  # likewise
        if self._tmp is not None:
            self._tmp.cleanup()

    def start(self, book: Book, wanted: list[CellKey]) -> None:
        """The `formulas` engine begins on `wanted` now (verify/engines/formulas_engine.py, start()); values() collects it."""
        if self.engine == "formulas":
            self._formulas = formulas_engine.start(book, wanted, shortcut=book.has_saved_values)

    def values(self, book: Book, wanted: Iterable[CellKey]) -> dict[CellKey, Value] | None:
        """The recalculated values of `wanted` (None for the `none` engine)."""
        wanted = list(wanted)
        if self.engine == "none":
            return None
        if self.engine == "formulas":
            if self._formulas is not None and self._formulas.targets == wanted:
                return self._formulas.result()
            computed = formulas_engine.evaluate(book, wanted, shortcut=book.has_saved_values)
            return {cell: computed.get(cell) for cell in wanted}
        done = self._recalculated if self._recalculated is not None else self._running.wait()
        return cells.read_values(opening.load(done), wanted)
