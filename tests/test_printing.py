"""The workbook on paper (issue 23, point 1): LibreOffice prints each built-in template's workbook, and the default
one with the CNN sheets, to PDF; poppler's `pdftotext -bbox-layout` reads every word back with its box.

A word's box is about 1.3 times its type size tall: no box under MIN_BOX points on any page, no `###` (a number
too wide for its cell), at most 24 pages for the default workbook, and the page counts docs/printing.md states,
sheet by sheet. One LibreOffice conversion per workbook.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from backprop_sheet import generate
from conftest import need_soffice
from excelgen.printing import LEGIBLE_SCALE
from verify.reading.libreoffice import convert_many

MIN_BOX = 8.0  # points
DEFAULT_PAGES = 24  # the most the default workbook may print on
DOCS = Path(__file__).resolve().parents[1] / "docs" / "printing.md"
WORKBOOKS = ("era-s6", "mazur", "xor", "softmax", "era-s6 with the CNN sheets")
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class Page:
    sheet: str  # from the footer: the sheet's name, then "page n of N"
    words: tuple[tuple[float, str], ...]  # (box height in points, text), footer included

    @property
    def text(self) -> str:
        return " ".join(text for _, text in self.words)


@pytest.fixture(scope="module")
def printed(cnn_run, tmp_path_factory) -> dict[str, list[Page]]:
    """Workbook name -> its printed pages, each workbook generated as `backprop-sheet generate` writes it."""
    need_soffice()
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the printed pages")
    folder = tmp_path_factory.mktemp("printed")
    books = {}
    for k, name in enumerate(WORKBOOKS):
        template, _, cnn = name.partition(" with ")
        books[name] = generate(template, folder / f"{k}.xlsx", cnn_run=cnn_run if cnn else None)
    pdfs = convert_many(list(books.values()), folder / "pdf", timeout=600, convert_to="pdf")  # one LibreOffice start
    pages = {}
    for name, xlsx in books.items():
        boxes = subprocess.run(["pdftotext", "-bbox-layout", str(pdfs[xlsx]), "-"], check=True, capture_output=True,
                               text=True).stdout
        pages[name] = [_page(xml) for xml in boxes.split("<page ")[1:]]
    return pages


def _page(xml: str) -> Page:
    words = [(float(y0), float(y1), text) for _, y0, _, y1, text in WORD.findall(xml)]
    bottom = max(y0 for y0, _, _ in words)
    footer = [text for y0, _, text in words if y0 > bottom - 3]
    sheet = footer[: min(footer.index(w) for w in ("printed:", "page") if w in footer)]
    return Page(" ".join(sheet), tuple((y1 - y0, text) for y0, y1, text in words))


def documented() -> dict[str, dict[str, int]]:
    """docs/printing.md's table: workbook -> {"pages": total, sheet: its pages}."""
    counts = {}
    for line in DOCS.read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in WORKBOOKS:
            total, per_sheet = cells[1], cells[2]
            counts[cells[0]] = {"pages": int(total)} | {
                sheet.strip(): int(n) for n, sheet in (part.strip().split(" ", 1) for part in per_sheet.split(","))
            }
    return counts


@pytest.mark.parametrize("name", WORKBOOKS)
def test_every_word_prints_at_least_8_points_tall_and_no_number_as_hashes(printed, name):
    pages = printed[name]
    small = [(n, text, round(h, 2)) for n, page in enumerate(pages, 1) for h, text in page.words if h < MIN_BOX]
    assert not small, f"{len(small)} words under {MIN_BOX} pt, e.g. (page, word, height) {small[:5]}"
    hashes = [n for n, page in enumerate(pages, 1) if "###" in page.text]
    assert not hashes, f"### on pages {hashes}"
    assert sum(len(page.words) for page in pages) > 100 * len(pages) // 2  # the pages hold text, not nothing


@pytest.mark.parametrize("name", WORKBOOKS)
def test_page_counts_are_those_the_docs_state(printed, name):
    pages = printed[name]
    per_sheet = Counter(page.sheet for page in pages)
    assert {"pages": len(pages)} | dict(per_sheet) == documented()[name]


def test_the_default_workbook_prints_on_at_most_24_pages(printed):
    assert len(printed["era-s6"]) <= DEFAULT_PAGES
    assert documented()["era-s6"]["pages"] <= DEFAULT_PAGES


def test_an_lr_sheet_prints_its_charts_then_its_first_and_last_iterations(printed):
    """Page 1 the band (title, η, charts); then the table, two pages wide: the header, the first iterations and
    the last ones on each, with the iteration column repeated."""
    from network import load_network

    iterations = load_network("era-s6").iterations
    sheet = [page for page in printed["era-s6"] if page.sheet == "LR 0.1"]
    band, *table = sheet
    title = "Gradient descent with learning rate η = 0.1"
    assert title in band.text and not re.search(r"\d\.\d{6}", band.text)  # the band: no number of the table
    assert len(table) == 2
    for page in table:
        assert title not in page.text
        numbers = page.text.split()
        assert numbers.count("iteration") == 1  # the header, repeated
        assert "0" in numbers and f"{iterations:,}".replace(",", "") in numbers  # first and last iterations
    assert "w1" in table[0].text.split() and "∂E_total/∂w8" in table[1].text  # the table's two halves
    said = re.search(r"printed: iterations 0–([\d,]+) and ([\d,]+)–([\d,]+)", band.text)  # the footer says so
    up_to, back_from, last = (int(n.replace(",", "")) for n in said.groups())
    assert last == iterations and up_to + 1 < back_from - 1
    for page in table:
        rows = page.text.split()
        assert str(up_to) in rows and str(back_from) in rows
        assert str(up_to + 1) not in rows and str(back_from - 1) not in rows


def test_the_network_sheet_prints_its_two_halves(printed):
    left, right = (page.text for page in printed["era-s6"] if page.sheet == "Network")
    for block in (1, 2, 3):
        assert f"Block {block} ·" in left and f"Block {block + 3} ·" in right
    assert "Update rule" in right


def test_every_sheet_has_a_legible_page_setup(printed, cnn_run, tmp_path):
    """The XML of each sheet: A4, a print scale of at least LEGIBLE_SCALE (never "fit to page", which lets the app
    shrink the type), page numbers in the footer; each LR sheet with its print titles and two print areas."""
    path = generate("era-s6", tmp_path / "book.xlsx", cnn_run=cnn_run)
    z = zipfile.ZipFile(path)
    for name in sorted(n for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)):
        xml = z.read(name).decode()
        setup = re.search(r'<pageSetup paperSize="9"(?: scale="(\d+)")?', xml)  # no scale: 100 %
        assert setup and int(setup[1] or 100) >= LEGIBLE_SCALE and "fitToPage" not in xml, name
        assert "&amp;P of &amp;N" in xml and "<pageMargins " in xml, name
    workbook = z.read("xl/workbook.xml").decode()
    assert workbook.count('name="_xlnm.Print_Titles"') == 6 + 1  # the LR sheets, and CNN Training's header
    assert re.search(r"&apos;LR 0\.1&apos;!\$A\$1:\$[A-Z]+\$3,&apos;LR 0\.1&apos;!\$A\$\d+:\$AD\$\d+<", workbook) or \
        re.search(r"'LR 0\.1'!\$A\$1:\$[A-Z]+\$3,'LR 0\.1'!\$A\$\d+:\$AD\$\d+<", workbook)
