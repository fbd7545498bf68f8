"""Grading a checked workbook: a rubric gives points to the parts of the work (rubric.py), and each part earns
them when no mistake is charged to it (grade.py), the mistake's root-cause column deciding the part.

Imports: network/ and verify.reports (the Report it grades, the Score it gives).
"""
