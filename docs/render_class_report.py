"""Render the README's picture of a class report: a made-up class of twelve, checked with `verify --report`.

    python docs/render_class_report.py      # needs soffice and pdftoppm (apt-get install poppler-utils)

Writes docs/class-report.png (the Workbooks sheet above the Mistakes sheet, 60 dpi).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from PIL import Image, ImageOps

from network import load_network
from excelgen.workbook import write_workbook
from verify.reading.libreoffice import recalculate

DOCS = Path(__file__).resolve().parent

STUDENTS = {  # name -> (sheet, column, old, new): a planted mistake, or None
    "ada": None,
    "ben": ("LR 0.5", "Y", "M{r}*(1-M{r})", "K{r}*(1-K{r})"),  # ∂E/∂w3 with a_h1·(1−a_h1)
    "chloe": None,
    "dev": ("LR 0.2", "Y", "M{r}*(1-M{r})", "M{r}*1-M{r}"),  # a*1-a
    "emma": None,
    "femi": ("LR 1.0", "Y", "M{r}*(1-M{r})", "K{r}*(1-K{r})"),
    "gus": None,
    "hana": None,
    "ivan": ("LR 0.1", "Y", "M{r}*(1-M{r})", "M{r}*1-M{r}"),
    "jun": None,
    "kai": ("LR 0.8", "Y", "M{r}*(1-M{r})", "K{r}*(1-K{r})"),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "submissions")
        folder.mkdir()
        good = write_workbook(load_network(), Path(tmp, "good.xlsx"))
        for name, plant in STUDENTS.items():
            target = folder / f"{name}.xlsx"
            target.write_bytes(good.read_bytes()) if plant is None else _plant(good, target, *plant)
        (folder / "lena.xlsx").write_text("my answers are in the attached Word file", "utf-8")
        verify = [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "verify"]
        subprocess.run([*verify, "submissions", "--engine", "formulas", "--report", "class.xlsx"], cwd=tmp)
        recalculate(Path(tmp, "class.xlsx"), Path(tmp, "class.pdf"), convert_to="pdf")  # soffice --convert-to pdf
        subprocess.run(["pdftoppm", "-png", "-r", "60", "class.pdf", "page"], cwd=tmp, check=True)
        pages = [_cropped(Image.open(p).convert("RGB")) for p in sorted(Path(tmp).glob("page*.png"))]
        picture = Image.new("RGB", (max(p.width for p in pages), sum(p.height for p in pages)), "white")
        for k, page in enumerate(pages):
            picture.paste(page, (0, sum(p.height for p in pages[:k])))
        picture.save(DOCS / "class-report.png", optimize=True)
        print(f"{DOCS / 'class-report.png'}: {len(pages)} page(s)")


def _cropped(page: Image.Image, margin: int = 10) -> Image.Image:
    """The printed part of a page, with a white margin."""
    left, top, right, bottom = ImageOps.invert(page).getbbox()
    return page.crop((left - margin, top - margin, right + margin, bottom + margin))


def _plant(source: Path, target: Path, sheet: str, column: str, old: str, new: str) -> None:
    """A copy of `source` with every formula of `column` on `sheet` edited (saved values kept)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        number = re.search(rf'<sheet name="{re.escape(sheet)}" sheetId="(\d+)"', zin.read("xl/workbook.xml").decode()).group(1)
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{number}.xml":
                data = re.sub(
                    rf'(<c r="{column}(\d+)"[^>]*><f>)(.*?)</f>',
                    lambda m: m.group(1) + m.group(3).replace(old.format(r=m.group(2)), new.format(r=m.group(2))) + "</f>",
                    data.decode(),
                ).encode()
            zout.writestr(item, data)


if __name__ == "__main__":
    main()
