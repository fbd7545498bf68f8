"""A worksheet part in its plain form, read with one regular expression instead of an XML parser.

Nearly every worksheet part is written the same way by every app: `<sheetData>` holds `<row>`s,
each holding `<c r="B5" s="42">` cells with at most a `<f>`, a `<v>` and an inline string
`<is><t>`, unprefixed, attributes in double quotes. Such a part is read here by one regular
expression (`_TOKEN`) that takes the cells apart a chunk of rows at a time, about three times
faster than lxml handing each element to Python. cells() says None for any part that is not
exactly in that form; verify/reading/book.py then reads it with lxml, as it reads every other part.

It must read exactly what lxml reads, or nothing. So the plain form is checked, not assumed:

- every character inside `<sheetData>` belongs to a token: a cell, a row tag, `</row>` or
  whitespace between them; anything else (a comment, CDATA, a prefix, an attribute in single
  quotes, a child the form does not know, a text over _LONGEST characters) is not plain;
- rows nest properly, their attributes are distinct and their namespace prefixes declared;
- the characters are what XML allows (UTF-8, no control characters, no `]]>`, no carriage
  return: an XML parser would turn it into a line feed), and every `&` is one of XML's five
  entities or a character reference to a character XML allows (unescape());
- the rest of the part, `<sheetData>` left empty, is parsed by lxml with the reader's own
  settings (verify/reading/book.py: no DTD, no entities, no network, no huge trees); it must hold no
  DTD, comment, CDATA or processing instruction before `<sheetData>`, and no other cell or row.

No entity is ever expanded here (there is no DTD to define one), nothing is fetched, and the
size limits of verify/reading/opening.py and verify/reading/book.py apply before anything is read.
"""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

_LONGEST = 1_000_000  # characters of one text or attribute value; a longer one is lxml's to judge
_CHUNK = 1_000_000  # characters tokenised at once (then up to the end of the row): bounds the token lists

_WS = r"[ \t\n]*"
_TEXT = rf"[^<]{{0,{_LONGEST}}}"
_VALUE = rf'"[^"<&\t\n\r]{{0,{_LONGEST}}}"'
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]{0,100}"
_ROW = rf"<row(?:\ {_NAME}(?::{_NAME})?={_VALUE})*/?>"  # a row's start tag (or the whole of an empty row)

