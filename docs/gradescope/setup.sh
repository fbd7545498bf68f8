#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu): install backprop-sheet.
#
# Put the backprop-sheet project folder (or a wheel, backprop_sheet-*.whl) in the autograder zip beside this file.
set -eu
apt-get update
apt-get install -y python3 python3-pip
# Optional: LibreOffice recalculates the workbook as a spreadsheet app does (without it the pure-Python
# `formulas` engine recalculates). Uncomment to install it (a larger image, slower to build):
# apt-get install -y --no-install-recommends libreoffice-calc
source=/autograder/source
if ls "$source"/backprop_sheet-*.whl >/dev/null 2>&1; then
    package=$(ls "$source"/backprop_sheet-*.whl | head -n 1)
else
    package="$source/backprop-sheet"
fi
# newer Ubuntu images refuse a system-wide pip install unless told it is meant (PEP 668)
pip3 install "$package" || pip3 install --break-system-packages "$package"
chmod +x "$source/run_autograder"
