"""A whole class at once: a folder of mixed files, one line each, a summary, CSV, class workbook, JSON,
exit codes 0/1/2, and the per-workbook budget (time limit, memory ceiling) that lets the others go on."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import need_soffice
from backprop_sheet.cli import cli
from network import load_network
from excelgen.workbook import write_workbook
from test_verify_bad_input import _text_renamed, _zip_bomb
from planting import edit_sheet
from test_verify_faults import FAULTS
from verify import batch
from verify.reading import libreoffice

WRONG_SLOPE = FAULTS["dw3 uses a_h1 instead of a_h2"]
TYPED_IN = FAULTS["a formula replaced by its own value"]


@pytest.fixture(scope="module")
def class_folder(builtin_workbooks, tmp_path_factory) -> Path:
    """good, two kinds of mistake, a zip bomb, a text file renamed .xlsx, an .ods, lock files, a subfolder."""
    folder = tmp_path_factory.mktemp("class")
    (folder / "group-b").mkdir()
    shutil.copy(builtin_workbooks["era-s6"], folder / "alice.xlsx")
    shutil.copy(builtin_workbooks["mazur"], folder / "group-b" / "bruno.xlsx")
    edit_sheet(builtin_workbooks["era-s6"], folder / "carla.xlsx", WRONG_SLOPE.sheet, WRONG_SLOPE.edit)
    edit_sheet(builtin_workbooks["era-s6"], folder / "group-b" / "dan.xlsx", TYPED_IN.sheet, TYPED_IN.edit)
    _zip_bomb(folder, builtin_workbooks["era-s6"]).rename(folder / "eve.xlsx")
    _text_renamed(folder / "group-b", None).rename(folder / "group-b" / "frank.xlsx")
    if libreoffice.find_soffice():
        libreoffice.recalculate(builtin_workbooks["era-s6"], folder / "gina.ods", convert_to="ods")
    (folder / "~$alice.xlsx").write_bytes(b"owner file of an open workbook")  # Excel's lock file
    (folder / ".~lock.carla.xlsx#").write_text("LibreOffice lock file", "utf-8")
    (folder / "notes.txt").write_text("not a workbook", "utf-8")
    return folder


@pytest.fixture(scope="module")
def class_run(class_folder, tmp_path_factory):
    """One `verify FOLDER --csv --report` run with the formulas engine: (result, csv path, report path, hashes before)."""
    out = tmp_path_factory.mktemp("out")
    before = _hashes(class_folder)
    args = ["verify", str(class_folder), "--engine", "formulas", "--jobs", "2"]
    result = CliRunner().invoke(cli, [*args, "--csv", str(out / "grades.csv"), "--report", str(out / "class.xlsx")])
    return result, out / "grades.csv", out / "class.xlsx", before


def _line(output: str, name: str) -> str:
    [line] = [line for line in output.splitlines() if line.split("  ")[0].endswith("/" + name)]
    return line


def test_folders_are_searched_recursively_and_lock_files_skipped(class_folder):
    found = [p.relative_to(class_folder).as_posix() for p in batch.find_workbooks([class_folder])]
    expected = ["alice.xlsx", "carla.xlsx", "eve.xlsx", "group-b/bruno.xlsx", "group-b/dan.xlsx", "group-b/frank.xlsx"]
    if libreoffice.find_soffice():
        expected.insert(3, "gina.ods")
    assert found == expected
    # a file named twice is checked once; the report itself is never taken for a student's workbook
    assert batch.find_workbooks([class_folder / "alice.xlsx", class_folder], exclude=[class_folder / "carla.xlsx"]) == [
        class_folder / p for p in expected if p != "carla.xlsx"
    ]


@pytest.mark.parametrize(
    "name, line",
    [
        ("alice.xlsx", "pass"),
        ("bruno.xlsx", "pass"),
        ("carla.xlsx", "FAIL  'LR 0.5'!Y5: ∂E_total/∂w3 (column Y, from row 5): uses a_h1·(1−a_h1) instead of a_h2"),
        ("dan.xlsx", "FAIL  'LR 0.2'!K7: 'LR 0.2'!K7 (column a_h1, iteration 2) holds the typed-in value"),
        ("eve.xlsx", "could not check: "),
        ("frank.xlsx", "could not check: "),
    ],
)
def test_one_line_per_workbook(class_run, name, line):
    result = class_run[0]
    assert _line(result.output, name).split("  ", 1)[1].startswith(line)


def test_could_not_check_says_why_in_one_line(class_run):
    result = class_run[0]
    assert "zip bomb" in _line(result.output, "eve.xlsx")
    assert "not an xlsx workbook" in _line(result.output, "frank.xlsx")
    assert "Traceback" not in result.output and "lock" not in result.output and "notes.txt" not in result.output


def test_ods_in_the_class_is_converted_and_passes(class_run):
    need_soffice()
    assert _line(class_run[0].output, "gina.ods").endswith("  pass  (score 10/10)")


def test_summary_counts_outcomes_and_mistakes(class_run):
    result = class_run[0]
    assert result.exit_code == 1, result.output
    passed = 3 if libreoffice.find_soffice() else 2
    assert f"workbooks: {passed} passed, 2 FAILED, 2 could not be checked" in result.output
    summary = result.output.split("could not be checked\n", 1)[1]
    assert summary.splitlines()[0] == "mistakes (number of workbooks carrying each):"
    counts = {line.split(None, 1)[1]: int(line.split()[0]) for line in summary.splitlines()[1:]}
    assert counts == {"other-hidden-slope": 1, "(not catalogued)": 1}, summary
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_nothing_is_written_into_the_students_folder(class_run, class_folder):
    assert _hashes(class_folder) == class_run[3]


def test_csv_has_a_row_per_workbook_and_table(class_run):
    _, csv_path, _, _ = class_run
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        by_file.setdefault(Path(row["file"]).name, []).append(row)
    assert [r["sheet"] for r in by_file["alice.xlsx"]] == ["LR 0.1", "LR 0.2", "LR 0.5", "LR 0.8", "LR 1.0", "LR 2.0"]
    assert all(r["status"] == "pass" and r["cells_checked"] == "2929" for r in by_file["alice.xlsx"])
    wrong = next(r for r in by_file["carla.xlsx"] if r["status"] == "fail")
    assert (wrong["sheet"], wrong["eta"], wrong["cells"], wrong["columns"]) == ("LR 0.5", "0.5", "'LR 0.5'!Y5", "∂E_total/∂w3")
    assert wrong["mistake_keys"] == "other-hidden-slope" and "a_h1" in wrong["mistakes"]
    [bomb] = by_file["eve.xlsx"]
    assert bomb["status"] == "could not check" and "zip bomb" in bomb["reason"] and bomb["sheet"] == ""


def test_class_workbook_links_each_file_and_charts_the_mistakes(class_run):
    _, _, report_path, _ = class_run
    book = openpyxl.load_workbook(report_path)
    assert book.sheetnames == ["Workbooks", "Mistakes"]
    sheet = book["Workbooks"]
    assert [c.value for c in sheet[1]][:4] == ["File", "Status", "Sheet", "Cell"]
    rows = {Path(r[0].value).name: r for r in sheet.iter_rows(min_row=2) if r[0].hyperlink}
    assert [c.value for c in rows["carla.xlsx"][1:4]] == ["FAIL", "LR 0.5", "Y5"]
    assert rows["carla.xlsx"][4].alignment.wrap_text  # the mistake wraps in its column, not cut off by the next
    assert rows["alice.xlsx"][1].value == "pass" and rows["eve.xlsx"][1].value == "could not check"
    for name, row in rows.items():  # each link leads to the student's file, relative to the report
        target = report_path.parent / row[0].hyperlink.target.replace("\\", "/")  # Excel writes \ in links
        assert target.resolve().name == name and target.is_file()
    mistakes = book["Mistakes"]
    assert [(r[0].value, r[1].value) for r in mistakes.iter_rows(min_row=2, max_col=2)] == [
        ("(not catalogued)", 1),
        ("other-hidden-slope", 1),
    ]
    [chart] = mistakes._charts
    assert chart.tagname == "barChart"
    assert not list(report_path.parent.glob("*.tmp"))  # written atomically: no temporary file left


def test_json_holds_every_workbook_and_the_summary(class_folder):
    result = CliRunner().invoke(cli, ["verify", str(class_folder), "--engine", "formulas", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["version"] == 2
    assert set(report) == {"version", "engine", "rtol", "atol", "timeout", "max_memory", "summary", "workbooks"}
    assert (report["timeout"], report["max_memory"]) == (60, batch.DEFAULT_MAX_MEMORY)
    assert report["summary"]["failed"] == 2 and report["summary"]["could_not_check"] == 2
    statuses = {Path(w["file"]).name: w["status"] for w in report["workbooks"]}
    assert statuses["carla.xlsx"] == "fail" and statuses["eve.xlsx"] == "could not check"
    carla = next(w for w in report["workbooks"] if w["file"].endswith("carla.xlsx"))
    assert carla["mistakes"] == ["other-hidden-slope"] and carla["report"]["version"] == 2
    assert carla["report"]["tables"][2]["findings"][0]["cell"] == "'LR 0.5'!Y5"


@pytest.mark.parametrize(
    "names, exit_code",
    [
        (["alice.xlsx", "group-b/bruno.xlsx"], 0),
        (["alice.xlsx", "carla.xlsx", "eve.xlsx"], 1),
        (["alice.xlsx", "group-b/frank.xlsx"], 2),
    ],
)
def test_exit_codes(class_folder, names, exit_code):
    result = CliRunner().invoke(cli, ["verify", *(str(class_folder / n) for n in names), "--engine", "formulas"])
    assert result.exit_code == exit_code, result.output
    assert len(result.output.splitlines()) >= len(names) + 1


@pytest.fixture(scope="module")
def big_workbook(tmp_path_factory) -> Path:
    """6 x 2,000 iterations (348,174 formula cells): checking it takes seconds and hundreds of MB."""
    return write_workbook(load_network().with_options(iterations=2000), tmp_path_factory.mktemp("big") / "big.xlsx")


def test_time_limit_gives_could_not_check_and_the_next_file_is_checked(big_workbook, class_folder):
    notes = class_folder / "group-b" / "frank.xlsx"
    result = CliRunner().invoke(cli, ["verify", str(big_workbook), str(notes), "--engine", "formulas", "--timeout", "0.5"])
    assert result.exit_code == 2, result.output
    assert _line(result.output, "big.xlsx").endswith("could not check: time limit of 0.5 s exceeded")
    assert "not an xlsx workbook" in _line(result.output, "frank.xlsx")  # checked by a fresh worker


def test_one_workbook_is_checked_under_the_budget_too(big_workbook):
    result = CliRunner().invoke(cli, ["verify", str(big_workbook), "--engine", "formulas", "--timeout", "0.5"])
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr == f"Error: {big_workbook}: time limit of 0.5 s exceeded\n"


def test_memory_ceiling_gives_could_not_check_and_the_next_file_is_checked(big_workbook, class_folder):
    good = class_folder / "alice.xlsx"
    # The big workbook's check needs 400-500 MB of address space, alice's under 200 MB.
    args = ["verify", str(big_workbook), str(good), "--engine", "formulas", "--jobs", "1", "--max-memory", "300MB"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert _line(result.output, "big.xlsx").endswith("could not check: memory ceiling of 300 MB exceeded")
    assert _line(result.output, "alice.xlsx").endswith("  pass  (score 10/10)")


def test_bad_budget_values_are_usage_errors(class_folder):
    for option, value in (("--max-memory", "lots"), ("--timeout", "0"), ("--jobs", "0")):
        result = CliRunner().invoke(cli, ["verify", str(class_folder), option, value])
        assert result.exit_code == 2 and result.stderr.startswith("Error: ") and option in result.stderr


def test_outputs_in_a_missing_folder_are_refused_before_any_check(class_folder, tmp_path):
    for option in ("--csv", "--report"):
        target = tmp_path / "no-such-folder" / ("grades.csv" if option == "--csv" else "class.xlsx")
        result = CliRunner().invoke(cli, ["verify", str(class_folder), "--engine", "formulas", option, str(target)])
        assert result.exit_code == 2 and "does not exist" in result.stderr and result.stdout == ""
        assert not target.parent.exists()


@pytest.mark.slow
def test_libreoffice_starts_once_per_worker_for_the_class(class_folder, logging_soffice):
    log = logging_soffice
    names = ["alice.xlsx", "carla.xlsx", "group-b/bruno.xlsx", "group-b/dan.xlsx"]
    paths = [class_folder / n for n in names]
    run = batch.check_many(paths, engine="libreoffice", rtol=1e-9, atol=1e-12, jobs=2)
    assert [o.status for o in run.report.outcomes] == ["pass", "fail", "pass", "fail"]
    assert run.report.outcomes[1].first_finding.check == "libreoffice"  # only a recalculation sees that mistake
    starts = log.read_text("utf-8").splitlines()
    assert len(starts) == run.libreoffice_starts == 2  # one per worker, each converting two workbooks
    assert all(line.count(".xlsx") == 2 for line in starts)


def test_an_ods_in_the_class_costs_no_start_of_its_own(class_folder, logging_soffice):
    """The class's one LibreOffice run converts the .ods to xlsx with the others, recalculating it: that conversion
    is what is read and the libreoffice check (no second conversion of its own)."""
    paths = [class_folder / "alice.xlsx", class_folder / "gina.ods"]
    run = batch.check_many(paths, engine="libreoffice", rtol=1e-9, atol=1e-12, jobs=1)
    assert [o.status for o in run.report.outcomes] == ["pass", "pass"], run.report.to_text()
    gina = run.report.outcomes[1].report
    assert "converted from .ods to xlsx by LibreOffice (which recalculated it)" in gina.notes
    assert all("libreoffice" in table.checks for table in gina.tables)
    assert len(logging_soffice.read_text("utf-8").splitlines()) == run.libreoffice_starts == 1


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("how", ["script", "stdin"])
def test_a_script_without_a_main_guard_is_not_run_again_in_the_workers(how, class_folder, tmp_path):
    """Worker processes never re-run the caller's script (multiprocessing's spawn and fork server would)."""
    import subprocess
    import sys

    script = (
        "from pathlib import Path\n"
        "from verify import batch\n"
        "print('script ran')\n"
        f"found = batch.check_many([Path({str(class_folder / 'alice.xlsx')!r})], engine='formulas', rtol=1e-9, atol=1e-12, jobs=2)\n"
        "print(found.report.outcomes[0].report.passed)\n"
    )
    (tmp_path / "check.py").write_text(script, "utf-8")
    command = [sys.executable, str(tmp_path / "check.py")] if how == "script" else [sys.executable, "-"]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(command, input=None if how == "script" else script, capture_output=True, text=True,
                          cwd=root, timeout=120, env={**__import__("os").environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["script ran", "True"], done.stdout + done.stderr
    assert "Traceback" not in done.stderr
