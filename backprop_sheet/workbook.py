"""generate(): the writer's workbook with the CNN sheets of a run folder added (the writer never imports the CNN)."""

from __future__ import annotations

from pathlib import Path

import excelgen
from network.description import DEFAULT_TEMPLATE


def generate(template=DEFAULT_TEMPLATE, output: str | Path = "backprop.xlsx", *,
             cnn_run: str | Path | None = None, cnn_digit: int | None = 0, **options) -> Path:
    """excelgen.generate(template, output, **options), and with `cnn_run` (a `backprop-sheet train` run folder)
    its CNN sheets: the metrics, and the CNN Forward sheet sending test image `cnn_digit` (0 to 99, None for no
    Forward sheet) through the trained model. Raises what excelgen.generate raises, and RunFolderError."""
    extra_sheets = None
    if cnn_run is not None:
        from cnn.export import cnn_sheets  # torch-free: the run folder's files are read as they are

        extra_sheets = cnn_sheets(cnn_run, cnn_digit)
    return excelgen.generate(template, output, extra_sheets=extra_sheets, **options)
