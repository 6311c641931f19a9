"""Store tests run on the memory engine and on the durable one (or on the MongoDB that MONGODB_URI names)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from settings import Settings, load_settings
from tests.support.app import ROOT, server_environ


@pytest.fixture(params=["memory", "durable"])
def service_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The `ctx` of these tests on `mongomock://` and on `embedded:<tmp>`; a real MongoDB runs once."""
    outside = os.environ.get("MONGODB_URI")
    if outside and request.param == "durable":
        pytest.skip("MONGODB_URI names a real MongoDB: the engine tests run on it once")
    overrides = {"MONGODB_URI": f"embedded:{tmp_path / 'db'}"} if request.param == "durable" and not outside else {}
    environ = server_environ("http://127.0.0.1:9/", str(tmp_path / "blobs"), **overrides)
    return load_settings(ROOT / "config.yaml", environ=environ)
