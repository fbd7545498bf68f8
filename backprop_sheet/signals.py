"""How the CLI stops on Ctrl-C, SIGTERM and SIGHUP: one line `Error: ...` and exit 128 + the signal's number.

Every command's handler records the stop (network.stopping.request_stop); no signal is ignored while a command runs.
`generate` and `train` then stop at their next safe point (between rows or batches, before the output is moved
into place), so nothing a user had is replaced half-way and no library's `__del__` swallows the stop.
`verify` waits on worker processes, so for it TERM and HUP also raise at once (Ctrl-C raises KeyboardInterrupt,
as Python does by default); a second signal during its clean-up is only recorded.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

from network.stopping import STOP_SIGNALS, Stopped, request_stop, stop_requested

_at_safe_points_only = False


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """While active (main thread only), INT, TERM and HUP go to the handler below; the old handlers come back after."""
    global _at_safe_points_only
    _at_safe_points_only = False
    old = {}
    try:
        for signum in STOP_SIGNALS:
            old[signum] = signal.signal(signum, _on_stop_signal)
    except ValueError:  # not the main thread: leave the signals alone
        pass
    try:
        yield
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)
        _at_safe_points_only = False


def record_stop_signals() -> None:
    """For the console script, from its first line on: a stop signal outside a command is only recorded."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _record)


def ignore_stop_signals_at_exit() -> None:
    """For the console script, once its command has ended: a stop signal can no longer change anything, and
    Python's shutdown would give the signals their default action back (a process-directed signal may land on any
    thread, a BLAS thread too), so one arriving then would kill a finished process and turn its exit 0 into a death
    by signal. Ignored now, until the process exits (record_stop_signals() undoes it, should main() run again)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def _record(signum: int, frame) -> None:
    request_stop(signum)


def stop_at_safe_points_only() -> None:
    """From now on a stop signal is only recorded: the running command promises to call stop_point() often."""
    global _at_safe_points_only
    _at_safe_points_only = True


def _on_stop_signal(signum: int, frame) -> None:
    first = stop_requested() is None
    request_stop(signum)
    if _at_safe_points_only or not first:
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)
