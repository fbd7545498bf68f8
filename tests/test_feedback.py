"""`verify --feedback DIR`: each student's own workbook handed back, marked, and nothing else of it changed.

One class folder holds a workbook of each kind (a generated one with a chart, an image, a comment, a defined
name and a hand-written note of the student's own; era-s6, mazur, xor, an exercise left unfinished; one saved
by LibreOffice and one by Gnumeric), each with a mistake planted. It is checked and handed back once per
session; LibreOffice then recalculates the originals and the copies in one run, prints the first
copy to PDF, and Gnumeric opens every copy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import handbuilt
import planting
import verify
from conftest import need_soffice, need_ssconvert
from backprop_sheet.cli import cli
from verify.reading import book, libreoffice

RICH = "chart, image, comment, name, note"
HANDBUILT = "hand-built, an apostrophe in its sheet's name"
NOTE = "I was not sure about w3 here, please check"  # the student's hand-written note, in a cell


def _extras(folder: Path):
    image = planting.png(folder / "logo.png")

    def add(workbook) -> None:
        sheet = workbook.add_worksheet("My notes")
        sheet.write("A1", NOTE)
        sheet.write_comment("A1", "a comment of the student's own")
        sheet.insert_image("C3", str(image))
        chart = workbook.add_chart({"type": "line"})
        chart.add_series({"name": "w1", "values": "='LR 0.5'!$B$5:$B$13"})
        sheet.insert_chart("C12", chart)
        workbook.define_name("my_rate", "='LR 0.5'!$B$2")

    return add


def _build_class(folder: Path, scratch: Path) -> dict[str, Path]:
    """name -> workbook in `folder`, each with a mistake (the exercise: left unfinished)."""
    made = {}
    rich = planting.small_workbook("era-s6", scratch / "rich.xlsx", extra_sheets=_extras(scratch))
    made[RICH] = planting.plant(rich, folder / "rich.xlsx", "LR 0.5", "∂E_total/∂w3")
    for name in ("era-s6", "mazur"):
        clean = planting.small_workbook(name, scratch / f"{name}.xlsx")
        made[name] = planting.plant(clean, folder / f"{name}.xlsx", "LR 0.5", "∂E_total/∂w6")
    xor = planting.small_workbook("xor", scratch / "xor.xlsx", rate=1.0)
    made["xor"] = planting.plant(xor, folder / "xor.xlsx", "LR 1.0", "δ_1_1[e2]")
    made["exercise"] = planting.small_workbook("era-s6", folder / "exercise.xlsx", exercise="gradients")
    need_soffice()
    built = handbuilt.typical(handbuilt.PLANTS["a_h1 in dw3 expanded"], title="Ada's backprop")
    built.save(scratch / "handbuilt.xlsx")  # formulas without values: LibreOffice saves them with values
    saved = {"saved by LibreOffice": (made["era-s6"], "libreoffice.xlsx"), HANDBUILT: (scratch / "handbuilt.xlsx", "handbuilt.xlsx")}
    done = libreoffice.convert_many([source for source, _ in saved.values()], scratch / "lo", timeout=300)  # one start
    for name, (source, file_name) in saved.items():
        made[name] = Path(shutil.move(done[source], folder / file_name))
    need_ssconvert()
    target = folder / "gnumeric.xlsx"
    subprocess.run(["ssconvert", str(made["mazur"]), str(target)], check=True, capture_output=True, timeout=120)
    made["saved by Gnumeric"] = target
    return made


@pytest.fixture(scope="session")
def handed_back(tmp_path_factory):
    """(originals, copies, class report, LibreOffice's recalculations of the originals and of the copies)."""
    folder = tmp_path_factory.mktemp("class")
    originals = _build_class(folder, tmp_path_factory.mktemp("scratch"))
    out = tmp_path_factory.mktemp("returned") / "returned"
    report = verify.check(folder, engine="formulas", feedback=out)
    copies = {name: out / path.name for name, path in originals.items()}
    both = {"original": originals, "copy": copies}
    done = libreoffice.convert_many([p for paths in both.values() for p in paths.values()],  # one start for all
                                    tmp_path_factory.mktemp("lo"), timeout=300)
    recalculated = {which: {name: done[path] for name, path in paths.items()} for which, paths in both.items()}
    return originals, copies, report, recalculated


def _outcome(report, path: Path):
    return next(o for o in report.outcomes if Path(o.file).name == path.name)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _allowed_changes(original: Path, sheets: set[str]) -> set[str]:
    """The parts a marked copy may change: the package's lists, the styles, the marked sheets with their
    relationships, comments and VML drawings, and the sheet that was the selected tab."""
    parts = _parts(original)
    allowed = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    for sheet in sheets:
        part = planting.sheet_part(original, sheet)
        rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        allowed |= {part, rels}
        for kind, target in re.findall(r'Type="[^"]*/(comments|vmlDrawing)"[^>]*Target="([^"]+)"', parts.get(rels, b"").decode()):
            allowed.add("xl/" + target.removeprefix("../").removeprefix("/xl/"))
    selected = re.compile(rb'tabSelected="(1|true)"')
    allowed |= {name for name, data in parts.items() if name.startswith("xl/worksheets/sheet") and selected.search(data)}
    return allowed


CASES = [RICH, "era-s6", "mazur", "xor", "exercise", "saved by LibreOffice", "saved by Gnumeric", HANDBUILT]


def _cell(address: str) -> tuple[str, str]:
    """"'Ada's backprop'!Y5" -> ("Ada's backprop", "Y5")"""
    sheet, _, cell = address.rpartition("!")
    return sheet[1:-1].replace("''", "'"), cell


@pytest.mark.parametrize("case", CASES)
def test_every_part_is_kept_and_only_the_marked_ones_change(handed_back, case):
    originals, copies, report, _ = handed_back
    outcome = _outcome(report, originals[case])
    assert outcome.feedback == str(copies[case]) and outcome.feedback_problem is None
    before, after = _parts(originals[case]), _parts(copies[case])
    assert set(before) <= set(after)
    changed = {name for name in before if before[name] != after[name]}
    sheets = {t.sheet for t in outcome.report.tables}
    assert changed <= _allowed_changes(originals[case], sheets)
    assert changed  # the marks are somewhere
    if case == RICH:  # the chart, the image, their drawing and the student's own sheet: byte for byte
        kept = [name for name in before if re.match(r"xl/(charts|media|drawings/drawing)", name)]
        assert len(kept) >= 3 and all(before[name] == after[name] for name in kept)
        assert b'<definedName name="my_rate">' in after["xl/workbook.xml"]


@pytest.mark.parametrize("case", CASES)
def test_every_formula_and_saved_value_is_unchanged(handed_back, case):
    originals, copies, _, _ = handed_back
    before, after = book.read(originals[case]), book.read(copies[case])
    assert list(after.sheets) == ["Feedback", *before.sheets]
    for title, sheet in before.sheets.items():
        assert after.sheets[title].formulas == sheet.formulas, title
        assert after.sheets[title].saved == sheet.saved, title
    assert after.names == before.names


@pytest.mark.parametrize("case", CASES)
def test_root_causes_carry_a_note_and_the_cells_they_feed_a_lighter_mark(handed_back, case):
    originals, copies, report, _ = handed_back
    outcome = _outcome(report, originals[case])
    assert outcome.report.findings
    marked = openpyxl.load_workbook(copies[case])
    for finding in outcome.report.findings:
        sheet, cell = _cell(finding.cell)
        target = marked[sheet][cell]
        assert target.fill.patternType == "lightTrellis" and target.border.left.style == "thick"
        assert (finding.mistake or finding.message()) in target.comment.text
        if finding.expected is not None:
            assert "Expected: " in target.comment.text
    if case != "exercise":  # an exercise's first empty cell feeds no formula
        followers = [c for ws in marked.worksheets for row in ws.iter_rows() for c in row if c.fill.patternType == "gray0625"]
        assert followers
        noted = [c for c in followers if c.comment]
        assert noted and all(c.comment.text.count("Computed from ") == 1 for c in noted)


def test_the_students_own_comments_and_note_are_kept(handed_back):
    originals, copies, _, _ = handed_back
    before, after = openpyxl.load_workbook(originals[RICH]), openpyxl.load_workbook(copies[RICH])
    assert after["My notes"]["A1"].value == NOTE
    for ws in before.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.comment:
                    assert after[ws.title][c.coordinate].comment.text.startswith(c.comment.text)


@pytest.mark.parametrize("case", CASES)
def test_libreoffice_recalculates_the_copy_as_the_original(handed_back, case):
    originals, _, report, recalculated = handed_back
    before, after = book.read(recalculated["original"][case]), book.read(recalculated["copy"][case])
    saved_by_libreoffice = openpyxl.load_workbook(recalculated["copy"][case])  # it read our notes and kept them
    for finding in _outcome(report, originals[case]).report.findings:
        sheet, cell = _cell(finding.cell)
        assert "backprop-sheet:" in saved_by_libreoffice[sheet][cell].comment.text
    assert list(after.sheets) == ["Feedback", *before.sheets]
    for title, sheet in before.sheets.items():
        assert after.sheets[title].formulas == sheet.formulas
        assert set(after.sheets[title].saved) == set(sheet.saved)
        for key, (value, kind) in sheet.saved.items():
            other = after.sheets[title].saved[key]
            assert other[1] == kind and (other[0] == pytest.approx(value, rel=1e-12) if kind == "n" else other[0] == value)


@pytest.mark.parametrize("case", CASES)
def test_gnumeric_opens_the_copy(handed_back, case, tmp_path):
    _, copies, _, _ = handed_back
    subprocess.run(["ssconvert", "-S", str(copies[case]), str(tmp_path / "sheet-%n.csv")], check=True,
                   capture_output=True, timeout=120)
    assert "Feedback on" in (tmp_path / "sheet-0.csv").read_text("utf-8")


def test_libreoffice_prints_the_feedback_sheet_and_the_marks(handed_back, tmp_path):
    _, copies, _, _ = handed_back
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(copies[RICH])], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "rich.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert text.index("Feedback on rich.xlsx") < text.index("Gradient descent with learning rate")
    assert "hidden-layer gradients" in text and "8/10" in text


