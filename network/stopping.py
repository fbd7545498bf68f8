"""A stop asked for by a signal, honoured only where stopping is safe.

Raising from a signal handler is not safe: the handler runs between any two bytecodes, inside a library's
`__del__` too, where the exception is printed as "Exception ignored" and the work goes on. So the CLI's handler
only calls request_stop(signum); long-running library code calls stop_point() where unwinding is safe (between
rows, before moving a finished file into place), and the one step that must not be cut in two (the final
rename) runs inside final_step(), which holds the stop signals back while it checks and commits.

Nobody outside the CLI requests a stop, so from Python (a notebook) stop_point() never raises.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

# the signals that ask for a stop: Ctrl-C, kill, a closed terminal
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

_requested: int | None = None


class Stopped(BaseException):
    """A requested stop, raised at a safe point; like KeyboardInterrupt it passes `except Exception`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def request_stop(signum: int) -> None:
    """Record a stop (the first signal counts); safe to call from a signal handler."""
    global _requested
    if _requested is None:
        _requested = signum


def stop_requested() -> int | None:
    """The signal of the stop asked for, or None."""
    return _requested


def clear_stop() -> None:
    """Forget a recorded stop (the CLI, once a command has ended; tests)."""
    global _requested
    _requested = None


def stop_point() -> None:
    """Raise Stopped if a stop was asked for: call it only where unwinding leaves nothing half done."""
    if _requested is not None:
        raise Stopped(_requested)


@contextlib.contextmanager
def final_step() -> Iterator[None]:
    """The last safe point and the step after it as one: a stop asked for before raises Stopped; one that
    arrives during the step is held back until it is done (and then only recorded)."""
    blockable = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS) if blockable else None
    try:
        stop_point()
        yield
    finally:
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
