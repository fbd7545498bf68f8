"""excelgen.generate(): write a backpropagation workbook from Python (the `generate` command calls it).

    >>> import excelgen
    >>> excelgen.generate("mazur", "mazur.xlsx", iterations=200, learning_rates=[0.5, 2])
    PosixPath('mazur.xlsx')

Errors are BackpropSheetError subclasses (excelgen.errors), never SystemExit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from excelgen.errors import TemplateError
from network import Network, load_network, parse_network
from network.description import DEFAULT_TEMPLATE

Template = str | Path | Mapping | Network


def template_network(
    template: Template = DEFAULT_TEMPLATE,
    *,
    iterations: int | None = None,
    learning_rates: Iterable[float] | None = None,
) -> Network:
    """The validated network of `template`, with `iterations` and `learning_rates` replacing its own.

    `template` is a built-in name ("era-s6", "mazur", "xor", "softmax"), the path of a TOML file, a dict with the
    TOML file's keys, or a network.Network; network/description.py decides whether it is classic or general.
    Raises TemplateError naming every bad key.

    >>> template_network("mazur", iterations=10).iterations
    10
    """
    if isinstance(template, Network):
        net = template
    elif isinstance(template, Mapping):
        net = parse_network(dict(template), "template")
    elif isinstance(template, (str, Path)):
        net = load_network(template)
    else:
        raise TemplateError(f"a template is a name, a .toml path, a dict or a Network, not {type(template).__name__}")
    rates = tuple(learning_rates) if learning_rates is not None else None
    return net.with_options(iterations=iterations, learning_rates=rates)


def generate(
    template: Template = DEFAULT_TEMPLATE,
    output: str | Path = "backprop.xlsx",
    *,
    iterations: int | None = None,
    learning_rates: Iterable[float] | None = None,
    exercise: str | None = None,
    extra_sheets: Callable[[object], None] | None = None,
    plots: str | Path | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the workbook of `template` to `output` (an .xlsx path) and return its path.

    template: a built-in name, a .toml path, a dict with a template's keys, or a network.Network
        (see template_network); `iterations` and `learning_rates` replace the template's own.
    exercise: None (every cell computed), "gradients" (every ∂E column and update left empty for a
        student) or "forward" (the forward pass after iteration 0 too); see README, "The exercise version".
    extra_sheets: called with the open XlsxWriter workbook after the backpropagation sheets, to add more
        (backprop_sheet.generate passes the CNN sheets of a run folder this way).
    plots: a folder for PNGs of E_total per learning rate and one with every curve.
    force: overwrite an existing workbook (never one a spreadsheet app holds open).
    progress: called with the number of iterations just written, for a progress bar.

    Raises TemplateError (a bad template or option), OutputExistsError (the file exists and not
    `force`), OutputInUseError (a spreadsheet app holds it open), WorkbookError (cannot write it).

    >>> path = generate(output="backprop.xlsx", learning_rates=[0.1, 1.0], force=True)
    >>> path.name
    'backprop.xlsx'
    >>> generate({"iterations": 5}, "mine.xlsx")
    Traceback (most recent call last):
    ...
    excelgen.errors.TemplateError: template: missing section [inputs] (keys i1, i2); ...
    """
    from excelgen.workbook import write_workbook  # XlsxWriter and matplotlib load only when needed

    net = template_network(template, iterations=iterations, learning_rates=learning_rates)
    return write_workbook(
        net, output, force=force, extra_sheets=extra_sheets, plots_dir=plots, progress=progress, exercise=exercise
    )
