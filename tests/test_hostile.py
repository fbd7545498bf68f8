"""Hostile or careless formulas never exhaust the checker (issue 13).

Each case of HOSTILE is planted into one cell of a generated workbook and of a hand-built one,
by editing the sheet XML: the cell's formula changes, its saved value stays. `backprop-sheet
verify` then runs in a child process, whose wall time and peak memory (os.wait4's rusage: the
child and everything it waited for, LibreOffice included) are bounded loosely. Every case ends
as a finding (exit 1) or one clean line (exit 2): no traceback, no hang.

The dangerous functions (WEBSERVICE, FILTERXML, HYPERLINK, CALL, REGISTER.ID, DDE) are also run
through real LibreOffice, with a local HTTP server counting requests and a marker file that a
shell command would create: neither engine may fetch or execute anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.utils import get_column_letter

from conftest import need_soffice
from excelgen.errors import EngineError, WorkbookError
from verify.reading import book
from verify.engines import formulas_engine
from verify.reading import libreoffice

ROOT = Path(__file__).resolve().parents[1]
MAX_SECONDS = 30  # loose safety bounds of the issue, not speed targets
MAX_PEAK_MB = 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

# Where each book gets its hostile formula: the first E1 cell of its table.
BOOKS = {"generated": ("LR 0.1", "R5"), "handbuilt": ("Backprop", "U10")}


@dataclass(frozen=True)
class Hostile:
    """One hostile formula. In `formula`, {f} is the cell's own formula (without "="), {cell},
    {col} and {row} its address, {sheet} its sheet as a prefix, {extra} a free column, {url} the
    counting server's address and {marker} a file that must never be created."""

    formula: str
    names: dict[str, str] = field(default_factory=dict)  # defined names added to the workbook
    array: bool = False  # written as an array formula (t="array")
    column: str | None = None  # a formula for rows 1..10,000 of a fresh column ({k}: the row)


HOSTILE = {
    "whole sheet": Hostile("{f}+SUM(A1:XFD1048576)*0"),
    "whole column": Hostile("{f}+SUM({col}:{col})*0"),
    "whole row": Hostile("{f}+SUM({row}:{row})*0"),
    "whole sheet through a name": Hostile("{f}+SUM(EVERYTHING)*0", names={"EVERYTHING": "{sheet}$A:$XFD"}),
    "10,000 distinct formula shapes in one column": Hostile("{f}+SUM({extra}1:{extra}10000)", column="={k}*1.5+{k}"),
    "1,000 nested parentheses": Hostile("(" * 1000 + "{f}" + ")" * 1000 + "+1"),
    "8,000-character formula": Hostile("{f}+1" + "+0*A1" * 1600),
    "INDIRECT of the whole sheet": Hostile('{f}+SUM(INDIRECT("A1:XFD1048576"))*0'),
    "INDIRECT of itself": Hostile("{f}+INDIRECT(ADDRESS(ROW(),COLUMN()))*0"),
    "OFFSET of the whole sheet": Hostile("{f}+SUM(OFFSET(A1,0,0,1048576,16384))*0"),
    "OFFSET of itself": Hostile("{f}+OFFSET({cell},0,0)*0"),
    "huge OFFSET": Hostile("{f}+OFFSET(A1,1000000000,1000000000)"),
    "circular reference through a name": Hostile("{f}+LOOP*0", names={"LOOP": "{sheet}${col}${row}"}),
    "a name defined as itself": Hostile("{f}+SELF", names={"SELF": "SELF"}),
    "array formula": Hostile("{f}+SUM(ROW(A1:A3))", array=True),
    "external workbook reference": Hostile("{f}+[1]Sheet1!A1"),
    "WEBSERVICE": Hostile('{f}+LEN(_xlfn.WEBSERVICE("{url}/webservice"))'),
    "FILTERXML with an external entity": Hostile(
        "{f}+LEN(_xlfn.FILTERXML(\"<!DOCTYPE r [<!ENTITY e SYSTEM '{url}/filterxml'>]><r>&e;</r>\",\"//r\"))",
    ),
    "HYPERLINK": Hostile('{f}+LEN(HYPERLINK("{url}/hyperlink","x"))'),
    "CALL": Hostile('{f}+CALL("libc.so.6","system","JC","touch {marker}")'),
    "REGISTER.ID": Hostile('{f}+REGISTER.ID("libc.so.6","system","JC")'),
    "DDE": Hostile("cmd|'/c touch {marker}'!A0"),
    "DDE function": Hostile('{f}+DDE("sh","-c touch {marker}","A0")'),
}


