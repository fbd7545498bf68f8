"""Render the README's pictures: workbooks as LibreOffice prints them, one PNG per sheet shown.

    python docs/render_pictures.py      # needs soffice and pdftoppm (apt-get install poppler-utils)

Writes docs/network-sheet.png, docs/lr-sheet.png, docs/summary-sheet.png (the default workbook)
and docs/exercise-sheet.png (its exercise version). A printed LR sheet is one page wide, so its 31
columns are small: the LR pictures show the top left of the page at a higher resolution.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from network import load_network
from excelgen.workbook import write_workbook
from verify.reading.libreoffice import recalculate

DOCS = Path(__file__).resolve().parent
# picture -> (exercise or None, how its printed page begins, dpi, the part of the page kept: right, bottom)
PICTURES = {
    "network-sheet": (None, "Backpropagation by hand", 110, (1.0, 0.62)),
    "lr-sheet": (None, "Gradient descent with learning rate η = 2.0", 200, (0.62, 0.42)),
    "summary-sheet": (None, "Summary:", 70, (1.0, 1.0)),
    "exercise-sheet": ("gradients", "Gradient descent with learning rate η = 0.1", 200, (1.0, 0.30)),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, (exercise, start, dpi, (right, bottom)) in PICTURES.items():
            workbook = write_workbook(load_network(), Path(tmp, f"{exercise}.xlsx"), exercise=exercise, force=True)
            pdf = recalculate(workbook, Path(tmp, f"{exercise}.pdf"), convert_to="pdf")
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
            number = next(i + 1 for i, page in enumerate(text.split("\f")) if page.strip().startswith(start))
            page = Path(tmp, "page")
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(dpi), "-f", str(number), "-l", str(number), "-singlefile", str(pdf), str(page)],
                check=True,
            )
            image = Image.open(f"{page}.png")
            image.crop((0, 0, int(image.width * right), int(image.height * bottom))).save(DOCS / f"{name}.png", optimize=True)
            print(f"docs/{name}.png: page {number}")


if __name__ == "__main__":
    main()
