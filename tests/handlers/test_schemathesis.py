"""Schemathesis against GET /api/openapi.json: the document is fuzzed as written, with a fixed seed and a
bounded number of examples, and must find nothing with every check it has (--checks all): the document is
fully typed, so data it allows must be accepted (positive_data_acceptance) and data it forbids refused
(negative_data_rejection)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.support.app import sign_in

ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")  # the operations whose refusals no schema can foresee
SEED = "20261122"
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "50")  # per operation and phase: ~15 s on 2 cores
CHECKS = os.environ.get("SCHEMATHESIS_CHECKS", "all")
EXCLUDED = os.environ.get("SCHEMATHESIS_EXCLUDED", "")  # e.g. while looking into one check's findings


@pytest.mark.gen_test(timeout=900)
async def test_schemathesis_finds_no_failure(app, api, wechat, base_url, tmp_path, cheap_hashing):
    token = await sign_in(api, wechat, "openid-schemathesis")
    process = await asyncio.create_subprocess_exec(
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        base_url + "/api/openapi.json",
        "--checks",
        CHECKS,
        *(("--exclude-checks", EXCLUDED) if EXCLUDED else ()),
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "-H",
        f"Authorization: Bearer {token}",
        "--exclude-operation-id",
        "signOut",  # it would end the token every other operation uses
        "--exclude-operation-id",
        "deleteMyData",  # `account` would close the account every other operation uses (tests/handlers/mp/)
        "--report",
        "ndjson",
        "--report-dir",
        str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
        env=os.environ | {"NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"},
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    if os.environ.get("SCHEMATHESIS_OUTPUT"):
        Path(os.environ["SCHEMATHESIS_OUTPUT"]).write_text(text)
    assert process.returncode == 0, text[-6000:]
