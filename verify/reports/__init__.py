"""What a check says: the findings of one workbook (report.py), of a class (classreport.py), as HTML and
DataFrames for Jupyter (html.py), and how a workbook of a class ends (status.py); a workbook's grade (score.py)
and Gradescope's results.json (gradescope.py).

Imports: verify.reading only (for showing a value).
"""
