"""The spreadsheet engines that recalculate a workbook's formulas, behind one interface (recalculation.py).

- recalculation.py: ENGINES, resolve() and the Recalculation started beside the saved-value checks;
- formulas_engine.py: the pure-Python `formulas` package, one compiled formula per shape;
- fastmath.py: arithmetic formula shapes evaluated with NumPy a column at a time;
- filldown.py: filled-down columns settled from their saved values a run of rows at a time;
- forked.py: a big recalculation run in a forked child while the caller goes on.

Imports: network/ and verify.reading only.
"""
