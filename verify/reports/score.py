"""A workbook's grade: the points each part of the work earned under a rubric (verify/grading/ computes it).

JSON shape (the `score` of a report, verify/reports/report.py):

    {
      "rubric": "default" | "my-rubric.toml",
      "score": 6.0, "max_score": 10.0,
      "parts": [
        {"part": "forward-pass", "title": "forward pass", "score": 2.0, "max_score": 2.0, "mistakes": []},
        {"part": "hidden-gradients", "title": "hidden-layer gradients", "score": 0.0, "max_score": 2.0,
         "mistakes": ["'LR 0.5'!Y5: ∂E_total/∂w3 uses a_h1·(1−a_h1) instead of a_h2·(1−a_h2)"]}
      ]
    }
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PartScore:
    """One part of the rubric: its points, what it earned, and the mistakes charged to it (one line each)."""

    part: str  # the rubric's key, e.g. "hidden-gradients"
    title: str  # "hidden-layer gradients"
    max_score: float
    score: float
    mistakes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "part": self.part,
            "title": self.title,
            "score": self.score,
            "max_score": self.max_score,
            "mistakes": list(self.mistakes),
        }


@dataclass(frozen=True)
class Score:
    """The points of every part of a rubric for one workbook."""

    rubric: str  # "default", or the rubric file's path
    parts: tuple[PartScore, ...]

    @property
    def score(self) -> float:
        return sum(p.score for p in self.parts)

    @property
    def max_score(self) -> float:
        return sum(p.max_score for p in self.parts)

    def show(self) -> str:
        """ "6/10" """
        return f"{points(self.score)}/{points(self.max_score)}"

    def breakdown(self) -> str:
        """ "forward pass 2/2, output-layer gradients 2/2, hidden-layer gradients 0/2, ..." """
        return ", ".join(f"{p.title} {points(p.score)}/{points(p.max_score)}" for p in self.parts)

    def line(self) -> str:
        return f"score {self.show()} ({self.breakdown()})"

    def to_dict(self) -> dict:
        return {
            "rubric": self.rubric,
            "score": self.score,
            "max_score": self.max_score,
            "parts": [p.to_dict() for p in self.parts],
        }


def points(x: float) -> str:
    """2.0 -> "2", 1.5 -> "1.5" """
    return f"{x:g}"
