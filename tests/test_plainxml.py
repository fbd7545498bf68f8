"""verify/reading/plainxml.py, the reader of a worksheet part in its plain form, against lxml.

The oracle is the reader's lxml loop (verify/reading/book.py's _cells(): lxml's parser, each element
in turn, which reads any form). The plain reader must read every worksheet part exactly as it
does, or say None (the part then goes to lxml): on generated, hand-built and app-saved
workbooks (where it must read them), on parts written every way XML allows (where it may step
aside), on parts that are not well-formed (where it must step aside, so that lxml's error is
the one reported), and on thousands of random damages of a plain part.
"""

from __future__ import annotations

import io
import random
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from conftest import need_soffice, need_ssconvert
from network import load_network
from excelgen.workbook import write_workbook
from network.errors import WorkbookError
from verify.reading import book as books
from verify.reading import libreoffice
from verify.reading import plainxml

PART = "xl/worksheets/sheet1.xml"
STRINGS = ["zero", "one & two"]
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
    '<dimension ref="A1:C3"/>'
)
TAIL = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'


def _sheet(rows: str, head: str = HEAD, tail: str = TAIL) -> bytes:
    return (head + "<sheetData>" + rows + "</sheetData>" + tail).encode("utf-8")


def _lxml(data: bytes, strings: list[str] = STRINGS):
    """What lxml reads: (formulas, saved values), or the exception it raises."""
    try:
        return books._cells(io.BytesIO(data), PART, strings)
    except Exception as exc:  # noqa: BLE001 - compared by type below
        return exc


def _plain(data: bytes, strings: list[str] = STRINGS):
    return books._plain_cells(data, strings)


def _assert_plain_reads_as_lxml(data: bytes, *, must_read: bool = False) -> None:
    oracle, plain = _lxml(data), _plain(data)
    if isinstance(oracle, Exception):
        assert plain is None, f"lxml refuses it ({oracle!r}), the plain reader read {plain!r}"
        return
    if plain is None:
        assert not must_read, "the plain reader stepped aside"
        return
    assert plain == oracle


def _worksheet_parts(path: Path) -> list[tuple[str, bytes, list[str]]]:
    with zipfile.ZipFile(path) as archive:
        reader = books._Reader(archive, path)
        strings = reader._shared_strings(reader._relationships("xl/workbook.xml")[1])
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return [(name, archive.read(name), strings) for name in names]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    spec = load_network().with_options(iterations=20, learning_rates=(0.1, 0.5))
    return write_workbook(spec, tmp_path_factory.mktemp("plainxml") / "generated.xlsx")


def test_generated_and_hand_built_workbooks_are_read_plainly_as_lxml_reads_them(generated, handbuilt_books):
    for path in [generated, *handbuilt_books.values()]:
        for part, data, strings in _worksheet_parts(path):
            plain = _plain(data, strings)
            assert plain is not None, f"{path.name} {part}"
            assert plain == books._cells(io.BytesIO(data), part, strings), f"{path.name} {part}"


@pytest.mark.parametrize("app", ["LibreOffice", "Gnumeric", "openpyxl"])
def test_what_apps_save_is_read_plainly_as_lxml_reads_it(app, generated, tmp_path):
    target = tmp_path / f"{app}.xlsx"
    if app == "LibreOffice":
        need_soffice()
        libreoffice.recalculate(generated, target)
    elif app == "Gnumeric":
        need_ssconvert()
        subprocess.run(["ssconvert", str(generated), str(target)], check=True, capture_output=True, timeout=120)
    else:
        openpyxl.load_workbook(generated).save(target)
    for part, data, strings in _worksheet_parts(target):
        plain = _plain(data, strings)
        assert plain is not None, part
        assert plain == books._cells(io.BytesIO(data), part, strings), part


