"""Render the README's pictures: the default workbook as LibreOffice prints it, one PNG per sheet shown.

    python docs/render_pictures.py      # needs soffice and pdftoppm (apt-get install poppler-utils)

Writes docs/network-sheet.png, docs/lr-sheet.png and docs/summary-sheet.png (70 dpi).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from excelgen.spec import load_template
from excelgen.workbook import write_workbook
from verify.libreoffice import recalculate

DOCS = Path(__file__).resolve().parent
# picture -> how its first printed page begins
PAGES = {
    "network-sheet": "Backpropagation by hand",
    "lr-sheet": "Gradient descent with learning rate η = 2.0",
    "summary-sheet": "Summary:",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workbook = write_workbook(load_template(), Path(tmp, "backprop.xlsx"))
        pdf = recalculate(workbook, Path(tmp, "backprop.pdf"), convert_to="pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        pages = [page.strip() for page in text.split("\f")]
        for name, start in PAGES.items():
            number = next(i + 1 for i, page in enumerate(pages) if page.startswith(start))
            stem = DOCS / name
            subprocess.run(
                ["pdftoppm", "-png", "-r", "70", "-f", str(number), "-l", str(number), "-singlefile", str(pdf), str(stem)],
                check=True,
            )
            print(f"{stem}.png: page {number}")


if __name__ == "__main__":
    main()
