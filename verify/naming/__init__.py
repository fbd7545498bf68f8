"""Naming a mistake: the catalogue of known student mistakes (mistakes.py), each a small variant of a column's
right formula; the right formula of every column of any network, over its record (recompute.py); and the one
tolerance the checker compares numbers with (tolerance.py).

Imports: network/ and verify.reading only.
"""
