"""Check many workbooks at once, each in a worker process under a time and memory budget.

- find_workbooks() expands folders (recursively: *.xlsx, *.xlsm, *.ods, *.xls; Office lock
  files `~$*` and `.~lock.*#` skipped, and so are the workbooks this tool wrote, such as a class
  report: verify/reports/marks.py);
- check_many() checks them with `jobs` worker processes. Each worker sets its own memory
  ceiling (RLIMIT_AS: its address space), and LibreOffice's, so that the two together stay
  within one workbook's budget (_share_memory); the
  parent enforces the time limit of each workbook by killing the worker and everything it
  started (psutil), then starts a fresh one for the rest. A workbook past either limit, or one
  that makes anything at all go wrong, becomes "could not check: <one line>"; the others go on.
- With the LibreOffice engine each worker gets one share of the class and recalculates all of
  it in ONE LibreOffice start (verify.reading.libreoffice.convert_many), then checks each file against
  its recalculated copy. Should that shared conversion fail or run past its time, each file is
  recalculated on its own, so one bad file cannot sink the others.

Workers are forked from a small fork server (multiprocessing "forkserver") that has the checker
already imported, so a fresh worker costs milliseconds, whatever the parent holds in memory.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import multiprocessing
import multiprocessing.forkserver
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Iterable, Iterator

import psutil

from network.errors import BackpropSheetError
from verify.reading import libreoffice
from verify.reports import marks
from verify.reports.classreport import ClassReport, Outcome

SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls")
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_MEMORY = 4 * 1024**3  # LibreOffice alone needs about 1.5 GB of address space to save a 6 x 2,000 workbook
# The shared LibreOffice conversion of a worker's share may take one workbook's time limit plus this per file.
CONVERSION_SECONDS_PER_FILE = 5.0


@dataclass(frozen=True)
class Budget:
    """What one workbook may cost: wall seconds, and bytes of address space in its worker."""

    timeout: float = DEFAULT_TIMEOUT
    max_memory: int = DEFAULT_MAX_MEMORY


@dataclass(frozen=True)
class Batch:
    """A class checked: the report, and how much machinery it took."""

    report: ClassReport
    workers_started: int
    libreoffice_starts: int  # shared conversions plus per-file ones (fallbacks, .ods/.xls conversions)


def find_workbooks(paths: Iterable[str | Path], *, exclude: Iterable[str | Path] = ()) -> list[Path]:
    """The workbooks named by `paths`: a file as given (whatever it is), a folder searched recursively.

    Office lock files, the paths in `exclude` (the class report being written, say) and the workbooks this tool
    wrote (marked: a class report of an earlier run) are skipped; a file found twice is checked once.
    """
    skip = {_real(p) for p in exclude}
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if _is_workbook(p))
        else:
            found.append(path)
    unique = {_real(p): p for p in reversed(found)}  # the first spelling of each file wins
    return [p for p in found if unique.get(_real(p)) is p and _real(p) not in skip and not marks.tool_written(p)]


def _real(path: str | Path) -> Path:
    """The path with every symbolic link followed (a loop of links stays as it is: it names no file)."""
    return Path(os.path.realpath(path))


def not_regular(path: Path) -> str | None:
    """Why `path` cannot be opened as a workbook file without reading it (a FIFO would block, a device never
    end), or None: "not a regular file", "a loop of symbolic links"; a missing file is left to the reader."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return "a loop of symbolic links" if exc.errno == errno.ELOOP else f"cannot be read ({exc.strerror})"
    return None if stat.S_ISREG(mode) else "not a regular file"


def check_many(
    paths: list[Path],
    *,
    engine: str,
    rtol: float,
    atol: float,
    jobs: int = 1,
    budget: Budget = Budget(),
    on_done: Callable[[Outcome], None] | None = None,
) -> Batch:
    """Check every workbook of `paths` (already expanded) with `jobs` workers; outcomes in the given order.

    `engine` must already be resolved (verify.engines.recalculation.resolve). Never raises for a workbook.
    """
    settings = _Settings(engine, rtol, atol, budget)
    outcomes = {k: Outcome(str(p), None, why) for k, p in enumerate(paths) if (why := not_regular(Path(p)))}
    todo = [(k, p) for k, p in enumerate(paths) if k not in outcomes]
    if engine == "libreoffice":
        shares = [todo[k::jobs] for k in range(min(jobs, len(todo)))]
    else:
        shares = [[item] for item in todo]
    for outcome in outcomes.values():
        if on_done:
            on_done(outcome)
    pool = _Pool(settings, jobs=min(jobs, max(len(shares), 1)), on_done=on_done)
    try:
        outcomes |= pool.run(shares)
    except BaseException:  # Ctrl-C, SIGTERM: stop the workers at once, not after their current workbook
        pool.kill()
        raise
    finally:
        pool.close()
    report = ClassReport(
        tuple(outcomes[k] for k in range(len(paths))), engine, rtol, atol, budget.timeout, budget.max_memory
    )
    return Batch(report, pool.workers_started, pool.libreoffice_starts)


