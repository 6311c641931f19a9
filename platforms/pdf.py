"""PDF copies of generated documents through LibreOffice, where a deployment has installed it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import weakref
from pathlib import Path

CONVERSION_TIMEOUT_SECONDS = 60
# The templates' official font names mapped to Debian's Song/FangSong/Hei fonts
# (docs/stack-notes.md#fonts-and-pdf-copies); a deployment's own FONTCONFIG_FILE, if it sets one, is used instead.
FONTS_CONF = Path(__file__).with_name("fonts.conf")
# LibreOffice runs below the server's priority, as document renders do (services/documents.py).
_BELOW_THE_EVENT_LOOP = ("nice", "-n", "10") if shutil.which("nice") else ()


class PdfUnavailable(Exception):
    """No PDF this time: `reason` is pdf_unavailable (no LibreOffice), pdf_timeout or pdf_failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PdfConverter:
    """One conversion at a time, in a LibreOffice profile of this process's own: a profile cannot be
    shared by two processes (a test run beside a dev server), nor by two users. Removed at exit."""

    def __init__(self, soffice: str | None = None, timeout: float = CONVERSION_TIMEOUT_SECONDS) -> None:
        self.soffice = soffice if soffice is not None else (shutil.which("soffice") or shutil.which("libreoffice"))
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._profile: Path | None = None  # made on the first conversion
        self._running: asyncio.subprocess.Process | None = None

    @property
    def available(self) -> bool:
        return bool(self.soffice)

    async def convert(self, docx: bytes) -> bytes:
        if not self.soffice:
            raise PdfUnavailable("pdf_unavailable")
        async with self._lock:
            if self._profile is None:
                self._profile = Path(tempfile.mkdtemp(prefix="mediation-lo-profile-"))
                weakref.finalize(self, shutil.rmtree, self._profile, ignore_errors=True)
            with tempfile.TemporaryDirectory(prefix="pdf-") as folder:
                source = Path(folder) / "document.docx"
                source.write_bytes(docx)
                process = await asyncio.create_subprocess_exec(
                    *_BELOW_THE_EVENT_LOOP,
                    self.soffice,
                    f"-env:UserInstallation=file://{self._profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    folder,
                    str(source),
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                    start_new_session=True,  # its own process group: soffice.bin goes with it when killed
                    env={"FONTCONFIG_FILE": str(FONTS_CONF)} | dict(os.environ),
                )
                self._running = process
                try:
                    await asyncio.wait_for(process.wait(), self.timeout)
                except TimeoutError:
                    _kill_group(process)
                    await process.wait()
                    raise PdfUnavailable("pdf_timeout") from None
                finally:
                    self._running = None
                target = Path(folder) / "document.pdf"
                if process.returncode != 0 or not target.exists():
                    raise PdfUnavailable("pdf_failed")
                return target.read_bytes()

    async def close(self) -> None:
        """Kill a conversion still running (LibreOffice and its children) and remove the profile."""
        process = self._running
        if process is not None and process.returncode is None:
            _kill_group(process)
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)


def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
