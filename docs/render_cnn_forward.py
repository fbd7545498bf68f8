"""Render the README's picture of the CNN Forward sheet, as LibreOffice prints it: its first page.

    backprop-sheet train --data-dir ../shared/data --out runs/8k-seed1     # once: the trained 8k model
    python docs/render_cnn_forward.py --run runs/8k-seed1 --digit 0         # needs soffice, pdftoppm, torch

Writes docs/cnn-forward.png (70 dpi) and prints how many pages the sheet takes.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from cnn.export import cnn_sheets
from cnn.forward_sheet import FORWARD_SHEET
from network import load_network
from excelgen.workbook import write_workbook
from verify.reading.libreoffice import recalculate

DOCS = Path(__file__).resolve().parent
PAGES = 1  # pages side by side in the picture
DPI = 70


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, default=Path("runs/8k-seed1"), help="a run folder of backprop-sheet train")
    parser.add_argument("--digit", type=int, default=0, help="the test image (0 to 99)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = load_network().with_options(iterations=2)  # short LR sheets: fewer pages to print before ours
        workbook = write_workbook(spec, Path(tmp, "backprop.xlsx"), extra_sheets=cnn_sheets(args.run, args.digit))
        pdf = recalculate(workbook, Path(tmp, "backprop.pdf"), convert_to="pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        # the sheet's pages are those whose footer names it (&A)
        ours = [i + 1 for i, page in enumerate(text.split("\f")) if FORWARD_SHEET in (page.strip().splitlines() or [""])[-1]]
        first, printed = ours[0], len(ours)
        stem = Path(tmp, "page")
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(first), "-l", str(first + PAGES - 1), str(pdf),
                        str(stem)], check=True)
        images = [Image.open(p) for p in sorted(Path(tmp).glob("page-*.png"))]
        picture = Image.new("RGB", (sum(im.width for im in images), max(im.height for im in images)), "white")
        x = 0
        for im in images:
            picture.paste(im, (x, 0))
            x += im.width
        picture.save(DOCS / "cnn-forward.png", optimize=True)
    print(f"{DOCS / 'cnn-forward.png'}: page {first}; {FORWARD_SHEET} prints on {printed} pages")


if __name__ == "__main__":
    main()
