"""How the CLI stops on Ctrl-C, SIGTERM and SIGHUP: one line `Error: ...` and exit 128 + the signal's number.

Every command's handler records the stop (network.stopping.request_stop) and never sets a signal to SIG_IGN.
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
    """For the console script, from its first line on: a stop signal outside a command is only recorded (and no
    longer held back, should an earlier call in this process have held it: see hold_stop_signals())."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _record)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def hold_stop_signals() -> None:
    """For the console script, once its command has ended: a stop signal is held back until the process exits
    (Python's shutdown gives the signals their default action back), so it cannot kill a process whose work is
    done and turn its exit 0 into a death by signal."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


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