# Rows that XML and the plain form both allow: read exactly as lxml reads them.
PLAIN = {
    "numbers and formulas": '<row r="1"><c r="A1"><v>1.5</v></c><c r="B1" s="3"><f>A1*2</f><v>3</v></c></row>',
    "LibreOffice's attributes": (
        '<row r="2" customFormat="false" ht="15" hidden="false"><c r="A2" s="0" t="n"><f aca="false">1+1</f><v>2</v></c></row>'
    ),
    "Excel's row prefix": '<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row>',
    "entities and references": (
        '<row r="1"><c r="A1" t="str"><f>IF(B1&lt;0,"a&amp;b","&#916;&#x3b7;")</f><v>a&amp;b</v></c>'
        '<c r="B1"><v>&#45;1</v></c></row>'
    ),
    "text, bool, error, date": (
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="b"><v>1</v></c><c r="C1" t="e"><v>#DIV/0!</v></c>'
        '<c r="D1" t="d"><v>2024-01-01</v></c><c r="E1" t="s"><v>7</v></c><c r="F1"><v>abc</v></c></row>'
    ),
    "inline strings": (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>η = 0.5</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t xml:space="preserve"> two </t></is></c>'
        '<c r="C1" t="inlineStr"><is><t/></is></c><c r="D1" t="inlineStr"><is><t></t></is></c>'
        '<c r="E1" t="inlineStr"></c><c r="F1" t="inlineStr"><is><t>x &gt; y</t></is></c></row>'
    ),
    "empty things": (
        '<row r="1"><c r="A1"/><c r="B1"><v></v></c><c r="C1"><f></f><v>1</v></c><c r="D1"><f/></c>'
        '<c r="E1" s="2"></c></row><row r="2"/><row r="3"></row><row><c r="A4"><v>4</v></c></row>'
    ),
    "shared formulas": (
        '<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">B1*2</f><v>0</v></c></row>'
        '<row r="2"><c r="A2"><f t="shared" si="0"/><v>0</v></c></row>'
        '<row r="3"><c r="A3"><f t="shared" si="0"></f><v>0</v></c><c r="B3"><f t="shared" si="9"/></c></row>'
    ),
    "array and data-table formulas": (
        '<row r="1"><c r="A1"><f t="array" ref="A1:A2">B1:B2*2</f><v>2</v></c>'
        '<c r="C1"><f t="dataTable" ref="C1:C2" dt2D="0" dtr="0" r1="D1"/><v>1</v></c></row>'
    ),
    "pretty-printed": '\n  <row r="1">\n    <c r="A1">\n      <f>2*3</f>\n      <v>6</v>\n    </c>\n  </row>\n',
    "far columns and rows": '<row r="1048576"><c r="XFD1048576"><v>1</v></c><c r="AAA1048576"><v>2</v></c></row>',
    "whitespace formulas and values": '<row r="1"><c r="A1"><f> </f><v> 1 </v></c><c r="B1"><f>&#32;</f><v>&#10;</v></c></row>',
    "a cell outside any row": '<c r="A1"><v>1</v></c>',
    "a repeated cell": '<row r="1"><c r="A1"><f>1</f><v>1</v></c><c r="A1"><v>2</v></c></row>',
}


@pytest.mark.parametrize("name", PLAIN)
def test_plain_rows_are_read_as_lxml_reads_them(name):
    _assert_plain_reads_as_lxml(_sheet(PLAIN[name]), must_read=True)


