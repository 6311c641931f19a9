"""Starting and stopping the real server (`python app.py`): default secrets said out loud, loopback only
with one, and SIGTERM leaving no rendering worker or LibreOffice behind."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import shutil
import signal
import time
from pathlib import Path

import pytest
from tornado.httpclient import AsyncHTTPClient

from app import close, make_app, start
from settings import DEFAULT_SECRET_RISKS, SettingsError, load_settings, partner_key_variable
from tests.support.app import MP_APP_ID, MP_SECRET, ROOT, server_environ
from tests.support.samples import worker_body
from tests.support.server_process import ServerProcess, free_port

ADMIN = ("walk.root", "Root-Passw0rd-2026")


def _dev_env(**extra: str) -> dict[str, str]:
    """What a person who cloned the repository starts with: no key or secret set."""
    return {"APP_ENV": "development", "MONGODB_URI": "mongomock://", **extra}


def test_every_default_secret_is_named_in_a_warning_at_start(tmp_path: Path) -> None:
    server = ServerProcess(_dev_env(), tmp_path / "server.log").start()
    server.stop()
    warnings = [line for line in server.log().splitlines() if " WARNING " in line and "DEFAULT SECRET" in line]
    found = [re.search(r"DEFAULT SECRET (\w+)", line) for line in warnings]
    assert all(found), warnings
    named = {m.group(1) for m in found if m}
    partners = {
        partner_key_variable(p.id) for p in load_settings(ROOT / "config.yaml", environ=_dev_env()).docking.partners
    }
    assert named == set(DEFAULT_SECRET_RISKS) | partners and partners
    assert any("COOKIE_SECRET" in line and "administrator" in line for line in warnings)


def test_listening_beyond_loopback_with_a_default_secret_refuses_to_start(tmp_path: Path) -> None:
    server = ServerProcess(_dev_env(LISTEN_ADDRESS="0.0.0.0"), tmp_path / "server.log").start(wait=False)
    assert server.wait(30) == 2
    assert "refusing to start: LISTEN_ADDRESS=0.0.0.0 with default secrets" in server.log()
    assert "COOKIE_SECRET" in server.log()
    # With every secret set, the same address is allowed (settings only: nothing listens here).
    env = server_environ(
        "http://127.0.0.1:9/",
        LISTEN_ADDRESS="0.0.0.0",
        WECHAT_TOKEN="t",
        CARD_CHANNEL_KEY="5a" * 16,
        CARD_SM2_PRIVATE_KEY="11" * 32,
        CARD_PLATFORM_PUBLIC_KEY="04" + "22" * 64,
        DOCKING_KEY_SH_PUDONG_COURT="33" * 16,
        DOCKING_KEY_SH_PUDONG_ARBITRATION="44" * 16,
    )
    assert load_settings(ROOT / "config.yaml", environ=env).default_secrets == ()
    for loopback in ("127.0.0.1", "::1", "localhost"):
        assert load_settings(ROOT / "config.yaml", environ=_dev_env(LISTEN_ADDRESS=loopback)).default_secrets
    with pytest.raises(SettingsError, match="LISTEN_ADDRESS=192.0.2.10"):
        load_settings(ROOT / "config.yaml", environ=_dev_env(LISTEN_ADDRESS="192.0.2.10"))


def test_a_port_in_use_is_said_plainly_before_anything_starts(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        folder = tmp_path / "db"
        server = ServerProcess(
            _dev_env(MONGODB_URI=f"embedded:{folder}"), tmp_path / "server.log", port=port, args=("--standins",)
        ).start(wait=False)
        assert server.wait(30) == 2
    assert f"refusing to start: port {port} on 127.0.0.1 cannot be used" in server.log()
    assert "--port" in server.log() and "Traceback" not in server.log()
    assert not folder.exists() and "stand-in on" not in server.log()  # nothing started or written first


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.gen_test(timeout=120)
async def test_sigterm_stops_the_rendering_pool_and_libreoffice(wechat, tmp_path):
    if not shutil.which("soffice") and not os.environ.get("REQUIRE_TEST_TOOLS"):
        pytest.skip("LibreOffice is not installed (scripts/test.sh installs it)")
    env = server_environ(
        wechat.base_url,
        str(tmp_path / "blobs"),
        MONGODB_URI=f"embedded:{tmp_path / 'db'}",
        BOOTSTRAP_ADMIN=":".join(ADMIN),
        WECHAT_MP_APP_ID=MP_APP_ID,
        WECHAT_MP_APP_SECRET=MP_SECRET,
    )
    server = ServerProcess(env, tmp_path / "server.log").start()
    http = AsyncHTTPClient(force_instance=True)
    base = server.base_url
    try:
        code = wechat.state.issue_code("openid-sigterm")
        token = json.loads(
            (
                await http.fetch(
                    base + "/api/mp/session",
                    method="POST",
                    body=json.dumps({"code": code}),
                    headers={"Content-Type": "application/json"},
                )
            ).body
        )["token"]
        made = await http.fetch(
            base + "/api/mp/applications",
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": "sigterm-0001",
                "Content-Type": "application/json",
            },
            body=json.dumps(worker_body() | {"evidence": []}, ensure_ascii=False),
        )
        serial = json.loads(made.body)["serial"]
        login_page = await http.fetch(base + "/office/login")
        xsrf = re.search(r"_xsrf=([^;]+)", login_page.headers["Set-Cookie"]).group(1)
        signed = await http.fetch(
            base + "/office/login",
            method="POST",
            follow_redirects=False,
            raise_error=False,
            headers={"Cookie": f"_xsrf={xsrf}"},
            body=f"_xsrf={xsrf}&login={ADMIN[0]}&password={ADMIN[1]}",
        )
        cookies = {
            m.group(1): m.group(2)
            for h in signed.headers.get_list("Set-Cookie")
            if (m := re.match(r"([^=]+)=([^;]*)", h))
        }
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        made_doc = await http.fetch(
            base + f"/office/cases/{serial}/document",
            method="POST",
            follow_redirects=False,
            raise_error=False,
            headers={"Cookie": cookie},
            body=f"_xsrf={cookies['_xsrf']}&kind=application",
        )
        assert made_doc.code == 302, made_doc.body
        page = (await http.fetch(base + f"/office/cases/{serial}", headers={"Cookie": cookie})).body.decode()
        document_id = re.search(r"/office/documents/([0-9a-f]{32})", page).group(1)
        pdf = asyncio.ensure_future(
            http.fetch(
                base + f"/office/documents/{document_id}?format=pdf",
                headers={"Cookie": cookie},
                raise_error=False,
                request_timeout=60,
            )
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the rendering workers and LibreOffice are running
            below = _descendants(server.process.pid)
            names = {Path(f"/proc/{p}/comm").read_text().strip() for p in below if _alive(p)}
            if any(n.startswith(("soffice", "oosplash")) for n in names):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"LibreOffice never started: {names}")
        assert len(below) >= 3, names  # two rendering workers and LibreOffice
        server.signal(signal.SIGTERM)
        assert await asyncio.get_running_loop().run_in_executor(None, server.wait, 30) == 0
        await asyncio.gather(pdf, return_exceptions=True)
        # Gone with the server, not whenever they finish on their own (a conversion takes seconds).
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and any(_alive(p) for p in below):
            await asyncio.sleep(0.05)
        assert not [p for p in below if _alive(p)], "orphans left after SIGTERM"
        assert "stopped" in server.log()
    finally:
        server.kill()
        http.close()


@pytest.mark.gen_test(timeout=90)
async def test_sigterm_during_a_card_ticket_poll_answers_503_with_retry_after_and_logs_no_500(wechat, tmp_path):
    """Issue 22: the long poll of the card's login ticket ends with a 503 and Retry-After when the server is asked
    to stop, before the store closes; the log (JSON lines, LOG_FORMAT=json) shows no 500, no error and no
    traceback, and every line of a request carries its id."""
    from settings import DEV_CARD_CHANNEL_KEY, DEV_CARD_PUBLIC_KEY, CardPlatformSettings
    from standins.card_platform import CardPlatformStandIn, Channel

    port = free_port()
    channel = Channel(
        f"http://127.0.0.1:{port}/portal/card/notify", bytes.fromhex(DEV_CARD_CHANNEL_KEY), DEV_CARD_PUBLIC_KEY
    )
    card_platform = CardPlatformStandIn({CardPlatformSettings().channel_id: channel})
    card_platform.start()
    env = server_environ(
        wechat.base_url,
        str(tmp_path / "blobs"),
        MONGODB_URI=f"embedded:{tmp_path / 'db'}",
        CARD_PLATFORM_BASE=card_platform.base_url,
        LOG_FORMAT="json",
    )
    server = ServerProcess(env, tmp_path / "server.log", port).start()
    http = AsyncHTTPClient(force_instance=True)
    try:
        made = await http.fetch(
            server.base_url + "/portal/card/tickets",
            method="POST",
            body=b"",
            headers={"Cookie": "_xsrf=sigtermxsrf", "X-XSRFToken": "sigtermxsrf"},
            raise_error=False,
        )
        assert made.code == 201, made.body
        binding = re.match(r"card_ticket=([^;]+)", made.headers["Set-Cookie"]).group(1)
        poll = asyncio.ensure_future(
            http.fetch(
                server.base_url + json.loads(made.body)["poll"] + "?wait=20",
                headers={"Cookie": f"card_ticket={binding}"},
                raise_error=False,
                request_timeout=40,
            )
        )
        await asyncio.sleep(1.0)  # the poll is waiting
        assert not poll.done()
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        answer = await poll
        assert answer.code == 503 and answer.headers["Retry-After"] == "5", (answer.code, answer.body)
        assert json.loads(answer.body)["error"]["code"] == "shutting_down"
        assert time.monotonic() - started < 5  # at once, not when the 20 s wait runs out
        assert await asyncio.get_running_loop().run_in_executor(None, server.wait, 30) == 0
        lines = [json.loads(line) for line in server.log().splitlines() if line.strip()]  # each line is JSON
        assert any(line["message"] == "stopped" for line in lines if "message" in line)
        assert not [
            line for line in lines if line["level"] == "ERROR" or "traceback" in line or line.get("status") == 500
        ]
        [polled] = [line for line in lines if line.get("path", "").startswith("/portal/card/tickets/")]
        assert polled["status"] == 503 and polled["request_id"] == answer.headers["X-Request-Id"]
        assert {line["request_id"] for line in lines if "path" in line} & {"-"} == set()
    finally:
        server.kill()
        http.close()
        card_platform.stop()


@pytest.mark.gen_test
async def test_a_production_start_refuses_a_centre_still_holding_the_demo_contact(settings):
    """Issue 25, item 11: config.yaml's checks cover a fresh store's seed; a store seeded (or edited) earlier is read
    at start, and a centre whose contact is still the demo's, or a number of zeros, stops it."""
    app = make_app(dataclasses.replace(settings, app_env="production"))
    try:
        with pytest.raises(SettingsError, match=r"contact is still the demo's: sh-pudong \(021-00000000\)"):
            await start(app)
    finally:
        await close(app)