def parse_size(text: str) -> int:
    """Bytes of a size like "2GB", "512 MB", "1.5G" or "1000000" (binary units: 1 GB = 1024³ bytes)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"not a size: {text!r} (write e.g. 2GB or 512MB)")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * 1024 ** " kmgt".index(unit or " "))


def show_size(size: int) -> str:
    """2147483648 -> "2 GB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def default_jobs() -> int:
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# ---- private: the settings a worker needs, the pool, the worker itself ----


@dataclass(frozen=True)
class _Settings:
    engine: str
    rtol: float
    atol: float
    budget: Budget
    # the caller's environment and folder, not the fork server's (which started earlier)
    env: dict = field(default_factory=lambda: dict(os.environ))
    cwd: str = field(default_factory=os.getcwd)


def _is_workbook(path: Path) -> bool:
    name = path.name
    if name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#")):
        return False
    return path.suffix.lower() in SUFFIXES and not path.is_dir()  # a FIFO or a link loop: "could not check"


# The fork server listens on a Unix socket at $TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX, and such a path holds
# at most 107 bytes: with a longer $TMPDIR, Python 3.11 cannot start it ("AF_UNIX path too long").
_SOCKET_PATH_ROOM = 107 - len("/pymp-12345678/listener-12345678")


def _context():
    """The fork server, with the checker imported once, where there is one and its socket's path fits; else spawn."""
    too_long = len(os.fsencode(tempfile.gettempdir())) > _SOCKET_PATH_ROOM
    if "forkserver" not in multiprocessing.get_all_start_methods() or too_long:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["verify.batch", "verify.checking.workbook", "verify.engines.formulas_engine"])
    return context


@contextlib.contextmanager
def _caller_script_hidden() -> Iterator[None]:
    """Start a worker without re-running the caller's script in it.

    A fork-server or spawn child rebuilds the parent's __main__ by running its script again:
    a script (or `python -` from a pipe) without an `if __name__ == "__main__":` guard would
    check the class again in every worker, or fail. The workers need nothing from it.
    """
    main = sys.modules["__main__"]
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    if "__spec__" in saved:
        main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)


