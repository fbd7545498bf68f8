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
from network import Network, builtin_networks, load_network, parse_network

from excelgen.spec import DEFAULT_TEMPLATE, NetworkSpec, builtin_templates, load_template, parse_template
from network.tomlfile import read_toml

Template = str | Path | Mapping | NetworkSpec | Network


def _is_general(template: str | Path) -> bool:
    """A built-in general network (xor, softmax), a TOML file with a `layers` key, or a name that is no
    template at all: load_network then refuses it, suggesting among every built-in name, classic and general."""
    if str(template) in builtin_networks():
        return str(template) not in builtin_templates()
    path = Path(template)
    if not path.exists():
        return True
    if path.suffix.lower() == ".toml" and path.is_file():
        try:
            data, _ = read_toml(str(path), {}, "template", TemplateError)
        except TemplateError:  # load_template reports the file's problem
            return False
        return "layers" in data
    return False


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
    if isinstance(template, (NetworkSpec, Network)):
        spec = template
    elif isinstance(template, Mapping):
        general = "layers" in template
        spec = parse_network(dict(template), "template") if general else parse_template(dict(template), "template")
    elif isinstance(template, (str, Path)):
        spec = load_network(template) if _is_general(template) else load_template(template)
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
    extra_sheets: Callable[[object], None] | None = None,
    plots: str | Path | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the workbook of `template` to `output` (an .xlsx path) and return its path.

    template: a built-in name, a .toml path, a dict with a template's keys, or a NetworkSpec
        (see network_spec); `iterations` and `learning_rates` replace the template's own.
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

    spec = network_spec(template, iterations=iterations, learning_rates=learning_rates)
    return write_workbook(
        spec, output, force=force, extra_sheets=extra_sheets, plots_dir=plots, progress=progress, exercise=exercise
    )