# Parts that XML allows but the plain form does not: the plain reader steps aside (lxml reads them).
NOT_PLAIN = {
    "a comment": _sheet('<row r="1"><!-- x --><c r="A1"><v>1</v></c></row>'),
    "CDATA": _sheet('<row r="1"><c r="A1"><f><![CDATA[1+1]]></f></c></row>'),
    "a processing instruction": _sheet('<row r="1"><?pi x?><c r="A1"><v>1</v></c></row>'),
    "a prefixed cell": _sheet('<row r="1"><x:c xmlns:x="urn:x" r="A1"><x:v>1</x:v></x:c></row>'),
    "single quotes": _sheet("<row r='1'><c r='A1'><v>1</v></c></row>"),
    "a cell without an address": _sheet('<row r="1"><c><v>1</v></c></row>'),
    "a lower-case address": _sheet('<row r="1"><c r="a1"><v>1</v></c></row>'),
    "a carriage return": _sheet('<row r="1"><c r="A1"><f>1+\r\n1</f></c></row>'),
    "a rich inline string": _sheet('<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row>'),
    "another attribute on a cell": _sheet('<row r="1"><c r="A1" cm="1"><v>1</v></c></row>'),
    "the attributes in another order": _sheet('<row r="1"><c r="A1" t="n" s="1"><v>1</v></c></row>'),
    "an extLst": _sheet('<row r="1"><c r="A1"><v>1</v><extLst/></c></row>'),
    "a row inside a row": _sheet('<row r="1"><row r="2"><c r="A2"><v>1</v></c></row></row>'),
    "a comment before sheetData": (HEAD + "<!-- <sheetData> --><sheetData/>" + TAIL).encode(),
    "a cell outside sheetData": _sheet('<row r="1"><c r="A1"><v>1</v></c></row>', tail='<c r="Z9"><v>9</v></c>' + TAIL),
    "Latin-1": _sheet('<row r="1"><c r="A1" t="str"><v>é</v></c></row>', head=HEAD.replace("UTF-8", "ISO-8859-1")).replace(
        "é".encode(), b"\xe9"
    ),
}


@pytest.mark.parametrize("name", NOT_PLAIN)
def test_parts_outside_the_plain_form_are_left_to_lxml(name):
    data = NOT_PLAIN[name]
    assert _plain(data) is None
    assert not isinstance(_lxml(data), Exception)


def test_a_text_longer_than_the_plain_form_allows_is_left_to_lxml_which_refuses_it():
    """Past the plain form's 1,000,000 characters a text is also past Excel's 32,767 (tests/test_limits.py)."""
    data = _sheet(f'<row r="1"><c r="A1" t="str"><v>{"x" * 1_000_001}</v></c></row>')
    assert _plain(data) is None
    assert "over Excel's 32,767" in str(_lxml(data))


# Parts that are not well-formed XML (or that lxml refuses): the plain reader steps aside, and
# reading the workbook fails exactly as it did before it existed.
BROKEN = {
    "a DTD with entities": (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="str"><v>&b;</v></c></row></sheetData></worksheet>'
    ).encode(),
    "an undefined entity": _sheet('<row r="1"><c r="A1" t="str"><v>&b;</v></c></row>'),
    "a bare &": _sheet('<row r="1"><c r="A1"><f>"a"&"b"</f></c></row>'),
    "a reference to NUL": _sheet('<row r="1"><c r="A1" t="str"><v>&#0;</v></c></row>'),
    "a control character": _sheet('<row r="1"><c r="A1" t="str"><v>a\x01b</v></c></row>'),
    "]]> in text": _sheet('<row r="1"><c r="A1" t="str"><v>a]]>b</v></c></row>'),
    "U+FFFF": _sheet('<row r="1"><c r="A1" t="str"><v>a\uffffb</v></c></row>'),
    "bad UTF-8": _sheet('<row r="1"><c r="A1" t="str"><v>é</v></c></row>').replace("é".encode(), b"\xe9"),
    "an unclosed row": _sheet('<row r="1"><c r="A1"><v>1</v></c>'),
    "a stray </row>": _sheet('<row r="1"><c r="A1"><v>1</v></c></row></row>'),
    "a repeated row attribute": _sheet('<row r="1" r="2"><c r="A1"><v>1</v></c></row>'),
    "an undeclared prefix": _sheet('<row r="1" x99:y="1"><c r="A1"><v>1</v></c></row>'),
    "a repeated formula attribute": _sheet('<row r="1"><c r="A1"><f t="shared" t="shared" si="0">1</f></c></row>'),
    "a bad row number": _sheet('<row r="x"><c r="A1"><v>1</v></c></row>'),
    "no end tag": _sheet('<row r="1"><c r="A1"><v>1</v></c></row>', tail="</worksheet"),
    "a second root": _sheet('<row r="1"><c r="A1"><v>1</v></c></row>', tail=TAIL + "<worksheet/>"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_parts_are_left_to_lxml_and_refused_as_before(name, tmp_path):
    data = BROKEN[name]
    assert _plain(data) is None
    assert isinstance(_lxml(data), Exception)
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", (
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ))
        archive.writestr(PART, data)
    with pytest.raises(WorkbookError, match="declares a DTD|not a readable xlsx workbook"):
        books.read(path)


