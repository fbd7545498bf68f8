"""Naming a mistake: the catalogue of known student mistakes (mistakes.py), each a small variant of the
right formula, and the classic reference under the classic names that it evaluates (reference.py).

Imports: network/ and verify.reading only.
"""
