"""docs/gradescope/run_autograder, run in a folder laid out as Gradescope lays out /autograder, writes a
results.json in Gradescope's format (https://gradescope-autograders.readthedocs.io/en/latest/specs/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import planting

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "docs" / "gradescope"


def _run(tmp_path: Path, submission: dict[str, bytes], rubric: str | None = None) -> tuple[dict, str]:
    """Lay out /autograder under tmp_path, run run_autograder as Gradescope does; (results.json, its output)."""
    root = tmp_path / "autograder"
    for folder in ("submission", "source", "results"):
        (root / folder).mkdir(parents=True)
    for name in ("setup.sh", "run_autograder"):
        shutil.copy(FOLDER / name, root / "source" / name)
    shutil.copy(FOLDER / "run_autograder", root / "run_autograder")
    if rubric is not None:
        (root / "source" / "rubric.toml").write_text(rubric, "utf-8")
    for name, data in submission.items():
        (root / "submission" / name).write_bytes(data)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), PYTHON=sys.executable, PYTHONPATH=str(ROOT),
               BACKPROP_SHEET_ENGINE="formulas")
    done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((root / "results" / "results.json").read_text("utf-8")), done.stdout


def _check_format(results: dict) -> None:
    """Gradescope's results.json: a numeric score, and tests each with a name, score, max_score and output."""
    assert isinstance(results["score"], (int, float)) and isinstance(results["output"], str)
    assert results["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
    if results["tests"]:
        assert results["score"] == sum(t["score"] for t in results["tests"])


@pytest.fixture(scope="session")
def planted(tmp_path_factory) -> bytes:
    """An era-s6 workbook whose ∂E_total/∂w3 is twice its value in iteration 0."""
    folder = tmp_path_factory.mktemp("gradescope")
    clean = planting.small_workbook("era-s6", folder / "clean.xlsx")
    return planting.plant(clean, folder / "ada.xlsx", "LR 0.5", "∂E_total/∂w3").read_bytes()


def test_a_submission_is_graded_part_by_part(tmp_path, planted):
    results, output = _run(tmp_path, {"ada.xlsx": planted})
    _check_format(results)
    assert results["score"] == 8
    tests = {t["name"]: t for t in results["tests"]}
    assert list(tests) == ["forward pass", "output-layer gradients", "hidden-layer gradients", "weight updates",
                           "every iteration filled"]
    assert all(t["max_score"] == 2 for t in tests.values())
    hidden = tests["hidden-layer gradients"]
    assert (hidden["score"], hidden["status"]) == (0, "failed") and "'LR 0.5'!Y5" in hidden["output"]
    assert tests["forward pass"]["output"] == "no mistake"
    assert "ada.xlsx  FAIL" in output


def test_the_teachers_rubric_in_the_source_folder_decides(tmp_path, planted):
    results, _ = _run(tmp_path, {"ada.xlsx": planted}, rubric="[points]\nforward-pass = 5\nhidden-gradients = 5\n")
    _check_format(results)
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        ("forward pass", 5, 5), ("hidden-layer gradients", 0, 5),
    ]


def test_a_submission_without_a_workbook_scores_zero_saying_why(tmp_path):
    results, _ = _run(tmp_path, {"notes.txt": b"I forgot to upload it"})
    _check_format(results)
    assert results["score"] == 0 and "no workbook" in results["output"]
    assert len(results["tests"]) == 5 and all(t["score"] == 0 and "no workbook" in t["output"] for t in results["tests"])


def test_a_workbook_that_cannot_be_checked_scores_zero_saying_why(tmp_path):
    results, _ = _run(tmp_path, {"ada.xlsx": b"not a workbook at all"})
    _check_format(results)
    assert results["score"] == 0 and all("could not be checked: " in t["output"] for t in results["tests"])


def test_a_bad_rubric_still_gives_gradescope_a_result(tmp_path, planted):
    results, _ = _run(tmp_path, {"ada.xlsx": planted}, rubric="[points]\nforwards = 2\n")
    _check_format(results)
    assert results["score"] == 0 and "unknown part 'forwards'" in results["output"]


def test_the_autograder_scripts_are_valid_bash():
    for name in ("setup.sh", "run_autograder"):
        assert os.access(FOLDER / name, os.X_OK), f"{name} must be executable"
        done = subprocess.run(["bash", "-n", str(FOLDER / name)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_a_failed_write_keeps_the_last_results_json(tmp_path, planted):
    """results.json is written whole or not at all: when the write fails half-way (here past a file-size limit
    of 1,000 bytes, as on a full disk) the one already there stays as it was, one line says why, and no temporary
    file is left. Written straight into it, it was cut to its first 1,000 bytes."""
    import resource
    import signal

    def limited():  # in the child: a write past 1,000 bytes fails (EFBIG) instead of raising SIGXFSZ
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    (tmp_path / "ada.xlsx").write_bytes(planted)
    (tmp_path / "results").mkdir()
    results = tmp_path / "results" / "results.json"
    results.write_text('{"score": 7}', "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from backprop_sheet.cli import main; main()", "verify", "ada.xlsx", "--engine",
         "formulas", "--gradescope", str(results), "--force"],
        cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120,
        preexec_fn=limited,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == f"Error: cannot write {results}: File too large\n"
    assert results.read_text("utf-8") == '{"score": 7}'
    assert [p.name for p in results.parent.iterdir()] == ["results.json"]
