"""The `backprop-sheet` command: a thin click layer over the library.

Only this layer turns a BackpropSheetError (or a bad flag) into a one-line message and an
exit code; the library itself only raises. Ctrl-C, SIGTERM and SIGHUP all stop a command the
same way (backprop_sheet/signals.py): the command unwinds, so every `finally` cleans up (no temporary
file or folder is left), then one line `Error: ...` and exit code 128 + the signal's number (130, 143, 129).
A command that has finished (its output moved into place) exits 0 even if a signal came after that.
"""

from __future__ import annotations

import signal
import sys

import click

from backprop_sheet.generate_command import generate
from backprop_sheet.train_command import train
from backprop_sheet.verify_command import verify
from backprop_sheet.signals import ignore_stop_signals_at_exit, record_stop_signals, stop_signals
from network.errors import BackpropSheetError
from network.stopping import Stopped, clear_stop


class _Cli(click.Group):
    """A click group that prints every error as one line: `Error: ...`, with no traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        clear_stop()
        try:
            with stop_signals():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("Error: interrupted", err=True)
            sys.exit(128 + signal.SIGINT)
        except Stopped as exc:
            stopped = "interrupted" if exc.signum == signal.SIGINT else f"stopped by {signal.Signals(exc.signum).name}"
            click.echo(f"Error: {stopped}", err=True)
            sys.exit(128 + exc.signum)
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
    record_stop_signals()
    try:
        cli()
    finally:
        ignore_stop_signals_at_exit()


for _command in (generate, verify, train):
    cli.add_command(_command)
