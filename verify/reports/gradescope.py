"""Gradescope's autograder results (results.json) for one submission (`verify --gradescope PATH`).

    {
      "score": 8.0,
      "output": "ada.xlsx  FAIL  'LR 0.5'!Y5: ... (score 8/10)",
      "visibility": "visible", "stdout_visibility": "visible",
      "tests": [
        {"name": "forward pass", "score": 2.0, "max_score": 2.0, "status": "passed", "output": "no mistake",
         "visibility": "visible"},
        {"name": "hidden-layer gradients", "score": 0.0, "max_score": 2.0, "status": "failed",
         "output": "'LR 0.5'!Y5: ∂E_total/∂w3 ...", "visibility": "visible"}
      ]
    }

One test per rubric part. A submission is one workbook: with several, the first that could be checked is
graded and the output names the others; with none that could be checked, every part scores 0 and its output
says why (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
"""

from __future__ import annotations

from verify.reports.classreport import ClassReport


def results(report: ClassReport | None, parts: tuple[tuple[str, float], ...], problem: str | None = None) -> dict:
    """results.json of a checked submission. `parts`: the rubric's (title, points), for a submission that could
    not be checked; `problem`: why nothing was checked at all (no workbook found), with `report` None."""
    outcomes = report.outcomes if report else ()
    graded = next((o for o in outcomes if o.score is not None), None)
    lines = [o.line() for o in outcomes] or [problem or "no workbook found"]
    if graded is None:
        reason = "; ".join(f"{o.file}: {o.reason}" for o in outcomes) or problem or "no workbook found"
        tests = [_test(title, 0.0, points, f"could not be checked: {reason}") for title, points in parts]
        return _results(0.0, lines, tests)
    if len(outcomes) > 1:
        lines.append(f"graded: {graded.file} (a submission is one workbook)")
    tests = [
        _test(p.title, p.score, p.max_score, "\n".join(p.mistakes) if p.mistakes else "no mistake")
        for p in graded.score.parts
    ]
    return _results(graded.score.score, lines, tests)


def _test(name: str, score: float, max_score: float, output: str) -> dict:
    return {
        "name": name,
        "score": score,
        "max_score": max_score,
        "status": "passed" if score >= max_score else "failed",
        "output": output,
        "visibility": "visible",
    }


def _results(score: float, lines: list[str], tests: list[dict]) -> dict:
    return {
        "score": score,
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "visible",
        "tests": tests,
    }
