"""python -m backprop_sheet: the same as the `backprop-sheet` command."""

from backprop_sheet.cli import main

main()