class _Worker:
    """One worker process, its pipe, its own temporary folder, and what it is doing now."""

    def __init__(self, context, settings: _Settings, root: Path):
        self.tmp = Path(tempfile.mkdtemp(prefix="worker-", dir=root))
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child, settings, str(self.tmp)), daemon=True)
        with _caller_script_hidden():
            self.process.start()
        child.close()
        self.share: list[tuple[int, Path]] = []  # files sent and not yet done
        self.current: int | None = None  # the file being checked
        self.deadline = float("inf")

    def send(self, share: list[tuple[int, Path]], deadline: float) -> None:
        self.share, self.current, self.deadline = list(share), None, deadline
        self.conn.send([(k, str(p)) for k, p in share])

    def kill(self) -> None:
        """Kill the worker and everything it started (LibreOffice runs in a session of its own)."""
        _kill_family(self.process.pid)
        self.process.join(5)
        self.conn.close()
        libreoffice.remove_sockets(self.tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


class _Pool:
    """Workers that take shares of the class; a worker past its time is killed and replaced."""

    def __init__(self, settings: _Settings, *, jobs: int, on_done: Callable[[Outcome], None] | None):
        self.settings, self.jobs, self.on_done = settings, max(jobs, 1), on_done
        self.context = _context()
        self.root = Path(tempfile.mkdtemp(prefix="backprop-sheet-batch-"))
        self.workers: list[_Worker] = []  # alive
        self.queue: list[list[tuple[int, Path]]] = []
        self.workers_started = 0
        self.libreoffice_starts = 0
        self.outcomes: dict[int, Outcome] = {}

    def run(self, shares: list[list[tuple[int, Path]]]) -> dict[int, Outcome]:
        self.queue = list(shares)
        busy: list[_Worker] = []
        while self.queue or busy:
            idle = [w for w in self.workers if w not in busy]
            while self.queue and (idle or len(self.workers) < self.jobs):
                worker = idle.pop() if idle else self._start()
                worker.send(self.queue.pop(0), time.monotonic() + self.settings.budget.timeout)
                busy.append(worker)
            timeout = max(min(w.deadline for w in busy) - time.monotonic(), 0)
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=timeout)
            for worker in list(busy):
                if worker.conn in ready or worker.process.sentinel in ready:
                    self._receive(worker)
                elif time.monotonic() >= worker.deadline:
                    self._died(worker, f"time limit of {self.settings.budget.timeout:g} s exceeded")
                if not worker.share:
                    busy.remove(worker)
        return self.outcomes

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def kill(self) -> None:
        for worker in self.workers:
            worker.kill()
        self.workers = []

    def _start(self) -> _Worker:
        worker = _Worker(self.context, self.settings, self.root)
        self.workers.append(worker)
        self.workers_started += 1
        return worker

    def _receive(self, worker: _Worker) -> None:
        """Handle everything the worker has said; a worker that died ends its current file."""
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message[0] == "start":
                    worker.current = message[1]
                    worker.deadline = time.monotonic() + self.settings.budget.timeout
                elif message[0] == "converting":  # the worker enforces the conversion's limit; this is a backstop
                    worker.deadline = time.monotonic() + _conversion_limit(self.settings, message[1]) + 30
                elif message[0] == "libreoffice":
                    self.libreoffice_starts += message[1]
                elif message[0] == "done":
                    self._record(message[1], message[2])
                    worker.share = [(k, p) for k, p in worker.share if k != message[1]]
                    worker.current = None
        except (EOFError, OSError):
            pass
        if worker.share and not worker.process.is_alive():
            code = worker.process.exitcode
            self._died(worker, f"worker crashed (signal {-code})" if code and code < 0 else f"worker exited ({code})")

    def _record(self, index: int, outcome: Outcome) -> None:
        self.outcomes[index] = outcome
        if self.on_done:
            self.on_done(outcome)

    def _died(self, worker: _Worker, reason: str) -> None:
        """Kill the worker (if need be): its current file gets `reason`, the rest of its share is queued again."""
        worker.kill()
        self.workers.remove(worker)
        rest, worker.share = worker.share, []
        current = worker.current if worker.current is not None or len(rest) != 1 else rest[0][0]
        if current is not None:
            path = next(p for k, p in rest if k == current)
            self._record(current, Outcome(str(path), None, reason))
            rest = [(k, p) for k, p in rest if k != current]
        # one at a time from now on: whatever sank the shared conversion must not sink the rest again
        self.queue[:0] = [[item] for item in rest]


def _conversion_limit(settings: _Settings, files: int) -> float:
    """Seconds the shared LibreOffice conversion of `files` workbooks may take."""
    return settings.budget.timeout + CONVERSION_SECONDS_PER_FILE * files


def _kill_family(pid: int) -> None:
    """Kill process `pid` and everything it started, and wait (5 s at most) until they are gone."""
    try:
        head = psutil.Process(pid)
        family = head.children(recursive=True)
    except psutil.NoSuchProcess:
        head, family = None, []
    for proc in [head, *family] if head else family:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(family, timeout=5)


