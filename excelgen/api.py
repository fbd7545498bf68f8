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
from excelgen.spec import DEFAULT_TEMPLATE, NetworkSpec, load_template, parse_template

Template = str | Path | Mapping | NetworkSpec


def network_spec(
    template: Template = DEFAULT_TEMPLATE,
    *,
    iterations: int | None = None,
    learning_rates: Iterable[float] | None = None,
) -> NetworkSpec:
    """The validated network of `template`, with `iterations` and `learning_rates` replacing its own.

    `template` is a built-in name ("era-s6", "mazur"), the path of a TOML file, a dict with the
    TOML file's keys, or a NetworkSpec. Raises TemplateError naming every bad key.

    >>> network_spec("mazur", iterations=10).iterations
    10
    """
    if isinstance(template, NetworkSpec):
        spec = template
    elif isinstance(template, Mapping):
        spec = parse_template(dict(template), "template")
    elif isinstance(template, (str, Path)):
        spec = load_template(template)
    else:
        raise TemplateError(f"a template is a name, a .toml path, a dict or a NetworkSpec, not {type(template).__name__}")
    rates = tuple(learning_rates) if learning_rates is not None else None
    return spec.with_options(iterations=iterations, learning_rates=rates)


def generate(
    template: Template = DEFAULT_TEMPLATE,
    output: str | Path = "backprop.xlsx",
    *,
    iterations: int | None = None,
    learning_rates: Iterable[float] | None = None,
    exercise: str | None = None,
    cnn_run: str | Path | None = None,
    plots: str | Path | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the workbook of `template` to `output` (an .xlsx path) and return its path.

    template: a built-in name, a .toml path, a dict with a template's keys, or a NetworkSpec
        (see network_spec); `iterations` and `learning_rates` replace the template's own.
    exercise: None (every cell computed), "gradients" (every ∂E column and update left empty for a
        student) or "forward" (the forward pass after iteration 0 too); see README, "The exercise version".
    cnn_run: a `backprop-sheet train` run folder (or a cnn.Run's folder) whose CNN sheets are added.
    plots: a folder for PNGs of E_total per learning rate and one with every curve.
    force: overwrite an existing workbook (never one a spreadsheet app holds open).
    progress: called with the number of iterations just written, for a progress bar.

    Raises TemplateError (a bad template or option), OutputExistsError (the file exists and not
    `force`), OutputInUseError (a spreadsheet app holds it open), WorkbookError (cannot write it),
    RunFolderError (a bad `cnn_run`).

    >>> path = generate(output="backprop.xlsx", learning_rates=[0.1, 1.0], force=True)
    >>> path.name
    'backprop.xlsx'
    >>> generate({"iterations": 5}, "mine.xlsx")
    Traceback (most recent call last):
    ...
    excelgen.errors.TemplateError: template: missing section [inputs] (keys i1, i2); ...
    """
    from excelgen.workbook import write_workbook  # XlsxWriter and matplotlib load only when needed

    spec = network_spec(template, iterations=iterations, learning_rates=learning_rates)
    return write_workbook(
        spec, output, force=force, cnn_run=cnn_run, plots_dir=plots, progress=progress, exercise=exercise
    )