# One token of <sheetData>. A cell is (letters, digits, kind, plain formula, formula attributes,
# formula text, value, "<is>", inline text, "", ""); a row tag leaves all but the tenth group
# empty; </row> and whitespace leave every group empty; the last group takes the rest of the
# text when nothing else matches (not the plain form), so that it is always the last token.
_TOKEN = re.compile(
    rf"""
    <c\ r="([A-Z]{{1,3}})([0-9]{{1,7}})"(?:\ s="[0-9]{{1,9}}")?(?:\ t="([A-Za-z]{{1,9}})")?
    (?:/>|>{_WS}
        (?:<f>({_TEXT})</f>{_WS}
          |<f((?:\ (?!xmlns)[a-z][A-Za-z0-9]{{0,20}}={_VALUE})*)(?:>({_TEXT})</f>|/>){_WS}
        )?
        (?:<v>({_TEXT})</v>{_WS})?
        (?:(<is>){_WS}<t(?:\ xml:space="preserve")?(?:/>|>({_TEXT})</t>){_WS}</is>{_WS})?
    </c>)
    |({_ROW})
    |</row>|[ \t\n]+
    |([\s\S]+)
    """,
    re.VERBOSE,
)
_ROW_TAGS = re.compile(rf"{_ROW}|</row>", re.VERBOSE)  # in a chunk of tokens, these are the row tokens
_ROW_ATTRIBUTE = re.compile(rf' (?:({_NAME}):)?({_NAME})="([^"]*)"')
_DIGITS = re.compile(r"[0-9]*")  # a row number that int() reads (empty: the next row)
# Bytes XML does not allow in text (control characters), or that a parser would change (\r), and
# the sequences it refuses in text: "]]>", U+FFFE and U+FFFF (in UTF-8).
_CONTROL = bytes(range(0x09)) + b"\x0b\x0c\r" + bytes(range(0x0E, 0x20))
_REFUSED = (b"]]>", b"\xef\xbf\xbe", b"\xef\xbf\xbf")
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[ \t\r\n][^?>]*\?>")
_ENCODING = re.compile(rb"""encoding[ \t\r\n]*=[ \t\r\n]*["']([^"']*)["']""")
_REFERENCE = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));|&")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_F_ATTRIBUTE = re.compile(r' ([A-Za-z0-9]+)="([^"]*)"')


class NotPlain(Exception):
    """The part is not in the plain form after all (found while its cells were being read)."""


Token = tuple[str, str, str, str, str, str, str, str, str, str, str]


def cells(data: bytes, parser: etree.XMLParser) -> Iterator[list[Token]] | None:
    """The tokens of a worksheet part's <sheetData>, a chunk of rows at a time; None when the part is not plain.

    Cells are the tokens whose first group (the column letters) is not empty. The text groups
    are as written: pass any that holds "&" through unescape(). A later chunk may still turn out
    not to be plain: iterating raises NotPlain then. `parser`: the reader's lxml parser.
    """
    found = _sheet_data(data, parser)
    if found is None:
        return None
    text, prefixes = found
    return _chunks(text, prefixes)


def unescape(text: str) -> str:
    """Text as an XML parser gives it: the five entities and character references replaced; NotPlain for any other `&`."""
    return _REFERENCE.sub(_replace, text)


def attributes(text: str) -> dict[str, str]:
    """The attributes of a formula (`<f t="shared" si="0">`: ' t="shared" si="0"'); NotPlain when one is repeated."""
    found = _F_ATTRIBUTE.findall(text)
    named = dict(found)
    if len(named) != len(found):
        raise NotPlain("a repeated attribute")
    return named


def _replace(match: re.Match) -> str:
    name, decimal, hexadecimal = match.groups()
    if name:
        return _ENTITIES[name]
    if decimal is None and hexadecimal is None:
        raise NotPlain("an & that is not a reference")
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF):
        raise NotPlain("a reference to a character XML does not allow")
    return chr(code)


def _sheet_data(data: bytes, parser: etree.XMLParser) -> tuple[str, frozenset[str]] | None:
    """(the text inside <sheetData>, the namespace prefixes declared there), or None when the part is not plain."""
    start = data.find(b"<sheetData>")
    end = data.find(b"</sheetData>", start)
    if start < 0 or end < 0:
        return None
    start += len(b"<sheetData>")
    if not _plain_prolog(data[:start]):
        return None
    inner = data[start:end]
    if len(inner.translate(None, _CONTROL)) != len(inner) or any(s in inner for s in _REFUSED):
        return None
    try:
        text = inner.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        root = etree.fromstring(data[:start] + data[end:], parser)
    except (etree.LxmlError, ValueError):
        return None
    if root.getroottree().docinfo.doctype:
        return None
    if next(root.iter("{*}c", "{*}row"), None) is not None:  # cells outside <sheetData>: lxml would read them too
        return None
    found = list(root.iter("{*}sheetData"))
    if len(found) != 1:
        return None
    return text, frozenset(p for p in found[0].nsmap if p) | {"xml"}


def _plain_prolog(head: bytes) -> bool:
    """Whether everything up to <sheetData> is free of DTDs, comments, CDATA and processing instructions
    (so that <sheetData> really is the tag), with UTF-8 the encoding."""
    declaration = _DECLARATION.match(head)
    rest = head[declaration.end() :] if declaration else head
    if b"<!" in head or b"<?" in rest:
        return False
    encoding = _ENCODING.search(declaration.group()) if declaration else None
    return encoding is None or encoding.group(1).lower() == b"utf-8"


def _chunks(text: str, prefixes: frozenset[str]) -> Iterator[list[Token]]:
    position = 0
    while position < len(text):
        end = text.find("</row>", position + _CHUNK)
        end = len(text) if end < 0 else end + len("</row>")
        tokens = _TOKEN.findall(text, position, end)
        if tokens and tokens[-1][-1]:
            raise NotPlain("a token outside the plain form")
        if not _rows_nest(_ROW_TAGS.findall(text, position, end), prefixes):
            raise NotPlain("rows that do not nest, or a row's attributes")
        yield tokens
        position = end


def _rows_nest(tags: list[str], prefixes: frozenset[str]) -> bool:
    """Whether these row tags (in order) open and close in turn, each with attributes lxml reads as we do."""
    inside = False
    for tag in tags:
        if tag == "</row>":
            if not inside:
                return False
            inside = False
            continue
        if inside or not _row_attributes(tag, prefixes):
            return False
        inside = not tag.endswith("/>")
    return not inside


def _row_attributes(tag: str, prefixes: frozenset[str]) -> bool:
    """Distinct attributes, declared prefixes, no namespace declarations, and r (if any) a plain number."""
    found = _ROW_ATTRIBUTE.findall(tag)
    if len({(prefix, name) for prefix, name, _ in found}) != len(found):
        return False
    for prefix, name, value in found:
        if "xmlns" in (prefix, name) or (prefix and prefix not in prefixes):
            return False
        if name == "r" and not prefix and not _DIGITS.fullmatch(value):
            return False
    return True
