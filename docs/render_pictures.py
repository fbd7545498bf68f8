"""Render the README's pictures: workbooks as LibreOffice prints them, one PNG per sheet shown.

    python docs/render_pictures.py      # needs soffice and pdftoppm (apt-get install poppler-utils)

Writes docs/network-sheet.png (its two printed pages side by side), docs/lr-sheet.png (the first page of an LR
sheet's table, after its page of charts), docs/summary-sheet.png (the default workbook) and docs/exercise-sheet.png
(its exercise version): the top left part of each page, as docs/printing.md describes the pages.
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
# picture -> (exercise or None, how the first printed page of the sheet begins, the pages shown from there,
# dpi, the part of each page kept: right, bottom)
PICTURES = {
    "network-sheet": (None, "Backpropagation by hand", (0, 1), 80, (1.0, 0.72)),
    "lr-sheet": (None, "Gradient descent with learning rate η = 2.0", (1,), 110, (0.62, 0.5)),
    "summary-sheet": (None, "Summary:", (0,), 70, (1.0, 1.0)),
    "exercise-sheet": ("gradients", "Gradient descent with learning rate η = 0.1", (1,), 110, (1.0, 0.4)),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, (exercise, start, shown, dpi, (right, bottom)) in PICTURES.items():
            workbook = write_workbook(load_network(), Path(tmp, f"{exercise}.xlsx"), exercise=exercise, force=True)
            pdf = recalculate(workbook, Path(tmp, f"{exercise}.pdf"), convert_to="pdf")
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
            first = next(i + 1 for i, page in enumerate(text.split("\f")) if page.strip().startswith(start))
            parts = []
            for number in (first + k for k in shown):
                page = Path(tmp, f"page{number}")
                subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(number), "-l", str(number), "-singlefile",
                                str(pdf), str(page)], check=True)
                image = Image.open(f"{page}.png")
                parts.append(image.crop((0, 0, int(image.width * right), int(image.height * bottom))))
            picture = Image.new("RGB", (sum(p.width for p in parts) + 8 * (len(parts) - 1), parts[0].height), "#A0A0A0")
            for k, part in enumerate(parts):
                picture.paste(part, (sum(p.width + 8 for p in parts[:k]), 0))
            picture.save(DOCS / f"{name}.png", optimize=True)
            print(f"docs/{name}.png: pages {', '.join(str(first + k) for k in shown)}")

if __name__ == "__main__":
    main()
