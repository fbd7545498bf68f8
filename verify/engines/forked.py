"""Forked: a function run in a forked child process while the caller goes on; its result comes back pickled.

The formulas engine recalculates a big workbook this way while the saved values are checked, on
a second core where the machine has one (verify/engines/formulas_engine.py, start()). The child
is a fork: it sees the workbook already read, nothing is sent to it. Its result, or the exception
it raised, comes back through a pipe when result() is asked for.

The child is only a way of running the function sooner: whenever it cannot give an answer (a
child that dies, or whose answer does not pickle), result() runs the function here, as if it had
never been forked. Nothing is forked but on Linux (macOS's libraries are not fork-safe) and from
a process with a single thread, as verify/batch.py's workers are: no other thread can hold a lock
the child would need. cancel() kills and reaps a child still running. The child inherits the
process's limits (a worker's memory ceiling applies to it too) and is killed with the worker that
started it (verify/batch.py kills a worker's children).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from typing import Any, Callable


class Forked:
    """`function(*args)` running in a child process from now on (where the platform forks)."""

    def __init__(self, function: Callable[..., Any], *args: Any):
        self.function, self.args = function, args
        self.pid: int | None = None
        self.pipe: int | None = None
        if _can_fork():
            self._fork()

    def result(self) -> Any:
        """What function(*args) returns (or raises): the child's answer, else the function run here."""
        answer = self._collect()
        if answer is None:
            return self.function(*self.args)
        kind, value = answer
        if kind == "raised":
            raise value
        return value

    def cancel(self) -> None:
        """Kill the child if it still runs, and reap it."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _fork(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer through the pipe, then leave without running the caller's code
            try:
                os.close(read)
                _answer(write, self.function, self.args)
            finally:
                os._exit(0)
        os.close(write)
        self.pid, self.pipe = pid, read

    def _collect(self) -> tuple[str, Any] | None:
        """("returned", value) or ("raised", exception) from the child; None when there is no usable answer."""
        if self.pid is None:
            return None
        chunks = []
        try:
            while chunk := os.read(self.pipe, 1 << 20):
                chunks.append(chunk)
        finally:
            self._reap()
        try:
            return pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a child that died half-way: run the function here instead
            return None

    def _reap(self) -> None:
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None


def _can_fork() -> bool:
    """Linux, and a single thread in this process (see the module's docstring)."""
    if not (hasattr(os, "fork") and sys.platform.startswith("linux")):
        return False
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            return any(line.split() == ["Threads:", "1"] for line in status)
    except OSError:
        return False


def _answer(pipe: int, function: Callable[..., Any], args: tuple) -> None:
    """In the child: function(*args)'s value or exception, pickled, written to `pipe` (nothing when it does not pickle)."""
    try:
        answer = ("returned", function(*args))
    except BaseException as exc:  # noqa: BLE001 - the caller re-raises it; KeyboardInterrupt included
        exc.__traceback__ = None
        answer = ("raised", exc)
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - the caller runs the function itself
        return
    view = memoryview(data)
    while view:
        view = view[os.write(pipe, view) :]
