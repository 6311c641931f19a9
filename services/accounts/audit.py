"""The audit trail: who saw (a number revealed, a document or evidence downloaded, a file viewed, a case page read)
or changed what (centres, mediators' records), and when; readable and exportable by system administrators.

Every look at personal data is recorded (docs/privacy.md#every-look-is-recorded): the services record what they know
best (a number revealed, a download), and a handler that declares it reveals personal data (handlers/access.py)
records its own look when nothing else of the request did (`watch`). A record names who, what and when, never the
data itself. The people whose data it is read who looked, by role and centre (services/privacy/my_data.py).
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from i18n import DEFAULT_LOCALE, catalogue, msg, text
from services.accounts.staff import SYSTEM_ADMIN, StaffMember
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.dates import parse_date
from services.core.errors import ServiceError
from services.core.text import half_width

# What this request recorded so far (`watch`): a handler's own record of a look is needed only when none was made.
_RECORDED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("audit_recorded", default=None)
PARTNER_ROLE = "partner"  # a court or an arbitration institute reading a delegated case over the docking API
PERSON_ROLE = "person"  # a party given a copy of their own data
RECORD_FIELDS = frozenset({"_id", "at", "who", "role", "centre", "action", "serial"})  # a record's own; never details


def watch() -> list[str]:
    """Start noting the records this request (this task's context) makes; the list fills as they are made."""
    recorded: list[str] = []
    _RECORDED.set(recorded)
    return recorded


async def record(ctx: ServiceContext, member: StaffMember, action: str, serial: str, /, **details: Any) -> None:
    """Append one record (`reveal` of a number, `document_download`, ...); never the clear values themselves."""
    await record_actor(ctx, member.login, member.role, member.centre_id, action, serial, **details)


async def record_actor(
    ctx: ServiceContext, who: str, role: str, centre: str, action: str, serial: str, /, **details: Any
) -> None:
    """One record for any reader: a staff member (their centre), a partner (`PARTNER_ROLE`), a party. A detail never
    takes the name of the record's own fields (`RECORD_FIELDS`): a centre acted upon is `subject_centre`."""
    clashing = sorted(details.keys() & RECORD_FIELDS)
    if clashing:
        raise ValueError(f"audit details may not be named {clashing}: the record's own fields")
    await ctx.db["audit"].insert_one(
        {
            "_id": uuid.uuid4().hex,
            "at": ctx.clock(),
            "who": who,
            "role": role,
            "centre": centre,
            "action": action,
            "serial": serial,
            **details,
        }
    )
    recorded = _RECORDED.get()
    if recorded is not None:
        recorded.append(action)


# ---------------------------------------------------------------------------------------------
# Reading the trail: system administrators only. Records are never deleted by the service (kept well beyond
# the 180 days asked for); an operator may add a TTL index on `at` longer than that.

PAGE = 200
MAX_EXPORT = 100_000


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""
    action: str = ""
    serial: str = ""
    date_from: date | None = None
    date_to: date | None = None


def parse_filter(query: Mapping[str, str]) -> AuditFilter:
    def day(name: str) -> date | None:
        value = (query.get(name) or "").strip()
        return parse_date(value, name, "error.invalid.date") if value else None

    return AuditFilter(
        who=(query.get("who") or "").strip().lower()[:32],
        action=(query.get("action") or "").strip()[:40],
        serial=half_width(query.get("serial") or "")[:20],  # a serial typed on a Chinese keyboard is found
        date_from=day("from"),
        date_to=day("to"),
    )


def _query(filters: AuditFilter) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for name in ("who", "action", "serial"):
        if getattr(filters, name):
            query[name] = getattr(filters, name)
    at: dict[str, Any] = {}
    if filters.date_from:
        at["$gte"] = datetime.combine(filters.date_from, time(), SHANGHAI).astimezone(UTC)
    if filters.date_to:
        at["$lt"] = datetime.combine(filters.date_to + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    if at:
        query["at"] = at
    return query


def _check_reader(member: StaffMember) -> None:
    if member.role != SYSTEM_ADMIN:
        raise ServiceError(403, "forbidden", msg("error.forbidden.audit"))


# The actions the services record, as the log's filter offers them (words: `audit.action.<code>`).
ACTIONS = (
    "reveal",
    "document_download",
    "evidence_download",
    "file_view",
    "stats_export",
    "audit_export",
    "centre_create",
    "centre_update",
    "centre_activate",
    "centre_deactivate",
    "profile_update",
    "figure.save",
    "figure.remove",
    # every look at personal data (handlers/access.py's declarations) and what staff changed beside a case
    "case_view",
    "queue_view",
    "alerts_view",
    "audit_view",
    "mediators_view",
    "roster_view",
    "staff_view",
    "stats_view",
    "training_view",
    "delegation_state",
    "my_data_copy",
    "store_backup",
    "evidence_note",
    "retention_run",
)


def _words(key: str, code: object, locale: str) -> str:
    """A code in words (a code recorded by a newer version, unknown to this catalogue, as it is)."""
    return text(key, locale) if catalogue().has(key) else str(code)


def _detail(name: str, value: Any, locale: str) -> str:
    if isinstance(value, bool):
        shown = text("label.yes" if value else "label.no", locale)
    elif name == "file":
        shown = _words(f"audit.file.{value}", value, locale)
    elif isinstance(value, Mapping):
        shown = ", ".join(f"{k}={v}" for k, v in value.items())
    else:
        shown = str(value)
    return f"{_words(f'audit.detail.{name}', name, locale)}: {shown}"


def _row(record: dict[str, Any], locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """A record as people read it: the time to the second in Asia/Shanghai, the role and the action in words."""
    details = {k: v for k, v in record.items() if k not in RECORD_FIELDS}
    role, action = record.get("role", ""), record["action"]
    return {
        "at": shanghai_iso(record["at"])[:19].replace("T", " "),
        "who": record["who"],
        "role": _words(f"staff.role.{role}", role, locale) if role else "",
        "action": _words(f"audit.action.{action}", action, locale),
        "action_code": action,
        "serial": record.get("serial", ""),
        "details": "; ".join(_detail(k, v, locale) for k, v in sorted(details.items())),
    }


def action_choices(locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """The filter's choices: each action the services record, in words."""
    return {code: _words(f"audit.action.{code}", code, locale) for code in ACTIONS}


async def search(
    ctx: ServiceContext, member: StaffMember, filters: AuditFilter, locale: str = DEFAULT_LOCALE
) -> list[dict[str, Any]]:
    """The newest records matching the filters (a page of PAGE); who saw or changed what, when."""
    _check_reader(member)
    docs = await ctx.db["audit"].find(_query(filters)).sort("at", -1).limit(PAGE).to_list(PAGE)
    return [_row(d, locale) for d in docs]


async def export_rows(ctx: ServiceContext, member: StaffMember, filters: AuditFilter) -> list[list[str]]:
    """Every matching record (up to MAX_EXPORT) as rows for a spreadsheet; the export itself is recorded."""
    _check_reader(member)
    docs = await ctx.db["audit"].find(_query(filters)).sort("at", -1).limit(MAX_EXPORT).to_list(MAX_EXPORT)
    await record(ctx, member, "audit_export", "", rows=len(docs))
    return [[r["at"], r["who"], r["role"], r["action"], r["serial"], r["details"]] for r in map(_row, docs)]
