"""The grade: a rubric's points per part of the work, each planted mistake charged to the part it breaks and
not to the parts it merely propagates into; the score in every output; a bad rubric refused in one line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import planting
import verify
from backprop_sheet.cli import cli

CUSTOM = """
# the forward pass counts most; weight updates and filling every iteration are not graded
[points]
forward-pass = 4
output-gradients = 3
hidden-gradients = 3
"""

doubled = None  # planting.plant's default: the formula made twice its value
adds = lambda f, r: f.replace("-", "+", 1)  # noqa: E731 - w − η·g written w + η·g

# case -> (template, [(header, rows, wrong)], exercise, score under the default rubric, under CUSTOM)
# Default rubric: 2 points each for forward pass, output-layer gradients, hidden-layer gradients, weight updates,
# every iteration filled. A mistake costs its own part only, however far it propagates.
CASES = {
    "no mistake": ("era-s6", [], None, 10, 10),
    "a_h1 doubled (forward pass)": ("era-s6", [("a_h1", None, doubled)], None, 8, 6),
    "E1 doubled (forward pass)": ("era-s6", [("E1", None, doubled)], None, 8, 6),
    "∂E/∂w6 doubled (output layer)": ("era-s6", [("∂E_total/∂w6", None, doubled)], None, 8, 7),
    "∂E/∂w3 doubled (hidden layer)": ("era-s6", [("∂E_total/∂w3", None, doubled)], None, 8, 7),
    "∂E/∂a_h1 doubled (hidden layer)": ("era-s6", [("∂E_total/∂a_h1", None, doubled)], None, 8, 7),
    "w2 update adds (weight updates)": ("era-s6", [("w2", range(6, 14), adds)], None, 8, 10),
    "a_h1 and ∂E/∂w3 (two parts)": ("era-s6", [("a_h1", None, doubled), ("∂E_total/∂w3", None, doubled)], None, 6, 3),
    "mazur: ∂E/∂w7 doubled (output layer)": ("mazur", [("∂E_total/∂w7", None, doubled)], None, 8, 7),
    # an exercise left as handed out: its first empty cell is iteration 0's ∂E_total/∂a_h1 (the first gradient in
    # dependency order), charged to `filled`, or to the hidden layer's gradients by a rubric without `filled`
    "exercise not done": ("era-s6", [], "gradients", 8, 7),
    "xor: δ of the output layer doubled": ("xor", [("δ_2_1[e1]", None, doubled)], None, 8, 7),
    "xor: δ of the hidden layer doubled": ("xor", [("δ_1_1[e2]", None, doubled)], None, 8, 7),
}


def _build(folder: Path, scratch: Path) -> dict[str, Path]:
    made = {}
    for k, (case, (template, plants, exercise, _, _)) in enumerate(CASES.items()):
        rate = 1.0 if template == "xor" else 0.5
        path = planting.small_workbook(template, scratch / f"w{k}-0.xlsx", rate=rate, exercise=exercise)
        sheet = f"LR {rate}" if template == "xor" else f"LR {rate:g}"
        for n, (header, rows, wrong) in enumerate(plants, start=1):
            extra = {"wrong": wrong} if wrong else {}
            path = planting.plant(path, scratch / f"w{k}-{n}.xlsx", sheet, header, rows, **extra)
        made[case] = Path(path).replace(folder / f"student{k:02d}.xlsx")
    return made


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """(case -> workbook, the class graded under the default rubric, the class graded under CUSTOM)."""
    folder = tmp_path_factory.mktemp("graded-class")
    made = _build(folder, tmp_path_factory.mktemp("graded-scratch"))
    rubric = tmp_path_factory.mktemp("rubric") / "custom.toml"
    rubric.write_text(CUSTOM, "utf-8")
    return made, verify.check(folder, engine="formulas"), verify.check(folder, engine="formulas", rubric=rubric)


@pytest.mark.parametrize("case", CASES)
def test_each_mistake_costs_the_part_it_breaks(graded, case):
    made, default, custom = graded
    *_, under_default, under_custom = CASES[case]
    for report, want, total in ((default, under_default, 10), (custom, under_custom, 10)):
        outcome = next(o for o in report.outcomes if Path(o.file) == made[case])
        assert outcome.status == ("pass" if case == "no mistake" else "fail"), outcome.line()
        assert (outcome.score.score, outcome.score.max_score) == (want, total), outcome.score.line()
        lost = [p for p in outcome.score.parts if p.score < p.max_score]
        assert all(p.mistakes for p in lost) and all(not p.mistakes for p in outcome.score.parts if p not in lost)


def test_the_custom_rubric_grades_only_its_parts(graded):
    _, _, custom = graded
    parts = [(p.part, p.max_score) for p in custom.outcomes[0].score.parts]
    assert parts == [("forward-pass", 4), ("output-gradients", 3), ("hidden-gradients", 3)]


def test_the_score_shows_in_every_output(graded, tmp_path):
    made, _, _ = graded
    folder = tmp_path / "two"
    folder.mkdir()
    for case, name in (("no mistake", "ada-0001.xlsx"), ("∂E/∂w3 doubled (hidden layer)", "ben-0002.xlsx")):
        (folder / name).write_bytes(made[case].read_bytes())
    args = ["verify", str(folder), "--engine", "formulas", "--student-id", r"-(\d+)\."]
    result = CliRunner().invoke(cli, [*args, "--csv", str(tmp_path / "grades.csv"), "--report", str(tmp_path / "class.xlsx")])
    assert result.exit_code == 1, result.output
    assert "ada-0001.xlsx  pass  (score 10/10)" in result.output
    assert "ben-0002.xlsx  FAIL  " in result.output and result.output.splitlines()[1].endswith("(score 8/10)")
    with (tmp_path / "grades.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"0001", "0002"}
    assert (float(rows["0002"]["score"]), float(rows["0002"]["max_score"])) == (8, 10)
    assert "hidden-gradients 0/2" in rows["0002"]["points"] and "forward-pass 2/2" in rows["0002"]["points"]
    sheet = openpyxl.load_workbook(tmp_path / "class.xlsx")["Workbooks"]
    header = [c.value for c in sheet[1]]
    scores = {sheet.cell(r, header.index("Student") + 1).value: sheet.cell(r, header.index("Score") + 1).value
              for r in (2, 3)}
    assert scores == {"0001": 10, "0002": 8}
    as_json = json.loads(CliRunner().invoke(cli, [*args, "--json"]).output)
    ben = next(w for w in as_json["workbooks"] if w["student"] == "0002")
    assert ben["score"]["score"] == 8 and ben["report"]["score"]["max_score"] == 10
    single = CliRunner().invoke(cli, ["verify", str(folder / "ben-0002.xlsx"), "--engine", "formulas"])
    assert "  score 8/10 (forward pass 2/2, output-layer gradients 2/2, hidden-layer gradients 0/2" in single.output


BAD_RUBRICS = {
    "unknown part": ("[points]\nforwards = 2\n", "unknown part 'forwards': did you mean 'forward-pass'?"),
    "negative points": ("[points]\nfilled = -1\n", "points of 'filled' must be a number ≥ 0, got -1"),
    "points not a number": ('[points]\nfilled = "two"\n', "points of 'filled' must be a number ≥ 0, got 'two'"),
    "not TOML": ("[points\n", "not valid TOML"),
    "no points": ("title = 'mine'\n", "unknown key 'title'"),
    "worth nothing": ("[points]\nfilled = 0\n", "the rubric is worth no points"),
}


@pytest.mark.parametrize("case", BAD_RUBRICS)
def test_a_bad_rubric_is_refused_in_one_line(graded, case, tmp_path):
    made, _, _ = graded
    text, message = BAD_RUBRICS[case]
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(text, "utf-8")
    result = CliRunner().invoke(cli, ["verify", str(made["no mistake"]), "--engine", "none", "--rubric", str(rubric)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {rubric}: ") and result.output.count("\n") == 1
    assert message in result.output


def test_a_missing_rubric_file_is_refused_in_one_line(graded, tmp_path):
    made, _, _ = graded
    result = CliRunner().invoke(cli, ["verify", str(made["no mistake"]), "--rubric", str(tmp_path / "nope.toml")])
    assert (result.exit_code, result.output) == (2, f"Error: rubric file {tmp_path / 'nope.toml'} not found\n")


def test_a_bad_student_id_expression_is_refused_in_one_line(graded):
    made, _, _ = graded
    result = CliRunner().invoke(cli, ["verify", str(made["no mistake"]), "--engine", "none", "--student-id", "(unclosed"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith("Error: --student-id '(unclosed' is not a regular expression: ")


def test_jupyter_shows_the_scores(graded):
    made, default, _ = graded
    html = default._repr_html_()
    assert ">Score<" in html and html.count(">10/10<") == 1 and html.count(">8/10<") >= 6
    one = verify.check(made["∂E/∂w3 doubled (hidden layer)"], engine="formulas")._repr_html_()
    assert "<b>Score 8/10</b>: forward pass 2/2, output-layer gradients 2/2, hidden-layer gradients 0/2" in one
