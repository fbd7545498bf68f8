"""Recalculate a workbook in headless LibreOffice, in a throwaway profile, bounded and locked down.

Each call makes a fresh profile (the user's own LibreOffice settings are never touched, and two
calls can run at once) whose registrymodifications.xcu sets:

- /org.openoffice.Office.Calc/Formula/Load OOXMLRecalcMode, ODFRecalcMode = 0: always recalculate
  (LibreOffice keeps the saved values of an xlsx that says it comes from Excel otherwise);
- /org.openoffice.Office.Common/Security/Scripting MacroSecurityLevel = 3 (very high: only
  macros from trusted locations, and there are none) and DisableMacrosExecution = true:
  no macro ever runs;
- /org.openoffice.Office.Calc/Content/Update Link = 1 (never): links to other files and
  URLs (external references, DDE, WEBSERVICE) are never updated or fetched.

Each conversion runs in its own process group (soffice -> oosplash -> soffice.bin) under a
time limit, with its $TMPDIR inside the profile's folder. On a timeout, a crash or any other
ending, the whole group is killed and waited for, and only then is the folder removed, with the
IPC socket a crash leaves in /tmp: nothing is left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import shutil
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from network.errors import EngineError, WorkbookError
from verify.reading import book

DEFAULT_TIMEOUT = 120  # seconds one conversion may take; the largest generated workbook needs ~5 s
_GONE_WAIT = 10  # seconds to wait for a killed process group to be gone before removing its profile

_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
</oor:items>
"""


_memory_limit: int | None = None  # bytes of address space each LibreOffice process may use (limit_memory)


def limit_memory(size: int | None) -> None:
    """From now on, give each LibreOffice process of this process at most `size` bytes of address space
    (RLIMIT_AS; None: what this process has). verify/batch.py's workers share a workbook's budget so."""
    global _memory_limit
    _memory_limit = size


def _apply_memory_limit() -> None:
    """In the child, before exec: the address-space ceiling of limit_memory()."""
    if _memory_limit is not None:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = _memory_limit if hard == resource.RLIM_INFINITY else min(_memory_limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def find_soffice() -> str | None:
    """Path of the `soffice` program, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(source: Path, target: Path, *, convert_to: str = "xlsx", timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Write `source`, fully recalculated by LibreOffice, to `target` (xlsx, or e.g. "pdf")."""
    return start(source, target, convert_to=convert_to, timeout=timeout).wait()


def start(source: Path, target: Path, *, convert_to: str = "xlsx", timeout: float = DEFAULT_TIMEOUT) -> Running:
    """recalculate(), started in the background: wait() for the result, or cancel() it.

    WorkbookError, before LibreOffice starts, for a zip archive with an entry that inflates past its
    declared size (book.check_inflation): LibreOffice would inflate all of it."""
    if zipfile.is_zipfile(source):
        book.check_inflation(source)
    soffice = find_soffice()
    if soffice is None:
        raise EngineError(
            "LibreOffice (soffice) not found: install it (Debian: apt-get install libreoffice-calc-nogui) "
            "or use --engine formulas"
        )
    return Running(soffice, Path(source), Path(target), convert_to, timeout)


class Running:
    """One LibreOffice conversion in progress, in its own throwaway profile and folder."""

    def __init__(self, soffice: str, source: Path, target: Path, convert_to: str, timeout: float):
        self.source, self.target, self.convert_to, self.timeout = source, target, convert_to, timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="backprop-sheet-lo-", ignore_cleanup_errors=True)
        tmp = self._tmp.name
        self._outdir = Path(tmp, "out")
        # LibreOffice names its output after the input's stem, so give it a plain copy.
        staged = Path(tmp, "in" + source.suffix)
        shutil.copyfile(source, staged)
        cmd, env = _command(soffice, Path(tmp), convert_to, self._outdir, [staged])
        self._profile = Path(tmp, "profile")
        try:
            self._proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
                preexec_fn=_apply_memory_limit,
            )
        except OSError as exc:
            self._tmp.cleanup()
            raise EngineError(f"cannot start LibreOffice ({soffice}): {exc}") from None

    def wait(self) -> Path:
        """The recalculated file at `target`; EngineError when LibreOffice failed, crashed or timed out."""
        try:
            try:
                stdout, stderr = self._proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._stop()
                raise EngineError(
                    f"LibreOffice did not finish recalculating {self.source} within {self.timeout:g} s "
                    "(stopped)"
                ) from None
            except BaseException:  # Ctrl-C, SIGTERM: LibreOffice goes too
                self._stop()
                raise
            self._stop()  # whatever outlived the launcher
            produced = self._outdir / f"in.{self.convert_to.split(':')[0]}"
            if self._proc.returncode != 0 or not produced.exists():
                raise EngineError(
                    f"LibreOffice could not recalculate {self.source}: {_failure(self._proc.returncode, stderr or stdout)}"
                )
            shutil.move(str(produced), self.target)
            return self.target
        finally:
            self._tmp.cleanup()

    def cancel(self) -> None:
        """Stop LibreOffice (when still running) and remove its profile and files."""
        self._stop()
        self._tmp.cleanup()

    def _stop(self) -> None:
        """Kill LibreOffice's whole process group and wait until none of it runs any more.

        start_new_session made the launcher's pid the group's id; soffice.bin inherits it.
        """
        group = self._proc.pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        if self._proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):  # a pipe held by an escaped daemon
                self._proc.communicate(timeout=_GONE_WAIT)
            self._proc.wait()
        _wait_until_gone(group, self._profile)