def test_cells_without_an_address_are_read_by_lxml_counting_them():
    """A sheet whose cells leave out r= is not plain: lxml's loop counts its way along the row."""
    data = _sheet('<row r="2"><c r="B2"><v>1</v></c><c><f>B2*2</f><v>2</v></c></row><row><c><v>3</v></c></row>')
    assert _plain(data) is None
    formulas, saved = _lxml(data)
    assert formulas == {(2, 3): "=B2*2"}
    assert saved == {(2, 2): (1.0, "n"), (2, 3): (2.0, "n"), (3, 1): (3.0, "n")}


@pytest.mark.parametrize("how", ["not plain", "too large to read whole"])
def test_a_workbook_reads_the_same_through_either_reader(how, generated, monkeypatch):
    """book.read() with the plain reader and with lxml alone (the plain reader made to step aside)."""
    plain = books.read(generated)
    if how == "not plain":
        monkeypatch.setattr(books, "_plain_cells", lambda data, strings: None)
    else:
        monkeypatch.setattr(books, "_PLAIN_LIMIT", 1000)
    assert books.read(generated) == plain


def test_unescape_reads_what_lxml_reads():
    text = "&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;&#9;"
    assert plainxml.unescape(text) == etree.fromstring(f"<v>{text}</v>").text
    for bad in ("&", "&foo;", "&#0;", "&#xFFFE;", "&#xD800;", "&#x110000;", "&#;", "&lt"):
        with pytest.raises(plainxml.NotPlain):
            plainxml.unescape(bad)


# What random damage may put into a part: XML's own characters, and pieces of its syntax.
_DAMAGE = ['<', '>', '&', '"', "'", '/', ' ', '\r', '\t', '\x01', '=', ';', '#', '!', '?', ':', 'x', '1', '-',
           '<!--', '-->', '<![CDATA[', ']]>', '&amp;', '&#0;', '&#65;', '<c r="B9">', '</c>', '<row>', '</row>',
           '<v>', '</v>', '<f>', '</f>', ' t="s"', ' s="1"', ' r="C3"', '<is><t>', '</t></is>', 'xmlns:y="u" ', 'y:z="1" ']


def test_random_damage_is_read_as_lxml_reads_it_or_left_to_lxml():
    """Thousands of plain parts with a few random cuts, insertions and replacements: the plain
    reader reads each exactly as lxml does, or steps aside; never reads what lxml refuses."""
    rows = "".join(PLAIN[name] for name in ("numbers and formulas", "entities and references", "inline strings", "shared formulas"))
    original = HEAD + "<sheetData>" + rows.replace('r="1"', 'r="5"') + "</sheetData>" + TAIL
    rng = random.Random(8)
    read = refused = 0
    for _ in range(5000):
        text = original
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(HEAD) - 40, len(text) - len(TAIL) + 20)
            cut = rng.choice([0, 0, 1, 2, 5])
            text = text[:at] + rng.choice(_DAMAGE + [""]) + text[at + cut :]
        data = text.encode("utf-8")
        _assert_plain_reads_as_lxml(data)
        read += _plain(data) is not None
        refused += isinstance(_lxml(data), Exception)
    assert read > 100 and refused > 1000  # both sides were tried, many times
