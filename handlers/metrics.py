"""What a centre's monitoring watches: `GET /metrics` in Prometheus' text format (prometheus_client).

Counted as it happens, in this process: requests by route, method and status, and their latency (here, from the
request log); notification deliveries that did not succeed, by channel (services/notify/sender.py); sign-in
lockouts (services/accounts/lockout.py); the durable journal's syncs, bytes and compactions (store/journal.py).
Read from the database when scraped (the same for every process of one database): the notification outbox's depth
and oldest age, the docking events waiting for a court or institute and the oldest (services/notify/backlog.py);
the journal's and the snapshot's sizes on the embedded engine. Plus prometheus_client's own process figures.

Served only to a caller on loopback (a Prometheus beside the process, or an operator's `curl` on the machine) or
with `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets a 404, as for an address that does not exist.
Behind the load balancer (`BEHIND_PROXY=true`) the caller's address is the client's, never the proxy's, so the
public reaches /metrics only with the token. Each process serves its own counts: scrape each one (docs/operations.md).
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from tornado.routing import PathMatches

from handlers.access import OPERATOR, proved_by
from handlers.base import ApiHandler, log_request
from services.notify import backlog

REQUESTS = Counter("mediation_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "mediation_http_request_duration_seconds",
    "Time from a request's first byte to its answer (the durable engine's sync included)",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
OUTBOX_DEPTH = Gauge("mediation_outbox_depth", "Notifications to people waiting to be delivered (pending or claimed)")
OUTBOX_OLDEST = Gauge("mediation_outbox_oldest_age_seconds", "Age of the oldest notification still waiting")
DOCKING_PENDING = Gauge("mediation_docking_events_pending", "Events for courts and institutes not yet taken by them")
DOCKING_OLDEST = Gauge("mediation_docking_events_oldest_age_seconds", "Age of the oldest docking event still waiting")
JOURNAL_BYTES = Gauge("mediation_journal_bytes", "The embedded engine's journals since its snapshot, in bytes")
SNAPSHOT_BYTES = Gauge("mediation_snapshot_bytes", "The embedded engine's snapshot, in bytes")
UNMATCHED = "(unmatched)"  # a path no route matched (the not-found handler): never the path itself


def route_labels(app: tornado.web.Application) -> None:
    """Learn, once at start, each handler class's route templates (`/api/mp/applications/{serial}/page`): the
    `route` label, bounded by the route table whatever the paths asked for."""
    labels: dict[type, list[tuple[Any, str]]] = {}
    for rule in app.wildcard_router.rules:
        matcher, target = rule.matcher, rule.target
        if isinstance(target, type) and isinstance(matcher, PathMatches):
            labels.setdefault(target, []).append((matcher.regex, _template(matcher, matcher.regex.pattern)))
    app.settings["route_labels"] = labels


def _template(matcher: Any, pattern: str) -> str:
    reverse = getattr(matcher, "_path", None)  # Tornado's reversible form: "/api/mp/applications/%s/page"
    names = sorted(matcher.regex.groupindex, key=matcher.regex.groupindex.get)
    if reverse is None or reverse.count("%s") != matcher.regex.groups:
        return pattern.rstrip("$")
    return reverse.replace("%%", "%") % tuple(f"{{{name}}}" for name in names) if names else reverse


def route_of(handler: tornado.web.RequestHandler) -> str:
    labels: dict[type, list[tuple[Any, str]]] = handler.application.settings.get("route_labels") or {}
    candidates = labels.get(type(handler), [])
    if len(candidates) == 1:
        return candidates[0][1]
    path = handler.request.path
    return next((label for regex, label in candidates if regex.match(path)), UNMATCHED)


def log_and_count(handler: tornado.web.RequestHandler) -> None:
    """Tornado's log function: the request's log line (handlers/base.py), and its counts."""
    log_request(handler)
    route, method = route_of(handler), handler.request.method or ""
    REQUESTS.labels(method, route, str(handler.get_status())).inc()
    LATENCY.labels(method, route).observe(handler.request.request_time())


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class MetricsHandler(ApiHandler):
    """GET /metrics: the figures above, to loopback or the holder of METRICS_TOKEN (a JSON 404 to anyone else)."""

    @proved_by(OPERATOR)
    async def get(self) -> None:
        if not self.may_read():
            raise tornado.web.HTTPError(404)
        figures = await backlog.figures(self.ctx)
        OUTBOX_DEPTH.set(figures.outbox_depth)
        OUTBOX_OLDEST.set(figures.outbox_oldest_seconds)
        DOCKING_PENDING.set(figures.docking_pending)
        DOCKING_OLDEST.set(figures.docking_oldest_seconds)
        journal = getattr(self.application.settings.get("mongo_client"), "journal", None)
        JOURNAL_BYTES.set(getattr(journal, "journal_bytes", 0))
        SNAPSHOT_BYTES.set(getattr(journal, "snapshot_bytes", 0))
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.set_header("Cache-Control", "no-store")
        self.finish(generate_latest(REGISTRY))

    def may_read(self) -> bool:
        token = self.ctx.settings.metrics_token
        scheme, _, given = self.request.headers.get("Authorization", "").partition(" ")
        if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
        return is_loopback(self.request.remote_ip or "")


routes = [(r"/metrics", MetricsHandler)]
