"""The `backprop-sheet` command: a thin click layer over the library.

Only this layer turns a BackpropSheetError (or a bad flag) into a one-line message and an
exit code; the library itself only raises. Ctrl-C, SIGTERM and SIGHUP all stop a command the
same way: an exception unwinds it, so every `finally` cleans up (no temporary file or folder is
left), then one line `Error: ...` and exit code 128 + the signal's number (130, 143, 129).
"""

from __future__ import annotations

import contextlib
import signal
import sys

import click

from backprop_sheet.generate_command import generate
from backprop_sheet.train_command import train
from backprop_sheet.verify_command import verify
from network.errors import BackpropSheetError


class _Cli(click.Group):
    """A click group that prints every error as one line: `Error: ...`, with no traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            with _signals_raise():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            click.echo("Error: interrupted", err=True)
            sys.exit(128 + signal.SIGINT)
        except _Terminated as exc:
            click.echo(f"Error: stopped by {signal.Signals(exc.signum).name}", err=True)
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
    cli()


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised like KeyboardInterrupt so that the command unwinds and cleans up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_CLEAN_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_raise():
    """While active (main thread only), SIGTERM and SIGHUP raise _Terminated; the old handlers come back after."""
    old = {}
    try:
        for signum in _CLEAN_STOP_SIGNALS:
            old[signum] = signal.signal(signum, _raise_terminated)
    except ValueError:  # not the main thread: leave the signals alone
        pass
    try:
        yield
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)


def _raise_terminated(signum: int, frame) -> None:
    for other in _CLEAN_STOP_SIGNALS:  # a second signal must not interrupt the clean-up
        signal.signal(other, signal.SIG_IGN)
    raise _Terminated(signum)


for _command in (generate, verify, train):
    cli.add_command(_command)
