"""Checking a workbook: structure, saved values and recalculated values against the NumPy reference, and the
root causes of what is wrong, named by the mistake catalogue.

- workbook.py: check_workbook(), the whole check of one workbook, as a Report;
- classic_checks.py and layered_checks.py: the checks on a classic and on a layered network's tables;
- expected.py: what every cell of a classic table should hold, from the workbook's own numbers.

Imports: network/ and every other room of verify/ (reading, engines, reports, naming, tables).
"""
