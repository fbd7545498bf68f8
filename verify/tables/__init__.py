"""Recognising a table: where a workbook's backpropagation tables are and what each column holds, as the one
table model (verify/reading/table.py: Table).

- find.py: find_tables(), which decides once whether a workbook is a general network's or the classic network's;
- classic_tables.py: the classic network's tables, generated or hand-built, by their header's vocabulary
  (vocabulary.py) and, for columns the header does not name, by what their formulas compute (recognise.py);
- layered_tables.py: a network described by `layers`, recognised by its header of network/names.py names
  and rebuilt from the defined name network_description;
- scan.py: what both look at (the rows at the top of a sheet, a filled cell).

Imports: network/, verify.reading, verify.naming, and verify.engines.fastmath (a formula evaluated on probes).
"""
