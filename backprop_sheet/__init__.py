"""backprop-sheet's command line (cli.py and one module per command) and what joins its libraries.

The libraries below do not know each other: network/ (the core), excelgen/ (the writer), verify/ (the
checker), cnn/ (the MNIST CNN, which may use the writer's sheet toolkit). Only this package imports them all:

    >>> import backprop_sheet
    >>> backprop_sheet.generate("era-s6", "backprop.xlsx", cnn_run="runs/8k-seed1")   # with the CNN sheets
"""

from backprop_sheet.workbook import generate

__all__ = ["generate"]
