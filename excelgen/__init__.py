"""backprop-sheet: write an .xlsx workbook that works backpropagation out with live formulas.

    >>> import excelgen
    >>> excelgen.generate("era-s6", "backprop.xlsx", learning_rates=[0.5, 2], force=True)
    PosixPath('backprop.xlsx')
"""

from excelgen.api import generate, template_network
from excelgen.errors import BackpropSheetError

__all__ = ["BackpropSheetError", "generate", "template_network"]
