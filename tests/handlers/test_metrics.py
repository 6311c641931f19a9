"""Issue 22: `/metrics` in Prometheus' format serves the figures a centre watches, to loopback or with the token of
the environment (METRICS_TOKEN), and to nobody else."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from handlers import metrics
from handlers.metrics import is_loopback
from services.accounts import lockout
from services.cases import handling
from services.notify import backlog
from tests.support.app import body_of, make_staff, sign_in
from tests.support.cases import MEDIATOR
from tests.support.samples import worker_body

TOKEN = "metrics-token-for-the-test"
FIGURES = {
    "mediation_http_requests",  # by method, route and status (a counter's family drops `_total`)
    "mediation_http_request_duration_seconds",
    "mediation_outbox_depth",
    "mediation_outbox_oldest_age_seconds",
    "mediation_notification_failures",
    "mediation_docking_events_pending",
    "mediation_docking_events_oldest_age_seconds",
    "mediation_journal_sync_seconds",
    "mediation_journal_synced_bytes",
    "mediation_journal_bytes",
    "mediation_snapshot_bytes",
    "mediation_journal_compactions",
    "mediation_lockouts",
}


@pytest.fixture
def env_overrides(tmp_path):
    return {
        "METRICS_TOKEN": TOKEN,
        "NOTIFICATION_SENDER": "off",
        "MONGODB_URI": f"embedded:{tmp_path / 'db'}",  # the durable engine: its journal's figures too
    }


def samples(body: bytes) -> dict[str, list]:
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(body.decode()):
        out[family.name] = family.samples
    return out


def value(figures: dict[str, list], name: str, sample: str, **labels: str) -> float:
    return sum(
        s.value
        for s in figures.get(name, [])
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
    )


@pytest.mark.gen_test(timeout=60)
async def test_metrics_serve_the_figures_a_centre_watches(app, api, wechat, http_client, base_url, cheap_hashing):
    ctx = app.settings["services"].ctx
    token = await sign_in(api, wechat)
    made = await api.call(
        "POST",
        "/api/mp/applications",
        worker_body() | {"evidence": []},
        token=token,
        headers={"Idempotency-Key": "metrics-0001"},
    )
    assert made.code == 201, made.body
    serial = body_of(made)["serial"]
    await make_staff(ctx, MEDIATOR.login, MEDIATOR.role, MEDIATOR.centre_id, MEDIATOR.name)
    await handling.decide(ctx, MEDIATOR, serial, "accept", {})  # the invitation and the applicant's notice wait
    before = samples((await http_client.fetch(base_url + "/metrics")).body)
    for _ in range(lockout.MAX_FAILURES):
        await api.call("GET", f"/api/mp/applications/{serial}", token=token)
    await api.call("GET", "/api/mp/applications/20990101000001", token=token)  # a 404, counted under its route
    response = await http_client.fetch(base_url + "/metrics")
    assert response.code == 200 and response.headers["Content-Type"].startswith("text/plain; version=")
    figures = samples(response.body)
    assert FIGURES <= set(figures), sorted(FIGURES - set(figures))
    route = "/api/mp/applications/{serial}"
    ok = {"method": "GET", "route": route, "status": "200"}
    grown = value(figures, "mediation_http_requests", "mediation_http_requests_total", **ok) - value(
        before, "mediation_http_requests", "mediation_http_requests_total", **ok
    )
    assert grown == lockout.MAX_FAILURES
    assert value(figures, "mediation_http_requests", "mediation_http_requests_total", route=route, status="404") >= 1
    assert not [s for s in figures["mediation_http_requests"] if "20990101000001" in s.labels.get("route", "")]
    latency = "mediation_http_request_duration_seconds"
    assert value(figures, latency, latency + "_count", method="GET", route=route) >= lockout.MAX_FAILURES + 1
    waiting = await backlog.figures(ctx)
    assert waiting.outbox_depth >= 2 and value(figures, "mediation_outbox_depth", "mediation_outbox_depth") == (
        waiting.outbox_depth
    )
    assert value(figures, "mediation_outbox_oldest_age_seconds", "mediation_outbox_oldest_age_seconds") >= 0
    assert value(figures, "mediation_journal_sync_seconds", "mediation_journal_sync_seconds_count") > 0
    assert value(figures, "mediation_journal_bytes", "mediation_journal_bytes") > 0


@pytest.mark.gen_test(timeout=60)
async def test_lockouts_are_counted(app, office, http_client, base_url):
    await make_staff(app, "locked.out")
    await office.get("/office/login")
    before = samples((await http_client.fetch(base_url + "/metrics")).body)
    for _ in range(lockout.MAX_FAILURES):
        await office.post("/office/login", {"login": "locked.out", "password": "wrong-password-0"})
    after = samples((await http_client.fetch(base_url + "/metrics")).body)
    for kind in ("account", "address"):
        labels = {"scope": "staff", "kind": kind}
        grown = value(after, "mediation_lockouts", "mediation_lockouts_total", **labels) - value(
            before, "mediation_lockouts", "mediation_lockouts_total", **labels
        )
        assert grown == 1, kind


@pytest.mark.gen_test
async def test_strangers_are_refused_and_the_token_lets_them_in(app, http_client, base_url, monkeypatch):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("203.0.113.9")
    assert not is_loopback("not an address")
    # Every caller a stranger, as the public is behind the load balancer (BEHIND_PROXY: the address of X-Real-IP).
    monkeypatch.setattr(metrics, "is_loopback", lambda address: False)
    refused = await http_client.fetch(base_url + "/metrics", raise_error=False)
    assert refused.code == 404 and b"mediation_" not in refused.body
    wrong = await http_client.fetch(
        base_url + "/metrics", headers={"Authorization": "Bearer not-the-token"}, raise_error=False
    )
    assert wrong.code == 404 and b"mediation_" not in wrong.body
    allowed = await http_client.fetch(base_url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.code == 200 and b"mediation_http_requests_total" in allowed.body