DANGEROUS = ("WEBSERVICE", "FILTERXML with an external entity", "HYPERLINK", "CALL", "REGISTER.ID", "DDE", "DDE function")
CHECKED_BY_LIBREOFFICE = ("whole sheet", "circular reference through a name")


@dataclass(frozen=True)
class Book:
    """One `backprop-sheet verify` of one workbook, inside the child process."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float


@dataclass(frozen=True)
class Run:
    """A child process that ran `backprop-sheet verify` on each of some workbooks in turn."""

    books: list[Book]
    seconds: float
    peak_mb: float  # the child's peak resident memory, LibreOffice's included


class _Counter(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<r>fetched</r>")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """A local HTTP server counting the requests it gets; it stops itself after five minutes."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    stopper = threading.Timer(300, httpd.shutdown)
    stopper.start()
    yield httpd
    stopper.cancel()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def books(handbuilt_books, tmp_path_factory) -> dict[str, Path]:
    """A generated workbook (two learning rates, 12 iterations: quick to check) and a hand-built one."""
    from network import load_network
    from excelgen.workbook import write_workbook

    spec = load_network().with_options(iterations=12, learning_rates=(0.1, 0.5))
    generated = write_workbook(spec, tmp_path_factory.mktemp("hostile") / "generated.xlsx")
    return {"generated": generated, "handbuilt": handbuilt_books["typical"]}


@pytest.fixture(scope="module")
def planted(books, server, tmp_path_factory) -> dict[str, tuple[list[Path], Path]]:
    """Each case -> (both books with it planted, the marker file it must never create)."""
    cases = {}
    for k, (name, case) in enumerate(HOSTILE.items()):
        folder = tmp_path_factory.mktemp(f"case{k}")
        marker = folder / "marker"
        paths = [
            plant(books[book], folder / f"{book}.xlsx", sheet, {cell: case}, url=_url(server), marker=marker)
            for book, (sheet, cell) in BOOKS.items()
        ]
        cases[name] = (paths, marker)
    return cases


@pytest.fixture(scope="module")
def checked_by_formulas(planted) -> dict[str, Run]:
    """Each case -> its two books' `verify --engine formulas`, every case in turn in ONE child process (its peak
    memory, the largest of all, is within each case's bound; each book's time is its own)."""
    run = verify_in_child([path for paths, _ in planted.values() for path in paths], "formulas")
    books = iter(run.books)
    return {name: Run([next(books) for _ in paths], run.seconds, run.peak_mb) for name, (paths, _) in planted.items()}


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.slow) if name in CHECKED_BY_LIBREOFFICE else name for name in HOSTILE]
)
def test_hostile_formula_gives_a_finding_or_one_line(name, planted, checked_by_formulas, server):
    """Each case, in both books, with the formulas engine (and LibreOffice for a few)."""
    paths, marker = planted[name]
    _assert_clean(checked_by_formulas[name], "formulas")
    if name in CHECKED_BY_LIBREOFFICE:
        need_soffice()
        _assert_clean(verify_in_child(paths, "libreoffice"), "libreoffice")
    assert server.RequestHandlerClass.requests == [] and not marker.exists()


@pytest.mark.parametrize("engine", ["formulas", pytest.param("libreoffice", marks=pytest.mark.slow)])
def test_dangerous_functions_are_never_run_or_fetched(engine, books, server, tmp_path):
    """Every dangerous case at once, one per E1 cell: no request reaches the server, no marker appears."""
    if engine == "libreoffice":
        need_soffice()
    marker = tmp_path / "marker"
    paths = []
    for book, (sheet, first) in BOOKS.items():
        col, row = re.fullmatch(r"([A-Z]+)(\d+)", first).groups()
        planted = {f"{col}{int(row) + k}": HOSTILE[name] for k, name in enumerate(DANGEROUS)}
        paths.append(plant(books[book], tmp_path / f"{book}.xlsx", sheet, planted, url=_url(server), marker=marker))
    run = verify_in_child(paths, engine)
    _assert_clean(run, engine)
    assert [r.exit_code for r in run.books] == [1, 1]
    assert server.RequestHandlerClass.requests == [], f"{engine} fetched a URL"
    assert not marker.exists(), f"{engine} ran a shell command"


