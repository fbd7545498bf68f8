"""grade(): the points a checked workbook earns under a rubric.

Every root cause of the report (verify/checking/: the first wrong cell of a column that is wrong even given
its own inputs; said once across the checks it shows in) is charged to the part its column belongs to: a
mistake costs the part it breaks, once, and never the parts it merely propagates into. A part earns all its
points when no root cause is charged to it, none otherwise. An empty computed cell (an unfinished table) is charged to
`filled`, or to its column's part when the rubric has no `filled`.

The part of a column (part_of) follows from its name (network/names.py): the forward pass (inputs, η,
initial weights, weighted sums, activations, errors), the output layer's gradients, the hidden layers'
gradients, the weight updates (weights and trained biases after iteration 0).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from network.layout import GENERAL_DESCRIPTION_NAME, read_general_shape
from network.names import Kind, parse
from verify.grading.rubric import PARTS, Rubric
from verify.reports.report import Finding, Report
from verify.reports.score import PartScore, Score

CLASSIC_OUTPUT_LAYER = 2
_FORWARD = {Kind.INPUT, Kind.TARGET, Kind.Z, Kind.A, Kind.ERROR, Kind.LOSS, Kind.E_TOTAL, Kind.ETA, Kind.ITERATION}
_GRADIENTS = {Kind.DELTA, Kind.GRAD_WEIGHT, Kind.GRAD_BIAS, Kind.DE_DA}


def grade(report: Report, rubric: Rubric, *, output_layer: int | None = None) -> Score:
    """The score of `report` under `rubric`. `output_layer`: the last layer of a layered network (its
    workbook's network_description; output_layer_of()); the classic network's is 2."""
    charged: dict[str, list[str]] = {part: [] for part in rubric.parts}
    for cause in report.root_causes:  # each mistake once, whichever checks it shows in
        part = charged_part(cause.finding, rubric, output_layer)
        if part is not None:
            charged[part].append(sentence(cause.finding))
    parts = tuple(
        PartScore(part, PARTS[part], points, 0.0 if charged[part] else points, tuple(dict.fromkeys(charged[part])))
        for part, points in rubric.points
    )
    return Score(rubric.name, parts)


def charged_part(finding: Finding, rubric: Rubric, output_layer: int | None = None) -> str | None:
    """The rubric's part `finding` is charged to; None when the rubric does not grade that part."""
    column = part_of(finding.quantity, finding.iteration, output_layer)
    candidates = ("filled", column) if finding.kind == "empty" else (column,)
    return next((part for part in candidates if part in rubric.parts), None)


def part_of(quantity: str, iteration: int | None, output_layer: int | None = None) -> str:
    """The part of the work a column belongs to, by its quantity's name (a classic or a layered network's)."""
    q = parse(quantity, classic=True)
    classic = q is not None
    if not classic:
        q = parse(quantity)
    if q is None or q.kind in _FORWARD:
        return "forward-pass"
    if q.kind in _GRADIENTS:
        last = CLASSIC_OUTPUT_LAYER if classic else output_layer or CLASSIC_OUTPUT_LAYER
        return "output-gradients" if q.layer == last else "hidden-gradients"
    # a weight or a bias: iteration 0 holds the initial value the forward pass starts from, every later one an
    # update; the classic network's biases are never trained
    updated = bool(iteration) and not (classic and q.kind is Kind.BIAS)
    return "weight-updates" if updated else "forward-pass"


def sentence(finding: Finding) -> str:
    """One line for a mistake: its cell and the mistake named, else what is wrong there."""
    return f"{finding.cell}: {finding.mistake}" if finding.mistake else finding.message()


def output_layer_of(path: str | Path) -> int | None:
    """The last layer of the layered network whose workbook is at `path` (its defined name network_description),
    None for any other workbook or one that cannot be read so."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        with zipfile.ZipFile(path) as archive:
            root = etree.fromstring(archive.read("xl/workbook.xml"), parser)
    except (OSError, KeyError, zipfile.BadZipFile, etree.LxmlError, ValueError):
        return None
    for element in root.iter("{*}definedName"):
        if element.get("name") == GENERAL_DESCRIPTION_NAME:
            shape = read_general_shape(element.text or "")
            return len(shape.layers) - 1 if shape else None
    return None
