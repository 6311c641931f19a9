"""Collective-dispute early warning: many workers with a common claim against one employer, or a collective contract.

- 10 or more workers (a configurable threshold, 劳动争议调解仲裁法 art. 7: "劳动者一方在十人以上，并有共同请求")
  applying against the same employer (credit code, else normalised name) within a configurable window, their
  claims in the same category (data/claim_words.yaml), raise an alert;
- any claim on a collective contract raises one at once (劳动人事争议仲裁办案规则 art. 5);
- a layoff of 20 or more people, or 10 % or more, named in the claim's text (劳动合同法 art. 41) is a softer flag.
An alert links its cases (an event on each, through the case writer: the statistics count them as collective),
shows on the back office of the centre's administrators and those above, offers the special procedure
(the workers elect representatives, art. 7), and queues a message to administrators who opted in.
Checked once per worker application, with one read of the employer's recent applications.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import cn2an
import yaml
from pymongo import ReturnDocument

from i18n import msg
from services.accounts.staff import CENTRE_ADMIN, StaffMember, centre_filter, visible_centres
from services.cases import moves
from services.cases.outbox import staff_notice
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import Conflict, NotFound, ServiceError, invalid
from services.directory import centres

ALERTS = "alerts"
WORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "claim_words.yaml"
LAYOFF_PEOPLE, LAYOFF_SHARE = 20, 10  # 劳动合同法 art. 41: 20 or more, or 10 % or more of the workforce


@dataclass(frozen=True)
class ClaimWords:
    categories: dict[str, tuple[str, ...]]
    collective_contract: tuple[str, ...]
    layoff: tuple[str, ...]
    people: re.Pattern[str]  # "25名", "二十人": group 1 the number
    share: re.Pattern[str]  # "15%", "百分之十五": group 1 or 2 the number


@lru_cache(maxsize=1)
def claim_words() -> ClaimWords:
    raw = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    return ClaimWords({k: tuple(v) for k, v in raw["categories"].items()}, tuple(raw["collective_contract"]),
                      tuple(raw["layoff"]), re.compile(raw["people"]), re.compile(raw["share"]))  # fmt: skip


def categories_of(claim_text: str) -> set[str]:
    found = {name for name, words in claim_words().categories.items() if any(w in claim_text for w in words)}
    return found or {"other"}


def _number(value: str) -> float:
    try:
        return float(value) if value[0].isdigit() else float(cn2an.cn2an(value, "smart"))
    except (ValueError, IndexError):
        return 0.0


def layoff_named(claim_text: str) -> bool:
    """A layoff of 20 or more people, or 10 % or more, named in the text (the applicant's figures)."""
    if not any(w in claim_text for w in claim_words().layoff):
        return False
    people = max((_number(m.group(1)) for m in claim_words().people.finditer(claim_text)), default=0)
    share = max((_number(m.group(1) or m.group(2)) for m in claim_words().share.finditer(claim_text)), default=0)
    return people >= LAYOFF_PEOPLE or share >= LAYOFF_SHARE


def _claim_text(doc: dict[str, Any]) -> str:
    claim = doc.get("claim") or {}
    return f"{claim.get('requests', '')}\n{claim.get('facts', '')}"


def _worker(doc: dict[str, Any]) -> str:
    """One worker however many applications they file: their person, or the first identity-number hash."""
    return doc.get("owner_person_id") or (doc.get("id_hashes") or [doc["_id"]])[0]


async def check_new_case(ctx: ServiceContext, doc: dict[str, Any]) -> list[str]:
    """After a worker's application is stored: raise or join alerts; the ids of the alerts it is in."""
    if doc.get("kind") != "worker" or not doc.get("employer_key"):
        return []
    settings = ctx.settings
    claim_text = _claim_text(doc)
    raised: list[str] = []
    if any(w in claim_text for w in claim_words().collective_contract):
        raised.append(await _raise(ctx, doc, "collective_contract", "contract", [doc]))
    if layoff_named(claim_text):
        raised.append(await _raise(ctx, doc, "layoff", "layoff", [doc]))
    since = doc["created_at"] - timedelta(days=settings.collective_window_days)
    recent = await ctx.db["cases"].find(
        {"employer_key": doc["employer_key"], "created_at": {"$gte": since}},
        {"owner_person_id": 1, "id_hashes": 1, "claim.requests": 1, "claim.facts": 1, "kind": 1, "collective": 1,
         "created_at": 1, "status": 1},
    ).to_list(None)  # fmt: skip
    recent = [d for d in recent if d.get("kind") == "worker"]
    for category in sorted(categories_of(claim_text)):
        common = [d for d in recent if category in categories_of(_claim_text(d))]
        if len({_worker(d) for d in common}) >= settings.collective_threshold:
            raised.append(await _raise(ctx, doc, "collective", category, common))
    return raised


async def _raise(ctx: ServiceContext, doc: dict[str, Any], kind: str, category: str, cases: list[dict]) -> str:
    """The employer's open alert of this kind and category, created or grown; its cases linked."""
    now = ctx.clock()
    serials = sorted({d["_id"] for d in cases})
    workers = len({_worker(d) for d in cases})
    known = await centres.directory(ctx)
    centre = doc["centre"]["id"]
    above = [c.id for c in known.ancestors(centre)]
    employer = doc.get("respondent") or {}
    alert = await ctx.db[ALERTS].find_one_and_update(
        {"_id": f"{kind}:{category}:{doc['employer_key']}:open"},
        {"$setOnInsert": {"kind": kind, "category": category, "employer_key": doc["employer_key"],
                          "employer_name": employer.get("name", ""), "centre_id": centre, "centres": [centre, *above],
                          "raised_at": now, "state": "open", "raised_by": doc["_id"],
                          "window_days": ctx.settings.collective_window_days},
         "$addToSet": {"serials": {"$each": serials}},
         "$max": {"workers": workers}, "$set": {"updated_at": now}},
        upsert=True, return_document=ReturnDocument.AFTER,
    )  # fmt: skip
    for case in cases if kind != "layoff" else ():  # a layoff named is a flag: it makes no case collective
        if not case.get("collective"):  # each case is linked once, to the first alert it falls in
            await moves.record_event(
                ctx, case["_id"], "collective_linked", ("system", "collective"), "system", case["status"],
                when={"collective": None}, set_fields={"collective": {"alert": alert["_id"], "kind": kind}},
                data={"alert": alert["_id"]}, note=employer.get("name", "")[:50],
            )  # fmt: skip
    if alert.get("raised_by") == doc["_id"]:  # raised by this case: tell the administrators who asked to be told
        await _message_administrators(ctx, alert, [centre, *above[:1]])
    return alert["_id"]


async def _message_administrators(ctx: ServiceContext, alert: dict[str, Any], centre_ids: list[str]) -> None:
    """Queue a message (SMS) to the opted-in administrators of the centre and the level above."""
    admins = await ctx.db["staff"].find(
        {"centre_id": {"$in": centre_ids}, "role": CENTRE_ADMIN, "active": True, "profile.alerts_opt_in": True},
        {"phone": 1},
    ).to_list(None)  # fmt: skip
    now = ctx.clock()
    lines = [("employer", str(alert.get("employer_name") or "")[:20]), ("workers", str(alert.get("workers") or ""))]
    for admin in admins:
        if admin.get("phone"):
            # The message of kind collective_alert, sent through its SMS template (notification_templates).
            message = staff_notice(admin["_id"], "collective_alert", "/office/alerts", now, lines)
            message["_id"] = message.pop("id")
            await ctx.db["staff_messages"].insert_one(message | {"phone": admin["phone"], "alert": alert["_id"]})


# ---------------------------------------------------------------------------------------------
# What administrators read and do.


async def open_count(ctx: ServiceContext, member: StaffMember) -> int:
    """Open alerts the member sees (the back office's banner); 0 for mediators."""
    if member.role == "mediator":
        return 0
    query = {"state": "open"} | centre_filter(await visible_centres(ctx, member), "centre_id")
    return await ctx.db[ALERTS].count_documents(query)


def _view(alert: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": alert["_id"], "kind": alert["kind"], "category": alert["category"],
        "employer": alert.get("employer_name", ""), "employer_key": alert["employer_key"],
        "centre_id": alert["centre_id"], "serials": alert.get("serials", []), "workers": alert.get("workers", 0),
        "state": alert.get("state"), "raised_at": shanghai_iso(alert.get("raised_at")),
        "window_days": alert.get("window_days"), "special_procedure": alert.get("special_procedure"),
    }  # fmt: skip


async def alerts_for(ctx: ServiceContext, member: StaffMember, state: str = "") -> list[dict[str, Any]]:
    if member.role == "mediator":
        raise ServiceError(403, "forbidden", msg("error.forbidden.alerts"))
    query = centre_filter(await visible_centres(ctx, member), "centre_id")
    if state:
        query["state"] = state
    docs = await ctx.db[ALERTS].find(query).sort("raised_at", -1).limit(200).to_list(200)
    return [_view(d) for d in docs]


async def start_special_procedure(
    ctx: ServiceContext, member: StaffMember, alert_id: str, representatives: str
) -> dict[str, Any]:
    """The special procedure of art. 7: the workers' elected representatives (3 to 5 names) take part for all."""
    names = [n.strip() for n in re.split(r"[\s,，、;；]+", representatives or "") if n.strip()]
    if not 1 <= len(names) <= 5 or any(len(n) > 50 for n in names):
        raise invalid("representatives", "invalid", "error.invalid.representatives")
    visible = await visible_centres(ctx, member)
    alert = await ctx.db[ALERTS].find_one({"_id": alert_id})
    if alert is None or member.role == "mediator" or (visible is not None and alert["centre_id"] not in visible):
        raise NotFound("alert_not_found")
    if alert.get("special_procedure"):
        raise Conflict("special_procedure_started")
    procedure = {"representatives": names, "started_at": ctx.clock(), "started_by": member.login}
    updated = await ctx.db[ALERTS].find_one_and_update(
        {"_id": alert_id, "special_procedure": None},
        {"$set": {"special_procedure": procedure, "state": "handled"}}, return_document=ReturnDocument.AFTER,
    )  # fmt: skip
    if updated is None:
        raise Conflict("special_procedure_started")
    linked = await ctx.db["cases"].find({"_id": {"$in": updated.get("serials", [])}}, {"status": 1}).to_list(None)
    for case in linked:
        await moves.record_event(ctx, case["_id"], "special_procedure", ("staff", member.login), "backoffice",
                                 case["status"], note=", ".join(names))  # fmt: skip
    return _view(updated)