def test_a_whole_sheet_range_costs_what_a_normal_check_costs(default_workbook, tmp_path):
    """The issue's formula: a finding at its own cell (circular), at about a normal check's cost."""
    sheet, cell = BOOKS["generated"]
    hostile = plant(default_workbook, tmp_path / "whole.xlsx", sheet, {cell: HOSTILE["whole sheet"]})
    normal = verify_in_child([default_workbook], "formulas")
    found = verify_in_child([hostile], "formulas")
    assert normal.books[0].exit_code == 0, normal.books[0].stdout
    assert found.books[0].exit_code == 1
    assert "'LR 0.1'!R5 (column E1, iteration 0) is #CIRCULAR!" in found.books[0].stdout, found.books[0].stdout
    print(f"normal: {normal.seconds:.2f} s, {normal.peak_mb:.0f} MB; whole sheet: {found.seconds:.2f} s, {found.peak_mb:.0f} MB")
    assert found.peak_mb <= 1.5 * normal.peak_mb
    assert found.seconds < MAX_SECONDS


@pytest.mark.parametrize(
    "formula, expected",
    [
        ("=SUM(A:A)", 1 + 2 + 3),
        ("=SUM(1:1)", 1 + 10 + 100),
        ("=SUM(A1:XFD1048576)", "#CIRCULAR!"),  # the range holds the formula's own cell
        ("=SUM(Other!A1:XFD1048576)", 7 + 8),
        ("=SUM(Other!C:C)", 0),
        ("=SUM(COLUMN_B)", 10 + 20),
        ("=COUNT(A:C)", 6),
        ("=SUM(A1:D1048576)", 1 + 2 + 3 + 10 + 100 + 20),
    ],
)
def test_ranges_span_the_used_area(formula, expected, tmp_path):
    """Whole columns, rows and sheets, on this or another sheet or through a name, add up the cells that exist."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Main"
    for address, value in {"A1": 1, "A2": 2, "A3": 3, "B1": 10, "C1": 100, "B2": 20}.items():
        ws[address] = value
    ws["E5"] = formula
    other = wb.create_sheet("Other")
    other["A1"], other["B2"] = 7, 8
    wb.defined_names["COLUMN_B"] = openpyxl.workbook.defined_name.DefinedName("COLUMN_B", attr_text="Main!$B:$B")
    wb.save(tmp_path / "ranges.xlsx")
    view = book.read(tmp_path / "ranges.xlsx")
    assert formulas_engine.evaluate(view, [("Main", 5, 5)])[("Main", 5, 5)] == expected


def test_a_range_over_a_sheet_that_fills_the_grid_is_refused(tmp_path):
    """A cell at XFD1048576 makes the used area the whole grid: refused at once, in one line."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["XFD1048576"], ws["B1"] = 1, 2, "=SUM(A1:XFD1048576)"
    wb.save(tmp_path / "grid.xlsx")
    view = book.read(tmp_path / "grid.xlsx")
    with pytest.raises(WorkbookError, match="through ranges"):
        formulas_engine.evaluate(view, [("Sheet", 1, 2)])


# --- zip entries that lie about their size (issue 24, item 9) -----------------------------------


