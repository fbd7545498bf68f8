"""The student's own workbook handed back, marked: a Feedback sheet first, every root-cause cell marked with a
note, the cells computed from it shaded lighter, everything else of the package kept byte for byte
(marked_copy.py; the package surgery in package.py, styles.py, notes.py; the Feedback sheet in feedback_sheet.py).

Imports: network/ and verify.reading (cells, formulas), verify.reports (the Report), verify.grading (the sentences).
"""
