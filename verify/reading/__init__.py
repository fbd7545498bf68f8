"""Reading a workbook: the file opened safely, its cells, formulas and saved values, and a table's cells.

- opening.py: size and zip checks before anything is read; an .ods or .xls converted to xlsx first;
- book.py: the workbook as the checks see it (sheets, cells, formulas, saved values, defined names),
  read by plainxml.py's one regular expression where a part is in the plain form, else by lxml;
- refs.py: A1 references, formula tokens and formula shapes; cells.py: typed cell keys and values;
- table.py: where a found table's cells are (CellRef, Table); gcpause.py: the cycle collector held off;
- libreoffice.py: the headless LibreOffice process (conversion and recalculation), bounded and locked down.

Imports: network/ and the standard library and third-party readers only; nothing else of verify/.
"""
