"""The demo clock (issue 25, item 12): the service's clock moves forward, the real one does not.

services/core/context.py keeps two clocks. `clock` is the service's: deadlines, answer periods, the deadline
watch, performance checks, the court's periods, retention. In development it is a DemoClock that DEMO_CLOCK,
`serve.sh --clock +8d` or the stand-ins' page moves forward. `real_clock` is never moved: sessions, one-time SMS
codes, lockouts, signed requests' windows. Production refuses the offset (settings.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.accounts import sms_codes, web_sessions
from services.cases.deadline_watch import watch_once
from services.core.context import DemoClock, clock_offset, utc_now
from services.core.errors import ValidationFailed
from settings import SettingsError, describe_offset, load_settings, parse_clock_offset
from tests.support.app import ROOT, server_environ
from tests.support.cases import accepted_case

REAL_TIME_MODULES = (  # each compares times it stored with real time only: none reads the service's clock
    "services/accounts/web_sessions.py",
    "services/accounts/sms_codes.py",
    "services/court/signing.py",
    "services/notify/inbox.py",
)


def test_offsets_are_read_forward_only_and_written_back_the_same():
    assert parse_clock_offset("+8d") == timedelta(days=8)
    assert parse_clock_offset(" +1d12h ") == timedelta(days=1, hours=12)
    assert parse_clock_offset("90m") == timedelta(minutes=90)
    assert parse_clock_offset("") == parse_clock_offset("0") == timedelta(0)
    for wrong in ("-1d", "8 days", "+d", "+99999d", "1w"):
        with pytest.raises(SettingsError, match="DEMO_CLOCK"):
            parse_clock_offset(wrong)
    for text in ("+8d", "+1d12h", "+90m", "+2h5m"):
        assert describe_offset(parse_clock_offset(text)) == ("+1h30m" if text == "+90m" else text)


def test_a_production_start_with_the_demo_clock_is_refused_by_name(tmp_path: Path):
    development = load_settings(ROOT / "config.yaml", environ=server_environ("http://127.0.0.1:9/", DEMO_CLOCK="+8d"))
    assert development.demo_clock == timedelta(days=8)
    production = server_environ("https://api.weixin.qq.com/", APP_ENV="production", DEMO_CLOCK="+8d")
    with pytest.raises(SettingsError, match=r"APP_ENV=production refuses the demo clock \(DEMO_CLOCK=\+8d\)"):
        load_settings(ROOT / "config.yaml", environ=production)


def test_the_server_refuses_to_start_in_production_with_clock(monkeypatch, capsys):
    import app

    monkeypatch.setenv("APP_ENV", "production")
    assert app.main(["--clock", "+8d", "--port", "1"]) == 2
    assert "refusing to start: APP_ENV=production refuses the demo clock (DEMO_CLOCK=+8d)" in capsys.readouterr().err


def test_modules_on_real_time_never_read_the_service_clock():
    for path in REAL_TIME_MODULES:
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "ctx.clock()" not in text and "ctx.real_clock()" in text, path


@pytest.mark.gen_test
async def test_a_moved_clock_ends_a_silent_case_while_sessions_and_codes_keep_real_time(ctx, sms):
    assert isinstance(ctx.clock, DemoClock) and ctx.real_clock is utc_now  # development: the clock can move
    serial, _ = await accepted_case(ctx)
    due = date.fromisoformat((await ctx.db["cases"].find_one({"_id": serial}))["respondent_access"]["answer_due"])
    # Before the move: a person signed in, an SMS code sent.
    await ctx.db["persons"].insert_one({"_id": "p-demo", **web_sessions.new_stamp()})
    session = await web_sessions.issue(ctx, web_sessions.PERSON, "p-demo")
    await sms_codes.send_code(ctx, sms, "13800138000", "register")
    code = sms.last_code("13800138000")
    assert await watch_once(ctx) == {"overdue": 0, "silent": 0, "performance_asked": 0}

    ctx.clock.offset = timedelta(days=(due - utc_now().date()).days + 3)  # past the answer day, and then some
    assert clock_offset(ctx.clock) >= timedelta(days=3)
    assert (await watch_once(ctx))["silent"] == 1  # the deadline watch records the silence: the case ends (lapse)
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "failed" and doc["timeline"][-1]["action"] == "lapse"
    assert doc["outcome"]["closure_reason"] == "unreachable"
    assert doc["respondent_access"]["silence_recorded_at"] > utc_now() + timedelta(days=2)  # on the service's time
    # Days ahead on the service's clock, seconds on the real one: the session is open, the code still good.
    assert await web_sessions.check(ctx, web_sessions.PERSON, session) is not None
    await sms_codes.send_code(ctx, sms, "13900139000", "register")
    second = sms.last_code("13900139000")
    await sms_codes.consume_code(ctx, "13800138000", "register", code)

    # Real time passing is what ends them: six minutes for the code, a day for the session.
    ctx.real_clock = lambda: utc_now() + timedelta(minutes=6)
    with pytest.raises(ValidationFailed) as expired:
        await sms_codes.consume_code(ctx, "13900139000", "register", second)
    assert expired.value.code == "sms_code_expired"
    assert await web_sessions.check(ctx, web_sessions.PERSON, session) is not None
    ctx.real_clock = lambda: utc_now() + timedelta(hours=25)
    assert await web_sessions.check(ctx, web_sessions.PERSON, session) is None


def test_a_demo_clock_is_real_time_plus_its_offset():
    clock = DemoClock()
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=1) and clock_offset(clock) == timedelta(0)
    clock.offset = timedelta(days=8)
    assert abs(clock() - datetime.now(UTC) - timedelta(days=8)) < timedelta(seconds=1)
    assert clock_offset(utc_now) == timedelta(0)