def lying_zip(source: Path, target: Path, part: str, inflated_mb: int, declared: int = 1000) -> Path:
    """A copy of the xlsx `source` whose `part` inflates to `inflated_mb` MB of spaces but declares `declared`
    bytes, in the central directory and in its local header: below every size and ratio limit."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != part:
                zout.writestr(item, zin.read(item.filename))
                continue
            info = zipfile.ZipInfo(part)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(info, "w") as f:
                for _ in range(inflated_mb):
                    f.write(b" " * 1024**2)
    data = bytearray(target.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:  # a central directory entry: its size at +24, its name at +46
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == part.encode():
            struct.pack_into("<I", data, at + 24, declared)
            struct.pack_into("<I", data, struct.unpack_from("<I", data, at + 42)[0] + 22, declared)  # the local header
        at += 4
    target.write_bytes(bytes(data))
    return target


@pytest.fixture(scope="module")
def liar(books, tmp_path_factory) -> Path:
    """The generated book whose first LR sheet declares 1,000 bytes and inflates to 1 GB (made once: 2 s)."""
    return lying_zip(books["generated"], tmp_path_factory.mktemp("liar") / "liar.xlsx", "xl/worksheets/sheet2.xml", 1024)


@pytest.mark.parametrize("engine", ["formulas", "libreoffice"])
def test_a_zip_entry_that_inflates_past_its_declared_size_is_one_line(engine, liar):
    """1,000 bytes declared, 1 GB inflated: refused in one line, without inflating it (it used to take 1.1-1.4 GB)."""
    if engine == "libreoffice":
        need_soffice()
    sheet_part = "xl/worksheets/sheet2.xml"
    bomb = liar
    run = verify_in_child([bomb], engine)
    _assert_clean(run, engine)
    [book] = run.books
    assert book.exit_code == 2 and "liar.xlsx" in book.stderr and sheet_part in book.stderr, book.stderr
    assert run.peak_mb < 300 and book.seconds < 10, f"{run.peak_mb:.0f} MB, {book.seconds:.1f} s"


@pytest.mark.parametrize("engine", ["libreoffice", "formulas"])
def test_libreoffice_and_its_worker_share_one_workbooks_memory_budget(engine, books, tmp_path, monkeypatch, capsys):
    """A soffice wrapper logs its own address-space ceiling and its parent's (the worker's): together at most
    --max-memory. (With the formulas engine LibreOffice only converts an .ods, before the worker reads it.)"""
    need_soffice()
    from backprop_sheet.cli import main

    real = Path(libreoffice.find_soffice()).resolve()
    log = tmp_path / "limits.log"
    wrapper = tmp_path / "bin" / "soffice"
    wrapper.parent.mkdir()
    wrapper.write_text(
        f'#!/bin/sh\necho "$(ulimit -v) $(awk \'/Max address space/ {{print $4}}\' /proc/$PPID/limits)" >> "{log}"\n'
        f'exec "{real}" "$@"\n', "utf-8",
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}:/usr/bin:/bin")
    source = books["generated"]
    if engine == "formulas":
        source = libreoffice.recalculate(books["generated"], tmp_path / "generated.ods", convert_to="ods")
        log.unlink()
    monkeypatch.setattr(sys, "argv", ["backprop-sheet", "verify", str(source), "--engine", engine, "--max-memory", "2GB"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0, capsys.readouterr()
    assert log.read_text("utf-8") != ""
    for line in log.read_text("utf-8").splitlines():
        own_kb, worker_bytes = map(int, line.split())
        assert own_kb * 1024 + (worker_bytes if engine == "libreoffice" else 0) <= 2 * 1024**3, line


# --- item 13: what an .ods or .xls error names; quotes in sheet names ---------------------------


@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_an_ods_or_xls_that_cannot_be_checked_names_the_users_file(suffix, tmp_path):
    """Not the temporary xlsx it was converted to (removed by the time the message is read)."""
    need_soffice()
    from verify.checking.workbook import check_workbook

    wb = openpyxl.Workbook()
    wb.active["A1"] = "no table here"
    wb.save(tmp_path / "plain.xlsx")
    converted = libreoffice.recalculate(tmp_path / "plain.xlsx", tmp_path / f"plain.{suffix}", convert_to=suffix)
    with pytest.raises(WorkbookError) as caught:
        check_workbook(converted, engine="formulas")
    assert str(converted) in str(caught.value) and "backprop-sheet-convert" not in str(caught.value), caught.value


@pytest.mark.parametrize("engine", ["formulas", "libreoffice"])
@pytest.mark.parametrize("sheet", ["Network", "LR 0.1"])
def test_a_quote_in_a_sheet_name_is_no_finding(sheet, engine, books, tmp_path):
    """The issue saw a spurious "B5 holds empty" with LibreOffice; a rename in the archive's XML (every
    reference included) must still pass with both engines."""
    if engine == "libreoffice":
        need_soffice()
    new = sheet + "'s"
    quoted = "'" + new.replace("'", "''") + "'!"
    renamed = tmp_path / "quoted.xlsx"
    with zipfile.ZipFile(books["generated"]) as zin, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(".xml"):
                text = data.decode("utf-8")
                text = re.sub(rf"(?<![\w'])({re.escape(sheet)}!|'{re.escape(sheet)}'!)", quoted.replace("'", "&apos;"), text)
                text = text.replace(f'name="{sheet}"', f'name="{new.replace(chr(39), "&apos;")}"')
                data = text.encode("utf-8")
            zout.writestr(item, data)
    run = verify_in_child([renamed], engine)
    assert run.books[0].exit_code == 0, run.books[0].stdout + run.books[0].stderr


# --- LibreOffice bounded ------------------------------------------------------------------------


def test_libreoffice_past_its_time_limit_is_killed_with_its_children(default_workbook, tmp_path):
    need_soffice()
    running = libreoffice.start(default_workbook, tmp_path / "out.xlsx", timeout=0.5)  # killed mid-start
    with pytest.raises(EngineError, match=r"did not finish recalculating .* within 0.5 s"):
        running.wait()
    _assert_nothing_left(running)


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGKILL])
def test_a_crashing_libreoffice_is_reported_and_cleaned_up(sig, default_workbook, tmp_path):
    need_soffice()
    running = libreoffice.start(default_workbook, tmp_path / "out.xlsx")
    _crash_until_it_gives_up(running, sig)
    with pytest.raises(EngineError, match=r"LibreOffice crashed \(SIG"):
        running.wait()
    _assert_nothing_left(running)


def test_verify_says_why_libreoffice_was_stopped(default_workbook, monkeypatch):
    # check_workbook() itself: the CLI checks in a worker process, out of a monkeypatch's reach
    # (the CLI prints any reason a worker gives as one line `Error: ...`: tests/test_verify_class.py).
    need_soffice()
    from verify.checking.workbook import check_workbook

    real_start = libreoffice.start
    monkeypatch.setattr(libreoffice, "start", lambda *args, **kwargs: real_start(*args, **{**kwargs, "timeout": 0.5}))
    with pytest.raises(EngineError, match=r"did not finish recalculating .* within 0\.5 s \(stopped\)"):
        check_workbook(default_workbook, engine="libreoffice")


# --- helpers ------------------------------------------------------------------------------------


# The child's peak memory (ru_maxrss) would include this test process's at the fork, however big it has grown;
# a small launcher starts the child and reports the child's own peak, and that of everything it waited for.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""

_CHILD = """
import contextlib, io, json, sys, time
from backprop_sheet.cli import main
engine, results = sys.argv[1], []
for path in sys.argv[2:]:
    out, err, start = io.StringIO(), io.StringIO(), time.monotonic()
    sys.argv = ["backprop-sheet", "verify", path, "--engine", engine]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    results.append([code, out.getvalue(), err.getvalue(), time.monotonic() - start])
