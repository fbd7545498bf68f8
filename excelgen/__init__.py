"""backprop-sheet: write an .xlsx workbook that works backpropagation out with live formulas."""

from excelgen.errors import BackpropSheetError
from excelgen.spec import NetworkSpec, load_template

__all__ = ["BackpropSheetError", "NetworkSpec", "load_template"]
