"""`python manage.py ...` as an operator runs it: its own process, the given environment, the status and output."""

from __future__ import annotations

import asyncio
import os
import sys

from tests.support.app import ROOT


async def manage(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "manage.py",
        *args,
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "")} | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode()
