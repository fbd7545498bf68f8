"""Recalculate a workbook in headless LibreOffice, in a throwaway profile.

LibreOffice keeps the saved values of an xlsx that says it comes from Excel unless its
profile says otherwise, so each call makes a fresh profile with
/org.openoffice.Office.Calc/Formula/Load OOXMLRecalcMode = 0 ("always recalculate").
The user's own LibreOffice settings are never touched, and two calls can run at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import shutil
import subprocess
import tempfile
from pathlib import Path

from excelgen.errors import EngineError

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def find_soffice() -> str | None:
    """Path of the `soffice` program, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(source: Path, target: Path, *, convert_to: str = "xlsx", timeout: float = 300) -> Path:
    """Write `source`, fully recalculated by LibreOffice, to `target` (xlsx, or e.g. "pdf")."""
    return start(source, target, convert_to=convert_to, timeout=timeout).wait()


def start(source: Path, target: Path, *, convert_to: str = "xlsx", timeout: float = 300) -> Running:
    """recalculate(), started in the background: wait() for the result, or cancel() it."""
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
        self._tmp = tempfile.TemporaryDirectory(prefix="backprop-sheet-lo-")
        tmp = self._tmp.name
        self._outdir = Path(tmp, "out")
        # LibreOffice names its output after the input's stem, so give it a plain copy.
        staged = Path(tmp, "in" + source.suffix)
        shutil.copyfile(source, staged)
        cmd, env = _command(soffice, Path(tmp), convert_to, self._outdir, [staged])
        try:
            self._proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
            )
        except OSError as exc:
            self._tmp.cleanup()
            raise EngineError(f"cannot start LibreOffice ({soffice}): {exc}") from None

    def wait(self) -> Path:
        """The recalculated file at `target`; EngineError when LibreOffice failed or timed out."""
        try:
            try:
                stdout, stderr = self._proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._stop()
                raise EngineError(
                    f"LibreOffice did not finish recalculating {self.source} within {self.timeout:.0f} s"
                ) from None
            produced = self._outdir / f"in.{self.convert_to.split(':')[0]}"
            if self._proc.returncode != 0 or not produced.exists():
                detail = (stderr or stdout).strip().splitlines()
                raise EngineError(
                    f"LibreOffice could not recalculate {self.source}: {detail[-1] if detail else 'no output'}"
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
        """Kill LibreOffice's whole process group (the launcher starts soffice.bin under it)."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)  # start_new_session: the group is ours alone
            self._proc.communicate()


def convert_many(sources: list[Path], outdir: Path, *, timeout: float) -> dict[Path, Path]:
    """Recalculate many workbooks in ONE LibreOffice start: source -> its recalculated xlsx in `outdir`.

    A source missing from the result was not converted (LibreOffice failed on it, or the whole
    run failed or ran past `timeout` and was killed: then the result is empty).
    """
    soffice = find_soffice()
    if soffice is None or not sources:
        return {}
    with tempfile.TemporaryDirectory(prefix="backprop-sheet-lo-many-") as tmp:
        # Plain, distinct names: two students' files may share a name in different folders.
        staged = [Path(tmp, f"w{k}{s.suffix.lower()}") for k, s in enumerate(sources)]
        for source, copy in zip(sources, staged):
            shutil.copyfile(source, copy)
        cmd, env = _command(soffice, Path(tmp), "xlsx", Path(tmp, "out"), staged)
        try:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True
            )
        except OSError:
            return {}
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return {}
        outdir.mkdir(parents=True, exist_ok=True)
        converted = {}
        for k, source in enumerate(sources):
            produced = Path(tmp, "out", f"w{k}.xlsx")
            if produced.is_file():
                converted[source] = Path(shutil.move(str(produced), outdir / produced.name))
        return converted


def _command(soffice: str, tmp: Path, convert_to: str, outdir: Path, inputs: list[Path]) -> tuple[list[str], dict]:
    """The soffice command line converting `inputs` into `outdir`, with a throwaway profile under `tmp`."""
    profile = tmp / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, "utf-8")
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
    return cmd, dict(os.environ, HOME=str(tmp))
