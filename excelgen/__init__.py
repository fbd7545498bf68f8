"""backprop-sheet: write an .xlsx workbook that works backpropagation out with live formulas.

    >>> import excelgen
    >>> excelgen.generate("era-s6", "backprop.xlsx", learning_rates=[0.5, 2], force=True)
    PosixPath('backprop.xlsx')
"""

from excelgen.api import generate, network_spec
from excelgen.errors import BackpropSheetError
from excelgen.spec import NetworkSpec, load_template

__all__ = ["BackpropSheetError", "NetworkSpec", "generate", "load_template", "network_spec"]
