"""The `backprop-sheet` command: a thin click layer over the library.

Only this layer turns a BackpropSheetError (or a bad flag) into a one-line message and an
exit code; the library itself only raises.
"""

from __future__ import annotations

import sys

import click

from excelgen.errors import BackpropSheetError


class _Cli(click.Group):
    """A click group that prints every error as one line: `Error: ...`, with no traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("Error: interrupted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except BackpropSheetError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="backprop-sheet")
def cli() -> None:
    """Generate and verify workbooks that work backpropagation out by hand; train a tiny MNIST CNN."""


def main() -> None:
    """Entry point of the console script."""
    cli()


def _register_commands() -> None:
    from cnn.cli import train
    from excelgen.generate_cli import generate
    from verify.cli import verify

    for command in (generate, verify, train):
        if command.name not in cli.commands:
            cli.add_command(command)


_register_commands()