def _end_with_parent(tmp: str) -> None:
    """Make this worker end, with whatever it started, when its parent (the fork server, which ends with
    `verify`) is gone, even if `verify` was killed with SIGKILL: Linux sends it SIGTERM then (prctl
    PR_SET_PDEATHSIG). Elsewhere a worker finishes its workbook first. Ctrl-C is the parent's to handle:
    a worker ignores it (the parent kills the workers), so it prints no traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()

    def end(signum, frame):
        for child in psutil.Process().children(recursive=True):
            _kill_family(child.pid)
        libreoffice.remove_sockets(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.rmdir(Path(tmp).parent)  # the batch's folder, when no other worker holds anything there
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, end)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    # The fork server ends when every holder of its "alive" pipe has closed it: `verify`, and each worker,
    # which gets a copy it never uses. Closed here, the fork server ends with `verify`, and so its workers.
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    if getattr(server, "_forkserver_alive_fd", None) is not None:
        with contextlib.suppress(OSError):
            os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    if os.getppid() != parent:  # the parent ended before the prctl
        end(signal.SIGTERM, None)


def _work(conn: Connection, settings: _Settings, tmp: str) -> None:
    """The worker: take shares of the class until told to stop; report each file as it goes."""
    _end_with_parent(tmp)
    os.environ.clear()
    os.environ.update(settings.env)
    os.chdir(settings.cwd)
    tempfile.tempdir = tmp  # LibreOffice profiles and conversions land here: removed with the worker
    _count_libreoffice_starts(conn)
    _share_memory(settings)
    while (share := conn.recv()) is not None:
        recalculated: dict[str, Path] = {}
        if settings.engine == "libreoffice" and len(share) > 1:
            sources = [Path(p) for _, p in share if Path(p).is_file()]
            done = _convert_share(conn, settings, sources, Path(tmp, "recalculated"))
            recalculated = {str(p): out for p, out in done.items()}
        for index, path in share:
            conn.send(("start", index))
            outcome = _check_one(Path(path), settings, recalculated.get(path))
            conn.send(("done", index, outcome))
            if path in recalculated:
                recalculated[path].unlink(missing_ok=True)


def _convert_share(conn: Connection, settings: _Settings, sources: list[Path], outdir: Path) -> dict[Path, Path]:
    """Each source -> LibreOffice's recalculation of it, in as few LibreOffice starts as can be.

    LibreOffice converts the files in order; one that crashes it loses the files after it. So the
    first file missing from a run is left to be recalculated on its own (where it crashes alone),
    and the files after it go into one more run: a crashing workbook costs two starts, not one per
    file for the rest of the share. After a run past its time limit, each file is on its own.
    """
    done: dict[Path, Path] = {}
    runs = 0
    while len(sources) > 1:
        conn.send(("converting", len(sources)))
        runs += 1
        try:
            limit = _conversion_limit(settings, len(sources))
            converted = libreoffice.convert_many(sources, outdir / f"run{runs}", timeout=limit)
        except Exception:  # noqa: BLE001 - past its time, or a file that cannot be copied: each file on its own
            break
        done |= converted
        missing = [s for s in sources if s not in converted]
        sources = missing[1:]
    return done


def _check_one(path: Path, settings: _Settings, recalculated: Path | None) -> Outcome:
    """One workbook's outcome; every failure becomes one line."""
    from verify.checking.workbook import check_workbook

    start = time.monotonic()
    report = failure = None
    try:
        report = check_workbook(
            path, engine=settings.engine, rtol=settings.rtol, atol=settings.atol, recalculated=recalculated
        )
    except Exception as exc:  # noqa: BLE001 - a student's file may break anything; it must not stop the class
        failure = _without_tracebacks(exc)  # allocates nothing: memory may be exhausted right now
    gc.collect()  # after a MemoryError: give back what the failed check held, before anything else
    reason = None if failure is None else _reason(failure, settings.budget)
    return Outcome(str(path), report, reason, time.monotonic() - start, _peak_memory())


def _without_tracebacks(exc: BaseException) -> BaseException:
    """`exc` with the tracebacks of it and its causes dropped, so that the frames (and data) they hold go."""
    chain, depth = exc, 0
    while chain is not None and depth < 50:
        chain.__traceback__ = None
        chain, depth = chain.__cause__ or chain.__context__, depth + 1
    return exc


def _count_libreoffice_starts(conn: Connection) -> None:
    """Tell the parent about every LibreOffice start in this worker (verify.reading.libreoffice.start: one each)."""
    real_start = libreoffice.start

    def start(*args, **kwargs):
        conn.send(("libreoffice", 1))
        return real_start(*args, **kwargs)

    def convert_many(sources, *args, **kwargs):
        conn.send(("libreoffice", 1))
        return real_convert_many(sources, *args, **kwargs)

    real_convert_many = libreoffice.convert_many
    libreoffice.start, libreoffice.convert_many = start, convert_many


def _reason(exc: BaseException, budget: Budget) -> str:
    """One line for anything that went wrong (a MemoryError anywhere in the chain: the memory ceiling)."""
    chain, seen = exc, 0
    while chain is not None and seen < 20:
        if isinstance(chain, MemoryError):
            return f"memory ceiling of {show_size(budget.max_memory)} exceeded"
        chain, seen = chain.__cause__ or chain.__context__, seen + 1
    if isinstance(exc, BackpropSheetError):
        return str(exc)
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected {type(exc).__name__}" + (f": {text}" if text else "")


def _share_memory(settings: _Settings) -> None:
    """One workbook's memory budget, shared between this worker and the LibreOffice it starts, so that the two
    together stay within it: LibreOffice gets half (verify.reading.libreoffice.limit_memory); the worker gets
    the other half with the LibreOffice engine (both run at once), all of it otherwise (an .ods or .xls is
    converted by LibreOffice before the worker reads anything large)."""
    from verify.reading import libreoffice

    half = settings.budget.max_memory // 2
    libreoffice.limit_memory(half)
    _limit_memory(half if settings.engine == "libreoffice" else settings.budget.max_memory)


def _limit_memory(size: int) -> None:
    try:
        import resource
    except ImportError:  # not on Unix: no ceiling
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (size if hard == resource.RLIM_INFINITY else min(size, hard), hard))


def _peak_memory() -> int:
    """Peak resident bytes of this worker and of the LibreOffice it waited for."""
    try:
        import resource
    except ImportError:
        return 0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024