def _wait_until_gone(group: int, profile: Path) -> None:
    """Wait (10 s at most) until no process of the killed group runs, then remove the IPC socket that
    LibreOffice leaves in /tmp when it crashes: /tmp/OSL_PIPE_<uid>_SingleOfficeIPC_<md5>, the MD5 of its
    profile's URL in UTF-16 written in hex without leading zeros (LibreOffice's officeipcthread.cxx).
    The profile is ours alone, so is the socket."""
    deadline = time.monotonic() + _GONE_WAIT
    while _group_running(group) and time.monotonic() < deadline:
        time.sleep(0.02)
    _remove_socket(profile)


def remove_sockets(folder: str | Path) -> None:
    """Remove the IPC sockets of the conversions whose folders lie in `folder`, once their LibreOffice was
    killed from outside (verify/batch.py kills a worker past its time limit with its LibreOffice)."""
    for profile in Path(folder).glob("backprop-sheet-lo-*/profile"):
        _remove_socket(profile)


def _remove_socket(profile: Path) -> None:
    digest = "".join(f"{byte:x}" for byte in hashlib.md5(profile.as_uri().encode("utf-16-le")).digest())
    for folder in ("/tmp", "/var/tmp"):
        with contextlib.suppress(OSError, AttributeError):
            os.unlink(f"{folder}/OSL_PIPE_{os.getuid()}_SingleOfficeIPC_{digest}")


def _failure(returncode: int, output: str) -> str:
    """Why a conversion failed, in a few words: a crash by its signal, else LibreOffice's last line."""
    if returncode < 0 or returncode > 128:  # killed by a signal (the launcher reports 128 + N)
        number = -returncode if returncode < 0 else returncode - 128
        with contextlib.suppress(ValueError):
            return f"LibreOffice crashed ({signal.Signals(number).name})"
        return f"LibreOffice crashed (exit code {returncode})"
    lines = output.strip().splitlines()
    return lines[-1] if lines else f"no output (exit code {returncode})"


def _group_running(group: int) -> bool:
    """True while a process of the group is alive (zombies waiting to be reaped do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: ask the kernel whether the group exists at all
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == group and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
                return True
    return False


def convert_many(sources: list[Path], outdir: Path, *, timeout: float, convert_to: str = "xlsx") -> dict[Path, Path]:
    """Recalculate many workbooks in ONE LibreOffice start: source -> its recalculated xlsx (or `convert_to`, e.g.
    "pdf") in `outdir`.

    A source missing from the result was not converted: LibreOffice failed on it, or crashed on it or
    on one before it (it converts them in order). EngineError when the run went past `timeout` (killed).
    """
    soffice = find_soffice()
    sources = [s for s in sources if _inflates_as_declared(s)]  # the others fail on their own, with their reason
    if soffice is None or not sources:
        return {}
    with tempfile.TemporaryDirectory(prefix="backprop-sheet-lo-many-", ignore_cleanup_errors=True) as tmp:
        # Plain, distinct names: two students' files may share a name in different folders.
        staged = [Path(tmp, f"w{k}{s.suffix.lower()}") for k, s in enumerate(sources)]
        for source, copy in zip(sources, staged):
            shutil.copyfile(source, copy)
        cmd, env = _command(soffice, Path(tmp), convert_to, Path(tmp, "out"), staged)
        try:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
                preexec_fn=_apply_memory_limit,
            )
        except OSError:
            return {}
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise EngineError(f"LibreOffice did not convert {len(sources)} workbooks within {timeout:g} s") from None
        finally:  # the whole group, whatever outlived the launcher, before the profile goes
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            _wait_until_gone(proc.pid, Path(tmp, "profile"))
        outdir.mkdir(parents=True, exist_ok=True)
        converted = {}
        for k, source in enumerate(sources):
            produced = Path(tmp, "out", f"w{k}.{convert_to.split(':')[0]}")
            if produced.is_file():
                converted[source] = Path(shutil.move(str(produced), outdir / produced.name))
        return converted


def _inflates_as_declared(source: Path) -> bool:
    try:
        if zipfile.is_zipfile(source):
            book.check_inflation(source)
    except WorkbookError:
        return False
    return True


def _command(soffice: str, tmp: Path, convert_to: str, outdir: Path, inputs: list[Path]) -> tuple[list[str], dict]:
    """The soffice command line converting `inputs` into `outdir`, with a throwaway profile under `tmp`."""
    profile = tmp / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, "utf-8")
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        convert_to,
        "--outdir",
        str(outdir),
        *map(str, inputs),
    ]
    (tmp / "tmp").mkdir()  # LibreOffice's own temporary files (lu*.tmp), removed with the folder whatever happens
    return cmd, dict(os.environ, HOME=str(tmp), TMPDIR=str(tmp / "tmp"))
