"""Check a backprop-sheet workbook against a NumPy reference and a real spreadsheet engine."""
