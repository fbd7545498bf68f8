"""Recalculate a workbook in headless LibreOffice, in a throwaway profile.

LibreOffice keeps the saved values of an xlsx that says it comes from Excel unless its
profile says otherwise, so each call makes a fresh profile with
/org.openoffice.Office.Calc/Formula/Load OOXMLRecalcMode = 0 ("always recalculate").
The user's own LibreOffice settings are never touched, and two calls can run at once.
"""

from __future__ import annotations

import os
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
    soffice = find_soffice()
    if soffice is None:
        raise EngineError(
            "LibreOffice (soffice) not found: install it (Debian: apt-get install libreoffice-calc-nogui) "
            "or use --engine formulas"
        )
    with tempfile.TemporaryDirectory(prefix="backprop-sheet-lo-") as tmp:
        profile = Path(tmp, "profile")
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS, "utf-8")
        outdir = Path(tmp, "out")
        # LibreOffice names its output after the input's stem, so give it a plain copy.
        staged = Path(tmp, "in" + Path(source).suffix)
        shutil.copyfile(source, staged)
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            convert_to,
            "--outdir",
            str(outdir),
            str(staged),
        ]
        env = dict(os.environ, HOME=tmp)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise EngineError(f"LibreOffice did not finish recalculating {source} within {timeout:.0f} s") from None
        produced = outdir / f"in.{convert_to.split(':')[0]}"
        if proc.returncode != 0 or not produced.exists():
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise EngineError(f"LibreOffice could not recalculate {source}: {detail[-1] if detail else 'no output'}")
        shutil.move(str(produced), target)
    return Path(target)