@pytest.mark.parametrize("case", CASES)
def test_the_feedback_sheet_comes_first_with_links_and_the_score(handed_back, case):
    originals, copies, report, _ = handed_back
    outcome = _outcome(report, originals[case])
    marked = openpyxl.load_workbook(copies[case])
    assert marked.sheetnames[0] == "Feedback" and marked.active.title == "Feedback"
    assert [ws.title for ws in marked.worksheets if ws.sheet_view.tabSelected] == ["Feedback"]
    sheet = marked["Feedback"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert texts[0] == f"Feedback on {originals[case].name}"
    assert any(t.startswith("FAIL: ") for t in texts)
    assert outcome.score.show() in texts
    links = {_cell(c.hyperlink.location) for row in sheet.iter_rows() for c in row if c.hyperlink}
    assert links == {_cell(f.cell) for f in outcome.report.findings}
    assert any(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC, backprop-sheet ", t) for t in texts)
    with zipfile.ZipFile(copies[case]) as archive:  # text only: nothing of the student's becomes a formula
        feedback = planting.sheet_part(copies[case], "Feedback")
        assert b"<f>" not in archive.read(feedback) and b"<f " not in archive.read(feedback)


def test_a_passing_workbook_is_handed_back_saying_so(tmp_path):
    clean = planting.small_workbook("era-s6", tmp_path / "ada.xlsx")
    report = verify.check(clean, engine="formulas", feedback=tmp_path / "returned")
    sheet = openpyxl.load_workbook(tmp_path / "returned" / "ada.xlsx")["Feedback"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    cells = sum(t.cells for t in report.tables)
    assert f"pass: every check passed ({cells:,} cells checked in 1 table)" in texts
    assert "10/10" in texts


def test_a_workbook_that_could_not_be_checked_gets_no_copy(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    planting.small_workbook("era-s6", folder / "ada.xlsx")
    (folder / "bob.xlsx").write_bytes(b"not a workbook")
    report = verify.check(folder, engine="formulas", feedback=tmp_path / "returned")
    assert sorted(p.name for p in (tmp_path / "returned").iterdir()) == ["ada.xlsx"]
    bob = _outcome(report, folder / "bob.xlsx")
    assert bob.status == "could not check" and bob.reason and bob.feedback is None


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_a_copy_gets_the_umasks_mode(tmp_path, umask):
    """A marked copy is a normal file of the teacher's (0644 under umask 022), readable where the teacher shares the
    folder, as `generate`'s workbooks are: not a private temporary file (0600) renamed."""
    import os
    import sys

    root = Path(__file__).resolve().parents[1]
    planting.small_workbook("era-s6", tmp_path / "ada.xlsx")
    done = subprocess.run(
        [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "verify", "ada.xlsx", "--engine",
         "formulas", "--feedback", "returned"],
        cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(root)), capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: os.umask(umask),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "returned" / "ada.xlsx").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_copy_is_never_written_over_a_file_without_force(tmp_path):
    clean = planting.small_workbook("era-s6", tmp_path / "ada.xlsx")
    returned = tmp_path / "returned"
    returned.mkdir()
    (returned / "ada.xlsx").write_bytes(b"the teacher's own file")
    args = ["verify", str(clean), "--engine", "formulas", "--feedback", str(returned)]
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2
    assert refused.output == f"Error: {returned / 'ada.xlsx'} already exists: use --force to overwrite the marked copies\n"
    assert (returned / "ada.xlsx").read_bytes() == b"the teacher's own file"
    forced = CliRunner().invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert zipfile.is_zipfile(returned / "ada.xlsx")
    own = CliRunner().invoke(cli, ["verify", str(tmp_path), "--engine", "formulas", "--feedback", str(tmp_path), "--force"])
    assert own.exit_code == 2 and own.output.startswith("Error: ") and "own" in own.output
    beside = CliRunner().invoke(cli, ["verify", str(clean), "--engine", "formulas", "--feedback", str(tmp_path), "--force"])
    assert beside.exit_code == 2 and "would overwrite the students' own files" in beside.output  # the file itself
    assert not list(returned.glob(".*.tmp"))


@pytest.mark.parametrize("case", CASES)
def test_the_marked_copy_checks_as_the_original(handed_back, case):
    """The Feedback sheet is no table: checking the copy finds what checking the original found."""
    originals, copies, report, _ = handed_back
    again = verify.check(copies[case], engine="formulas")
    before = _outcome(report, originals[case]).report
    assert [(f.cell, f.mistake_key) for f in again.findings] == [(f.cell, f.mistake_key) for f in before.findings]


def test_copies_keep_the_folders_the_workbooks_were_found_in(tmp_path):
    folder = tmp_path / "class"
    for group in ("group-a", "group-b"):
        (folder / group).mkdir(parents=True)
        planting.small_workbook("era-s6", folder / group / "ada.xlsx", iterations=3)
    returned = folder / "returned"  # inside the class folder: the copies are not checked as students' work
    report = verify.check(folder, engine="formulas", feedback=returned)
    assert len(report.outcomes) == 2
    assert sorted(str(p.relative_to(returned)) for p in returned.rglob("*.xlsx")) == ["group-a/ada.xlsx", "group-b/ada.xlsx"]
    again = CliRunner().invoke(cli, ["verify", str(folder), "--engine", "formulas", "--feedback", str(returned), "--force"])
    assert again.exit_code == 0 and "2 workbooks: 2 passed" in again.output and "marked copies written: 2" in again.output
    both = CliRunner().invoke(cli, ["verify", *(str(folder / g / "ada.xlsx") for g in ("group-a", "group-b")),
                                    "--engine", "none", "--feedback", str(tmp_path / "flat")])
    assert both.exit_code == 2 and both.output.count("\n") == 1 and "would both be handed back as" in both.output


def _prefixed(xml: str) -> str:
    """The main namespace as a prefix, x:, on every element, as some office suites write a part."""
    xml = re.sub(r'xmlns="', 'xmlns:x="', xml, count=1)
    return re.sub(r"<(/?)(?![?!])([A-Za-z]+)(?=[\s/>])", r"<\1x:\2", xml)


def test_a_package_with_prefixed_parts_is_marked_in_their_own_form(tmp_path):
    clean = planting.small_workbook("era-s6", tmp_path / "clean.xlsx", iterations=4)
    path = planting.plant(clean, tmp_path / "planted.xlsx", "LR 0.5", "∂E_total/∂w3")
    for k, part in enumerate(("xl/workbook.xml", "xl/styles.xml", planting.sheet_part(path, "LR 0.5"))):
        path = planting.edit_part(path, tmp_path / f"prefixed-{k}.xlsx", part, _prefixed)
    report = verify.check(path, engine="formulas", feedback=tmp_path / "returned")
    copy = tmp_path / "returned" / path.name
    assert book.read(copy).sheets["LR 0.5"].formulas == book.read(path).sheets["LR 0.5"].formulas
    with zipfile.ZipFile(copy) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert '<x:sheet name="Feedback"' in workbook and "<sheet " not in workbook  # in the part's own form
    cell = openpyxl.load_workbook(copy)["LR 0.5"]["Y5"]
    assert cell.fill.patternType == "lightTrellis" and report.findings[0].mistake in cell.comment.text
    assert [f.cell for f in verify.check(copy, engine="formulas").findings] == [f.cell for f in report.findings]
