"""The partners we dock with (config.yaml `docking.partners` or DOCKING_PARTNERS_FILE): lookups and public views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.core.context import ServiceContext
from services.core.dates import read_moment
from services.core.errors import NotFound
from settings import Partner


def all_partners(ctx: ServiceContext) -> tuple[Partner, ...]:
    return ctx.settings.docking.partners


def get(ctx: ServiceContext, partner_id: str) -> Partner | None:
    return ctx.settings.docking.partner(partner_id)


def known(ctx: ServiceContext, partner_id: str) -> Partner:
    """A configured partner, or 404 (a partner removed from the configuration: its cases stay readable)."""
    partner = get(ctx, partner_id)
    if partner is None:
        raise NotFound("partner_unknown", partner=partner_id[:40])
    return partner


def by_name(ctx: ServiceContext, name: str, kind: str) -> Partner | None:
    """The partner of `kind` called `name` (the court where a centre sits, a case's arbitration commission)."""
    return next((p for p in ctx.settings.docking.partners if p.kind == kind and p.name == name), None)


def view(partner: Partner) -> dict[str, Any]:
    """What the back office shows of a partner (never its key)."""
    return {
        "id": partner.id,
        "kind": partner.kind,
        "name": partner.name,
        "court_code": partner.court_code,
        "answer_working_days": partner.answer_working_days,
        "mediation_days": partner.mediation_days,
        "extension_cap_days": partner.extension_cap_days,
    }


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def partner_time(value: Any, now: datetime) -> datetime:
    """A time a partner sends (ISO 8601 with its offset), from 2000 to a year after `now` (a sanity range: clocks
    and dates written ahead stay welcome); ValueError otherwise.

    A time at the calendar's edge (year 1 at +14:00) parses but cannot be converted or stored (OverflowError):
    it is refused here with the rest, so that it never reaches the database."""
    try:
        moment = read_moment(value)
        if moment is None or moment.tzinfo is None:
            raise ValueError("no offset")
        in_utc = moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(str(exc)) from exc
    if not EARLIEST <= in_utc <= now + timedelta(days=366):
        raise ValueError("out of range")
    return moment
