"""What a person accepted and consented to, each with its version (docs/privacy.md#consents).

Two kinds of record, one collection (`consents`, `_id` = `<person>:<purpose>`, each change kept in `history`):

- The notice (告知书, `NOTICE`): the rules of processing every applicant reads before applying (个人信息保护法
  arts. 17, 30). It is no consent to the case: a centre handles a case as its statutory duty (art. 13(3)), so
  nothing here may hold up a case or an invitation. Its accepted version is recorded; when `config.yaml`'s
  `consent_versions` puts a newer one in force, the person's next visit asks again and says what changed
  (`pending`, and the mini-program's 409 `consent_required` from `require_current_notice`, asked only where new
  processing starts: a draft, an upload, subscribe messages). A person who never accepted one (a respondent,
  before any application) is not asked here: the application asks for it, a respondent is told at the first visit.
- Optional processing whose only basis is consent (art. 13(1)), `OPTIONAL`: each given by its own act, a sensitive
  one separately (art. 29); withdrawn at any time, at once (art. 15): `granted` is what every use asks first.

A version of a text is a catalogue key: `notice.<version>.text` / `.changes`, `consent.<purpose>.<version>.text` /
`.changes` (what changed since the version before, for the person asked again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from i18n import DEFAULT_LOCALE, catalogue, text
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import Conflict, NotFound, ServiceError

COLLECTION = "consents"
NOTICE = "notice"
GRANTED, WITHDRAWN, ACCEPTED = "granted", "withdrawn", "accepted"
GIVEN = "given"  # the notice given to a party at their first visit (art. 30): information, nothing asked of them


@dataclass(frozen=True)
class Purpose:
    """Optional processing a person may consent to: its version in force, and whether it reaches sensitive
    personal data (个人信息保护法 art. 28; GB/T 35273-2020 appendix B), which takes a separate consent (art. 29)."""

    id: str
    version: str
    sensitive: bool


# The optional processing of the service (docs/privacy.md#what-rests-on-consent). Nothing of a case rests on them.
OPTIONAL: dict[str, Purpose] = {
    # After the case ends the centre may ask how it was handled (回访): a call or a message to the phone given.
    "survey": Purpose("survey", "2026-01", sensitive=False),
    # A closed case, its names and numbers removed, may become a typical case or training material (services/library):
    # its facts may still tell of wages, health (a work injury) or other sensitive matters, hence a separate consent.
    "typical_case": Purpose("typical_case", "2026-01", sensitive=True),
}


class ConsentRequired(ServiceError):
    """409 `consent_required`: the notice changed since the person accepted it; `details` says which version to
    show and what changed (docs/contracts.md#errors)."""

    def __init__(self, version: str, changes: str) -> None:
        super().__init__(409, "consent_required", field="consent.version", version=version)
        self.details = {"consent": {"purpose": NOTICE, "version": version, "changes": changes}}


def current_notice(ctx: ServiceContext) -> str:
    return ctx.settings.consent_versions[-1]


def changes_of(key: str, locale: str = DEFAULT_LOCALE) -> str:
    """What changed in a text's version (`<key>.changes`); a general sentence where none was written."""
    return text(f"{key}.changes", locale) if catalogue().has(f"{key}.changes") else text("consent.changed", locale)


def _id(person_id: str, purpose: str) -> str:
    return f"{person_id}:{purpose}"


async def _write(
    ctx: ServiceContext, person_id: str, purpose: str, version: str, state: str, channel: str
) -> dict[str, Any]:
    now = ctx.clock()
    entry = {"version": version, "state": state, "at": now, "channel": channel}
    doc: dict[str, Any] = await ctx.db[COLLECTION].find_one_and_update(
        {"_id": _id(person_id, purpose)},
        {
            "$set": {"person_id": person_id, "purpose": purpose, "version": version, "state": state, "at": now},
            "$push": {"history": entry},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return doc


async def accepted_notice(ctx: ServiceContext, person_id: str) -> tuple[str, datetime | None]:
    """The notice version the person accepted last, and when: their own record, else the notice their newest
    application accepted ('', None: never)."""
    own = await ctx.db[COLLECTION].find_one({"_id": _id(person_id, NOTICE)}, {"version": 1, "at": 1})
    if own:
        return str(own["version"]), own.get("at")
    newest = ctx.db["cases"].find({"owner_person_id": person_id}, {"consent": 1}).sort("created_at", -1).limit(1)
    found = await newest.to_list(1)
    consent = (found[0] if found else {}).get("consent") or {}
    version = str(consent.get("version") or "")
    return ("", None) if version.startswith("docking:") else (version, consent.get("accepted_at"))


async def require_current_notice(ctx: ServiceContext, person_id: str) -> None:
    """409 `consent_required` when the person accepted a notice older than the one in force (new processing waits
    for them to read the new one); nothing for a person who never accepted one."""
    version, _ = await accepted_notice(ctx, person_id)
    current = current_notice(ctx)
    if version and version != current:
        raise ConsentRequired(current, changes_of(f"notice.{current}"))


async def accept_notice(ctx: ServiceContext, person_id: str, version: str, channel: str) -> dict[str, Any]:
    """The person accepted the notice in force (another version: 409 `consent_outdated`, naming the one in force)."""
    current = current_notice(ctx)
    if version != current:
        raise Conflict("consent_outdated", field="version", version=current)
    await _write(ctx, person_id, NOTICE, version, ACCEPTED, channel)
    return await status(ctx, person_id)


async def record_notice_given(ctx: ServiceContext, person_id: str, channel: str) -> None:
    """A respondent (or a delegated case's party) was given the notice in force at their first visit (art. 30):
    recorded, never asked of them as a condition. A notice they accepted already stays as it is."""
    own = await ctx.db[COLLECTION].find_one({"_id": _id(person_id, NOTICE)}, {"version": 1})
    if own is None or own["version"] != current_notice(ctx):
        await _write(ctx, person_id, NOTICE, current_notice(ctx), GIVEN, channel)


def _purpose(purpose: str) -> Purpose:
    found = OPTIONAL.get(purpose)
    if found is None:
        raise NotFound("consent_unknown")
    return found


async def grant(ctx: ServiceContext, person_id: str, purpose: str, version: str, channel: str) -> dict[str, Any]:
    """The person consents to one optional processing, in the version they read (another: 409 with the current)."""
    found = _purpose(purpose)
    if version != found.version:
        raise Conflict("consent_outdated", field="version", version=found.version)
    await _write(ctx, person_id, purpose, version, GRANTED, channel)
    return await status(ctx, person_id)


async def withdraw(ctx: ServiceContext, person_id: str, purpose: str, channel: str) -> dict[str, Any]:
    """Withdrawn at once (art. 15): from this write on, `granted` is False. The notice is no consent: 409."""
    if purpose == NOTICE:
        raise Conflict("notice_not_a_consent", field="purpose")
    found = _purpose(purpose)
    record = await ctx.db[COLLECTION].find_one({"_id": _id(person_id, purpose)}, {"version": 1})
    await _write(ctx, person_id, purpose, record["version"] if record else found.version, WITHDRAWN, channel)
    return await status(ctx, person_id)


async def granted(ctx: ServiceContext, person_id: str, purpose: str) -> bool:
    """Whether the person consents now to `purpose` in the version in force (an older one asks again)."""
    found = _purpose(purpose)
    record = await ctx.db[COLLECTION].find_one({"_id": _id(person_id, purpose)}, {"state": 1, "version": 1})
    return bool(record and record["state"] == GRANTED and record["version"] == found.version)


def _history(record: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [
        {"version": h["version"], "state": h["state"], "at": shanghai_iso(h["at"]), "channel": h.get("channel", "")}
        for h in (record or {}).get("history") or []
    ]


async def status(ctx: ServiceContext, person_id: str, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The notice and every optional consent as the person reads them: versions, state, what changed, history."""
    records = {
        r["purpose"]: r async for r in ctx.db[COLLECTION].find({"person_id": person_id}).sort("_id", 1).limit(50)
    }
    current = current_notice(ctx)
    notice = records.get(NOTICE)
    if notice is not None:
        accepted, accepted_at = str(notice["version"]), notice.get("at")
    else:
        accepted, accepted_at = await accepted_notice(ctx, person_id)
    optional = []
    for purpose in OPTIONAL.values():
        record = records.get(purpose.id)
        state = record["state"] if record else "none"
        outdated = state == GRANTED and record is not None and record["version"] != purpose.version
        key = f"consent.{purpose.id}.{purpose.version}"
        optional.append(
            {
                "purpose": purpose.id,
                "title": text(f"consent.{purpose.id}.title", locale),
                "text": text(f"{key}.text", locale),
                "version": purpose.version,
                "sensitive": purpose.sensitive,
                "state": "outdated" if outdated else state,
                "granted_version": record["version"] if record and state == GRANTED else None,
                "changes": changes_of(key, locale) if outdated else "",
                "history": _history(record),
            }
        )
    return {
        "notice": {
            "version": current,
            "accepted_version": accepted or None,
            "accepted_at": shanghai_iso(accepted_at),
            "current": accepted == current,
            "changes": changes_of(f"notice.{current}", locale) if accepted and accepted != current else "",
            "history": _history(notice),
        },
        "optional": optional,
    }


async def pending(ctx: ServiceContext, person_id: str, locale: str = DEFAULT_LOCALE) -> list[dict[str, str]]:
    """What the person's next visit asks again: the notice, and each consent given to a text that changed since."""
    seen = await status(ctx, person_id, locale)
    asked = []
    notice = seen["notice"]
    if notice["accepted_version"] and not notice["current"]:
        asked.append({"purpose": NOTICE, "version": notice["version"], "changes": notice["changes"]})
    asked += [
        {"purpose": c["purpose"], "version": c["version"], "changes": c["changes"]}
        for c in seen["optional"]
        if c["state"] == "outdated"
    ]
    return asked


async def forget(ctx: ServiceContext, person_id: str) -> int:
    """Every record of the person (an account closed): how many were removed."""
    result = await ctx.db[COLLECTION].delete_many({"person_id": person_id})
    return int(result.deleted_count)
