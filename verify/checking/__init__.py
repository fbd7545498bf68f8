"""Checking a workbook: structure, saved values and recalculated values against the NumPy reference, and the
root causes of what is wrong, named by the mistake catalogue; one path for every network.

- workbook.py: check_workbook(), the whole check of one workbook, as a Report;
- structure.py: formulas where formulas belong (an unfinished table, a typed-in value, a starting number that
  is not a number);
- starts.py: the network each table trains, from the workbook's own numbers, and what every cell should hold;
- root_causes.py: the one root-cause search over the columns' records.

Imports: network/ and every other room of verify/ (reading, engines, reports, naming, tables).
"""