print(json.dumps(results))
"""


def verify_in_child(paths: list[Path], engine: str) -> Run:
    """`backprop-sheet verify PATH --engine ENGINE` for each path, in one fresh interpreter
    (killed past 2 × MAX_SECONDS per path); its wall time and peak memory."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        peak = Path(tmp, "peak")
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(peak), sys.executable, "-c", _CHILD, engine, *map(str, paths)],
            cwd=ROOT, stdout=out, stderr=err, env=env, start_new_session=True,
        )
        killer = threading.Timer(2 * MAX_SECONDS * len(paths), os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        proc.wait()
        killer.cancel()
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        assert proc.returncode == 0 and not stderr, f"the child failed ({proc.returncode}):\n{stdout}{stderr}"
        peak_kb = int(peak.read_text())
    return Run([Book(*result) for result in json.loads(stdout)], seconds, peak_kb / 1024)


def plant(
    source_path: Path, target: Path, sheet: str, cases: dict[str, Hostile], *, url: str = "", marker: Path | None = None
) -> Path:
    """Copy an xlsx with each case planted into its cell of `sheet` (and its names and column added)."""
    prefix = "'" + sheet.replace("'", "''") + "'!"
    with zipfile.ZipFile(source_path) as zin:
        part = _sheet_part(zin, sheet)
        sheet_xml = etree.fromstring(zin.read(part))
        workbook_xml = etree.fromstring(zin.read("xl/workbook.xml"))
        extra = get_column_letter(_max_column(sheet_xml) + 2)
        for cell, case in cases.items():
            col, row = re.fullmatch(r"([A-Z]+)(\d+)", cell).groups()
            fields = dict(cell=cell, col=col, row=row, sheet=prefix, url=url, marker=marker, extra=extra)
            f = sheet_xml.find(f".//{{{MAIN}}}c[@r='{cell}']/{{{MAIN}}}f")
            formula = case.formula.format(f=f.text, **fields)
            f.attrib.clear()
            if case.array:
                f.set("t", "array")
                f.set("ref", cell)
            f.text = formula
            if case.column:
                _add_column(sheet_xml, extra, case.column)
            for name, text in case.names.items():
                _define_name(workbook_xml, name, text.format(**fields))
        edited = {part: sheet_xml, "xl/workbook.xml": workbook_xml}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename in edited:
                    data = etree.tostring(edited[item.filename], xml_declaration=True, encoding="UTF-8", standalone=True)
                zout.writestr(item, data)
    return target


def _assert_clean(run: Run, engine: str) -> None:
    """Each book: a finding (exit 1) or one `Error:` line (exit 2), no traceback; within the bounds."""
    for book in run.books:
        where = f"{engine}: exit {book.exit_code}\n{book.stdout}{book.stderr}"
        assert book.exit_code in (1, 2), where
        assert "Traceback" not in book.stdout + book.stderr, where
        if book.exit_code == 2:
            assert book.stderr.startswith("Error: ") and book.stderr.count("\n") == 1, where
        assert book.seconds < MAX_SECONDS, where
    assert run.peak_mb < MAX_PEAK_MB, f"{engine}: peak {run.peak_mb:.0f} MB"


def _url(server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    """xl/worksheets/sheetN.xml of a sheet name, through workbook.xml and its relationships."""
    workbook = etree.fromstring(archive.read("xl/workbook.xml"))
    [rid] = [s.get(R_ID) for s in workbook.iter(f"{{{MAIN}}}sheet") if s.get("name") == sheet]
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    [target] = [r.get("Target") for r in rels.iter(f"{{{RELS}}}Relationship") if r.get("Id") == rid]
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _max_column(sheet_xml) -> int:
    letters = (re.match(r"[A-Z]+", c.get("r")).group(0) for c in sheet_xml.iter(f"{{{MAIN}}}c"))
    return max(openpyxl.utils.column_index_from_string(x) for x in letters)


def _add_column(sheet_xml, col: str, formula: str, rows: int = 10_000) -> None:
    """A formula in rows 1..rows of column `col` (right of every cell), rows created as needed."""
    data = sheet_xml.find(f"{{{MAIN}}}sheetData")
    existing = {int(r.get("r")): r for r in data.iter(f"{{{MAIN}}}row")}
    for k in range(1, rows + 1):
        row = existing.get(k)
        if row is None:
            row = etree.SubElement(data, f"{{{MAIN}}}row", r=str(k))  # rows past the last one: in order
        c = etree.SubElement(row, f"{{{MAIN}}}c", r=f"{col}{k}")
        etree.SubElement(c, f"{{{MAIN}}}f").text = formula.format(k=k).lstrip("=")
    data[:] = sorted(data, key=lambda r: int(r.get("r")))


def _define_name(workbook_xml, name: str, text: str) -> None:
    names = workbook_xml.find(f"{{{MAIN}}}definedNames")
    if names is None:
        names = etree.Element(f"{{{MAIN}}}definedNames")
        workbook_xml.find(f"{{{MAIN}}}sheets").addnext(names)
    etree.SubElement(names, f"{{{MAIN}}}definedName", name=name).text = text


def _crash_until_it_gives_up(running: libreoffice.Running, sig: int) -> None:
    """Send `sig` to every soffice.bin of the conversion (a fresh profile's first one restarts
    itself, so there may be two) once it has run a moment, until the launcher has ended."""
    seen: dict[int, float] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _group_members(running._proc.pid) == []:  # the launcher is gone (a zombie until waited for)
            return
        now = time.monotonic()
        for pid in _group_members(running._proc.pid, "soffice.bin"):
            if now - seen.setdefault(pid, now) > 0.2:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        time.sleep(0.02)
    raise AssertionError("LibreOffice did not end after its soffice.bin was killed")


def _group_members(group: int, command: str | None = None) -> list[int]:
    """Live (not zombie) processes of a process group, by `ps`, optionally of one command."""
    listing = subprocess.run(["ps", "-eo", "pid=,pgid=,stat=,comm="], capture_output=True, text=True, check=True).stdout
    found = []
    for line in listing.splitlines():
        pid, pgid, stat, comm = line.split(None, 3)
        if int(pgid) == group and not stat.startswith("Z") and (command is None or comm.strip() == command):
            found.append(int(pid))
    return found


def _assert_nothing_left(running: libreoffice.Running) -> None:
    profile = Path(running._tmp.name)
    assert not profile.exists(), "the profile folder was left behind"
    assert _group_members(running._proc.pid) == [], "LibreOffice processes were left running"
    listing = subprocess.run(["ps", "-eo", "stat=,args="], capture_output=True, text=True, check=True).stdout
    assert [line for line in listing.splitlines() if str(profile) in line and not line.startswith("Z")] == []
