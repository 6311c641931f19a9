"""The notification sender: once after WeChat's acknowledgement, claims between processes, retries, fallbacks."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from services.accounts.persons import person_for_identity
from services.cases import moves
from services.cases.moves import apply_move
from services.cases.outbox import applicant_notice
from services.cases.record import Notification
from services.intake.submission import submit_application
from services.notify.sender import (
    CHANNEL_MP,
    CHANNEL_OA,
    REFUSALS,
    UNREACHABLE_NO_IDENTITY,
    WECHAT_DOWN,
    NotificationSender,
    TokenBucket,
    _Case,
)
from tests.support.app import body_of, sign_in
from tests.support.cases import Clock
from tests.support.samples import worker_body
from tests.support.store import cases_for_setup

OA_OPENID = "o-applicant-oa"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {"NOTIFICATION_SENDER": "off"}  # passes run when a test says so


def setup(app):
    services = app.settings["services"]
    clock = Clock()
    services.ctx.clock = clock
    return services.ctx, services.notification_sender, clock


async def accepted_case(ctx, person_id: str, lines: list[tuple[str, str]] | None = None) -> tuple[str, Notification]:
    """A submitted case, accepted by a mediator: the move writes one notification."""
    body = worker_body()
    body["evidence"] = []
    case, _ = await submit_application(ctx, person_id, f"key-{uuid.uuid4().hex[:12]}", body, "h5")
    serial = case["serial"]
    # Each test follows one notification: the submission's acknowledgement is tested on its own.
    await cases_for_setup(ctx).update_one(
        {"_id": serial}, {"$set": {"notifications": []}, "$unset": {"outbox_due_at": ""}}
    )
    lines = lines or [("serial", serial), ("status", "已受理")]
    notice = applicant_notice(person_id, "accept", f"/h5/cases/{serial}", ctx.clock(), lines)
    await apply_move(ctx, serial, "accept", ("staff", "m1"), "backoffice", notify=[notice])
    return serial, notice


async def oa_person(ctx, openid: str = OA_OPENID, unionid: str | None = None) -> str:
    return await person_for_identity(ctx, "wechat_oa", ctx.settings.wechat_app_id, openid, unionid)


async def notices(ctx, serial: str) -> list[dict]:
    return (await ctx.db["cases"].find_one({"_id": serial}))["notifications"]


async def outbox_due(ctx, serial: str):
    return (await ctx.db["cases"].find_one({"_id": serial})).get("outbox_due_at")


def sends(wechat, kind: str = "template") -> list[dict]:
    return [m for m in wechat.state.sent if m["kind"] == kind]


@pytest.mark.gen_test
async def test_one_template_message_with_openid_link_and_short_values_then_never_again(app, wechat):
    ctx, sender, clock = setup(app)
    person = await oa_person(ctx)
    long_reason = "用人单位未依法支付二〇二六年九月至十月的加班工资及经济补偿"
    serial, notice = await accepted_case(ctx, person, [("serial", "S1"), ("status", long_reason)])
    assert await outbox_due(ctx, serial) == notice["created_at"]
    await sender.run_once()
    [message] = sends(wechat)
    assert message["touser"] == OA_OPENID
    assert message["template_id"] == ctx.settings.notifications.kinds["accept"].official_account.template_id
    assert message["url"] == f"{ctx.settings.public_base_url}/h5/cases/{serial}"
    assert message["data"]["keyword1"] == {"value": "S1"}
    value = message["data"]["keyword2"]["value"]
    assert len(value) == 20 and value.endswith("…") and long_reason.startswith(value[:19])
    assert set(message["data"]) == {"keyword1", "keyword2"}  # no first/remark, no colour
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "sent" and stored["channel"] == CHANNEL_OA and stored["msgid"] == message["msgid"]
    assert stored["sent_at"] == clock.now and stored["attempts"] == 1 and stored["last_error"] is None
    assert await outbox_due(ctx, serial) is None  # nothing left to do: the case leaves the sender's query
    for _ in range(3):
        clock.advance(hours=1)
        await sender.run_once()
    assert len(wechat.state.calls(TEMPLATE_SEND)) == 1


@pytest.mark.gen_test
async def test_two_senders_racing_for_the_same_notification_send_it_once(app, wechat):
    ctx, sender_a, _ = setup(app)
    services = app.settings["services"]
    sender_b = NotificationSender(ctx, services.wechat_oa, services.wechat_mp)  # as another process
    serial, _ = await accepted_case(ctx, await oa_person(ctx))
    doc = await ctx.db["cases"].find_one({"_id": serial})
    # Both read the case as due before either claims: only one conditional claim can match.
    await asyncio.gather(sender_a.process_case(_Case.of(doc)), sender_b.process_case(_Case.of(doc)))
    assert len(sends(wechat)) == 1
    assert sender_a.stats["conflicts"] + sender_b.stats["conflicts"] >= 1
    serial2, _ = await accepted_case(ctx, await oa_person(ctx, "o-applicant-2"))
    await asyncio.gather(sender_a.run_once(), sender_b.run_once(), sender_a.run_once())
    assert [m["touser"] for m in sends(wechat)] == [OA_OPENID, "o-applicant-2"]
    assert [n["state"] for n in await notices(ctx, serial2)] == ["sent"]


@pytest.mark.gen_test
async def test_wechat_down_for_an_hour_waits_with_backoff_then_delivers_once(app, wechat):
    ctx, sender, clock = setup(app)
    serial, _ = await accepted_case(ctx, await oa_person(ctx))
    wechat.state.mode = "down"
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "pending" and stored["attempts"] == 1 and stored["last_error"] == WECHAT_DOWN
    assert clock.now < stored["next_attempt_at"] <= clock.now + timedelta(seconds=2)
    assert await outbox_due(ctx, serial) == stored["next_attempt_at"]
    await sender.run_once()  # not due yet: not tried again
    assert (await notices(ctx, serial))[0]["attempts"] == 1
    outage_end = clock.now + timedelta(hours=1)
    gaps = []
    while clock.now < outage_end:
        due = await outbox_due(ctx, serial)
        gaps.append((due - clock.now).total_seconds())
        clock.now = due
        await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "pending" and 10 < stored["attempts"] < 40
    assert max(gaps) <= 300  # capped: WeChat's return is noticed within 5 minutes
    assert sends(wechat) == []
    wechat.state.mode = "up"
    clock.now = await outbox_due(ctx, serial)
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "sent" and len(sends(wechat)) == 1
    clock.advance(minutes=10)
    await sender.run_once()
    assert len(sends(wechat)) == 1


@pytest.mark.gen_test
async def test_a_sender_that_died_after_claiming_is_replaced_once_its_claim_expires(app, wechat):
    ctx, sender, clock = setup(app)
    serial, _ = await accepted_case(ctx, await oa_person(ctx))
    doc = await ctx.db["cases"].find_one({"_id": serial})
    claimed = await sender.claim(_Case.of(doc))  # ... and the process dies before sending
    assert claimed is not None
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "claimed" and stored["attempts"] == 1
    claim_seconds = ctx.settings.notifications.claim_seconds
    assert await outbox_due(ctx, serial) == clock.now + timedelta(seconds=claim_seconds)
    clock.advance(seconds=claim_seconds - 1)
    await sender.run_once()
    assert sends(wechat) == []  # the claim still holds: nobody else sends
    clock.advance(seconds=2)
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert len(sends(wechat)) == 1 and stored["state"] == "sent" and stored["attempts"] == 2


@pytest.mark.gen_test
async def test_unfollowed_applicant_fails_with_a_reason_the_mediator_reads_and_is_not_retried(app, wechat):
    ctx, sender, clock = setup(app)
    serial, _ = await accepted_case(ctx, await oa_person(ctx))
    wechat.state.send_errors[OA_OPENID] = 43004
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "failed" and stored["last_error"] == "申请人未关注公众号（或已取消关注），无法推送消息"
    assert stored["channel"] is None and await outbox_due(ctx, serial) is None
    clock.advance(days=1)
    await sender.run_once()
    assert len(wechat.state.calls(TEMPLATE_SEND)) == 1


@pytest.mark.gen_test
async def test_applicant_without_wechat_identity_fails_without_calling_wechat(app, wechat):
    ctx, sender, _ = setup(app)
    serial, _ = await accepted_case(ctx, "person-without-wechat")
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "failed" and stored["last_error"] == UNREACHABLE_NO_IDENTITY
    assert wechat.state.calls(TEMPLATE_SEND) == []


@pytest.mark.gen_test
async def test_48_hours_of_temporary_failures_end_as_failed(app, wechat):
    ctx, sender, clock = setup(app)
    serial, notice = await accepted_case(ctx, await oa_person(ctx))
    wechat.state.mode = "busy"  # errcode -1 on every call
    await sender.run_once()
    clock.now = notice["created_at"] + timedelta(hours=47, minutes=59)
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "pending" and stored["attempts"] == 2
    clock.now = notice["created_at"] + timedelta(hours=48)
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "failed" and stored["attempts"] == 3
    assert "48 小时" in stored["last_error"] and "已停止重试" in stored["last_error"]
    assert await outbox_due(ctx, serial) is None


@pytest.mark.gen_test
async def test_rate_limit_answer_backs_off_and_pauses_the_app(app, wechat):
    ctx, sender, clock = setup(app)
    serial, _ = await accepted_case(ctx, await oa_person(ctx))
    wechat.state.send_errors[OA_OPENID] = 45009
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "pending" and stored["next_attempt_at"] > clock.now
    bucket = sender.bucket(ctx.settings.wechat_app_id)
    assert bucket.paused_until > asyncio.get_running_loop().time()


@pytest.mark.gen_test
async def test_subscribe_grant_is_used_once_then_the_official_account_and_43101_falls_back(app, wechat, api):
    ctx, sender, _ = setup(app)
    mp_openid, unionid = "o-applicant-mp", "union-applicant"
    token = await sign_in(api, wechat, mp_openid, unionid)
    person = await oa_person(ctx, OA_OPENID, unionid)  # the same WeChat user through the official account
    template_id = ctx.settings.notifications.kinds["accept"].mini_program.template_id
    refused = await api.call("POST", "/api/mp/subscriptions", {"template_ids": ["not-our-template"]}, token=token)
    assert refused.code == 422
    assert (await api.call("POST", "/api/mp/subscriptions", {"template_ids": [template_id]})).code == 401
    granted = await api.call("POST", "/api/mp/subscriptions", {"template_ids": [template_id]}, token=token)
    assert granted.code == 200 and body_of(granted) == {"grants": {template_id: 1}}

    serial, _ = await accepted_case(ctx, person, [("serial", "S1"), ("status", "已受理")])
    await sender.run_once()
    [message] = sends(wechat, "subscribe")
    assert message["touser"] == mp_openid and message["template_id"] == template_id
    assert message["page"] == f"pages/cases/detail?serial={serial}"
    assert message["data"] == {"character_string1": {"value": "S1"}, "thing2": {"value": "已受理"}}
    assert (await notices(ctx, serial))[0]["channel"] == CHANNEL_MP
    mine = await api.call("GET", "/api/mp/subscriptions", token=token)
    assert body_of(mine) == {"grants": {template_id: 0}}

    # No grant left (for this kind's template): the official account's template message, its keys as configured.
    when = "2026年12月1日 9:30"
    notice = applicant_notice(
        person,
        "schedule",
        f"/h5/cases/{serial}",
        ctx.clock(),
        [("serial", serial), ("session_time", when), ("place", "第一调解室")],
    )
    await apply_move(ctx, serial, "schedule", ("staff", "m1"), "backoffice", notify=[notice])
    await sender.run_once()
    assert len(sends(wechat, "subscribe")) == 1
    [template] = sends(wechat)
    assert template["touser"] == OA_OPENID
    assert template["data"] == {
        "keyword1": {"value": serial},
        "keyword2": {"value": when},
        "keyword3": {"value": "第一调解室"},
    }

    # A grant we counted but WeChat does not know (43101): fall back at once, forget the grant.
    template_id = ctx.settings.notifications.kinds["open_session"].mini_program.template_id
    await api.call("POST", "/api/mp/subscriptions", {"template_ids": [template_id]}, token=token)
    wechat.state.send_errors[mp_openid] = 43101
    notice = applicant_notice(person, "open_session", "/h5/cases", ctx.clock(), [("serial", serial)])
    await apply_move(ctx, serial, "schedule", ("staff", "m1"), "backoffice", notify=[notice])
    await sender.run_once()
    assert len(wechat.state.calls(SUBSCRIBE_SEND)) == 2 and len(sends(wechat, "subscribe")) == 1
    assert len(sends(wechat)) == 2
    states = [(n["state"], n["channel"]) for n in await notices(ctx, serial)]
    assert states == [("sent", CHANNEL_MP), ("sent", CHANNEL_OA), ("sent", CHANNEL_OA)]
    grants = body_of(await api.call("GET", "/api/mp/subscriptions", token=token))["grants"]
    assert grants == {"MP_ACCEPT": 0, template_id: 0}


@pytest.mark.gen_test
async def test_subscribe_refused_and_no_official_account_fails_with_the_reason(app, wechat, api):
    ctx, sender, _ = setup(app)
    token = await sign_in(api, wechat, "o-mp-only")
    template_id = ctx.settings.notifications.kinds["accept"].mini_program.template_id
    await api.call("POST", "/api/mp/subscriptions", {"template_ids": [template_id]}, token=token)
    person = await person_for_identity(ctx, "wechat_mp", ctx.settings.mp_app_id, "o-mp-only")
    wechat.state.send_errors["o-mp-only"] = 43101
    serial, _ = await accepted_case(ctx, person)
    await sender.run_once()
    [stored] = await notices(ctx, serial)
    assert stored["state"] == "failed" and stored["last_error"] == REFUSALS[43101]


@pytest.mark.gen_test
async def test_a_notification_pushed_while_one_is_being_sent_is_not_forgotten(app, wechat):
    ctx, sender, clock = setup(app)
    person = await oa_person(ctx)
    serial, _ = await accepted_case(ctx, person)
    deliver = sender.deliver

    async def deliver_while_a_move_pushes(case, notification):
        # A mediator's move lands between the claim and the result: the result write must see it.
        later = applicant_notice(person, "schedule", "/h5/cases", clock(), [("session_time", "明天")])
        await moves.record_event(ctx, case.id, "test_notice", ("staff", "m1"), "backoffice", "accepted", notify=[later])
        return await deliver(case, notification)

    sender.deliver = deliver_while_a_move_pushes
    await sender.run_once()
    sender.deliver = deliver
    stored = await notices(ctx, serial)
    assert [n["state"] for n in stored] == ["sent", "pending"]
    assert await outbox_due(ctx, serial) == stored[1]["next_attempt_at"]
    await sender.run_once()
    assert [n["state"] for n in await notices(ctx, serial)] == ["sent", "sent"] and len(sends(wechat)) == 2


@pytest.mark.gen_test(timeout=10)
async def test_background_sender_delivers_after_a_move_and_stops_cleanly(app, wechat):
    services = app.settings["services"]
    ctx, sender = services.ctx, services.notification_sender
    serial, _ = await accepted_case(ctx, await oa_person(ctx))
    sender.start()
    sender.wake()
    for _ in range(100):
        if sends(wechat):
            break
        await asyncio.sleep(0.02)
    await sender.stop()
    assert len(sends(wechat)) == 1
    assert [n["state"] for n in await notices(ctx, serial)] == ["sent"]


@pytest.mark.gen_test(timeout=10)
async def test_token_bucket_holds_the_rate():
    bucket = TokenBucket(100.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(150):  # 100 at once (one second's burst), then 50 at 100/s
        await bucket.acquire()
    assert 0.4 <= loop.time() - started < 1.5


def test_backoff_is_exponential_jittered_and_capped(settings):
    class Ctx:
        pass

    ctx = Ctx()
    ctx.settings = settings
    sender = NotificationSender(ctx, None, None)
    for attempts, ceiling in ((1, 2), (2, 4), (5, 32), (9, 300), (40, 300)):
        delays = [sender.backoff(attempts).total_seconds() for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
