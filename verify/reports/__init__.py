"""What a check says: the findings of one workbook (report.py), of a class (classreport.py), as HTML and
DataFrames for Jupyter (html.py), and how a workbook of a class ends (status.py).

Imports: verify.reading only (for showing a value).
"""
