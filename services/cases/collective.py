"""Collective-dispute early warning: many workers with a common claim against one employer, or a collective contract.

- 10 or more workers (a configurable threshold, 劳动争议调解仲裁法 art. 7: "劳动者一方在十人以上，并有共同请求")
  applying against the same employer (credit code, else normalised name) within a configurable window, their
  claims in the same category (data/claim_words.yaml), raise an alert;
- any claim on a collective contract raises one at once (劳动人事争议仲裁办案规则 art. 5);
- a layoff of 20 or more people, or 10 % or more, named in the claim's text (劳动合同法 art. 41) is a softer flag.
An alert links its cases (an event on each, through the case writer: the statistics count them as collective),
shows on the back office of the centre's administrators and those above, offers the special procedure
(the workers elect representatives, art. 7), and queues a message to administrators who opted in.

Checked once per worker application, without reading the employer's cases. Each employer has a tally
(`collective_tallies`, `_id` its key) holding, per category and Shanghai day, the workers who applied (`w`: a short
hash of the worker -> their latest application that day) and the cases not yet in an alert (`p`: serial -> filed
at). One update records the new case (with the others against the employer stored at the same time) and returns
its categories' tallies; the workers who applied since `created_at - window` (to the second, not by whole days)
are counted from them. Below the threshold that is all.
At or above it, the alert is raised or grown, the window's pending cases become its members (`alert_cases`, one
small document each, so the alert never grows) and are linked, then leave `p`: once an alert took the earlier
ones, the new case alone. Days a whole window before the window are dropped now and then. Every write is
idempotent or conditional (a case is linked only while it has no `collective`): concurrent submissions at worst
do the same thing twice, to no effect.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import cn2an
import yaml
from pymongo import ReturnDocument, UpdateOne

from i18n import msg
from services.accounts.staff import CENTRE_ADMIN, StaffMember, centre_filter, visible_centres
from services.cases import moves
from services.cases.outbox import staff_notice
from services.core.context import SHANGHAI, ServiceContext, shanghai_iso
from services.core.errors import Conflict, NotFound, ServiceError, invalid
from services.core.group_commit import group_of
from services.directory import centres

ALERTS = "alerts"
MEMBERS = "alert_cases"  # one small document per case in an alert: `_id` "<alert>|<serial>" (an alert never grows)
TALLIES = "collective_tallies"  # per employer: who applied, per category and day (see above)
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
    for name in raw["categories"]:  # field names of the tally: no dots, no "$", not "_id"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"{WORDS_FILE.name}: category {name!r} must be lower-case letters, digits and _")
    return ClaimWords(
        {k: tuple(v) for k, v in raw["categories"].items()},
        tuple(raw["collective_contract"]),
        tuple(raw["layoff"]),
        re.compile(raw["people"]),
        re.compile(raw["share"]),
    )


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


def _claim_text(doc: Mapping[str, Any]) -> str:
    claim = doc.get("claim") or {}
    return f"{claim.get('requests', '')}\n{claim.get('facts', '')}"


def _worker(doc: Mapping[str, Any]) -> str:
    """One worker however many applications they file: their person, or the first identity-number hash."""
    worker: str = doc.get("owner_person_id") or (doc.get("id_hashes") or [doc["_id"]])[0]
    return worker


async def check_new_case(ctx: ServiceContext, doc: Mapping[str, Any]) -> list[str]:
    """After a worker's application is stored: raise or join alerts; the ids of the alerts it is in.

    Checked together with the applications stored at the same time (services/core/group_commit.py), employer by
    employer: the cases of one employer are recorded in its tally by one command and linked to an alert together.
    Below the threshold that one command is all; at or above it, with an alert open, four more for the group (the
    alert, its new members, the tally's pending entries removed) and one per case (its link), plus one read of the
    statuses of the cases filed while the count was below, when there are such cases (when the alert is raised).
    """
    if doc.get("kind") != "worker" or not doc.get("employer_key"):
        return []
    return await group_of(ctx, TALLIES, _check_together)(doc)


async def _check_together(ctx: ServiceContext, docs: list[Mapping[str, Any]]) -> list[list[str] | Exception]:
    """Each employer's new cases checked as one; a fault fails the cases it kept from being checked, no other."""
    by_employer: dict[str, list[Mapping[str, Any]]] = {}
    for doc in docs:
        by_employer.setdefault(doc["employer_key"], []).append(doc)
    raised: dict[str, list[str] | Exception] = {}
    for group in by_employer.values():
        try:
            raised |= await _check_employer(ctx, group)
        except Exception as exc:  # noqa: BLE001 - the tally or its tidying: given to the callers of these cases
            raised |= dict.fromkeys((doc["_id"] for doc in group), exc)
    return [raised[doc["_id"]] for doc in docs]


@dataclass
class _Raise:
    """An alert the cases of one check raise or join: the case that reached the threshold first, the most workers
    counted and the cases it takes (serial -> its day in the tally)."""

    by: Mapping[str, Any]
    workers: int = 0
    serials: dict[str, str] = field(default_factory=dict)


async def _check_employer(ctx: ServiceContext, docs: list[Mapping[str, Any]]) -> dict[str, list[str] | Exception]:
    """New cases against one employer, in the order they were stored: the alerts each is in, or the fault that kept
    it from being checked whole, by serial.

    The tally first, for all of them (one command), so that each is counted whatever happens to the others. Then
    each case as its check alone would go, in the same order: from the tally as it was before them and what the
    earlier ones added, the case that brings the count to the threshold raises the alert and takes the pending
    cases, and each later one joins it. The writes follow, one per alert and one per link."""
    categories = {doc["_id"]: sorted(categories_of(_claim_text(doc))) for doc in docs}
    tallies = await _record(ctx, docs, categories)  # as they were before these cases
    # The cases this check may link (serial -> status, None once linked or found linked): the new ones, then those
    # filed while the count was below the threshold, read when it is reached.
    unlinked: dict[str, str | None] = {doc["_id"]: doc["status"] for doc in docs}
    results: dict[str, list[str] | Exception] = {}
    for doc in docs:  # a collective contract, a layoff named: an alert of the case's own, first
        results[doc["_id"]] = await _own_alerts(ctx, doc, unlinked)
    window = timedelta(days=ctx.settings.collective_window_days)
    raises: dict[str, _Raise] = {}
    for doc in docs:
        day, at, since = _day(doc["created_at"]), doc["created_at"], doc["created_at"] - window
        worker = _worker_field(doc)
        for category in categories[doc["_id"]]:
            days = tallies.setdefault(category, {})
            entry = days.setdefault(day, {})
            seen = entry.setdefault("w", {})
            seen[worker] = max(at, seen.get(worker, at))
            entry.setdefault("p", {})[doc["_id"]] = at
            workers = {w for d in days.values() for w, when in (d.get("w") or {}).items() if when >= since}
            if len(workers) < ctx.settings.collective_threshold:
                continue  # pending: a later case may reach the threshold
            alert = raises.setdefault(category, _Raise(doc))
            alert.workers = max(alert.workers, len(workers))
            for d, entries in days.items():
                for serial, when in list((entries.get("p") or {}).items()):
                    if when >= since:
                        alert.serials[serial] = d
                        del entries["p"][serial]  # taken: it leaves the pending ones
    tidy: dict[str, str] = {}  # the tally's fields to remove: pending entries linked now, days long past
    for category, alert in raises.items():
        faults: dict[str, Exception] = {}
        alert_id = ""
        try:
            await _read_statuses(ctx, alert.serials, unlinked)
            alert_id = await _raise(
                ctx, alert.by, "collective", category, sorted(alert.serials), alert.workers, unlinked, faults
            )
        except Exception as exc:  # noqa: BLE001 - the alert or its members not written: its new cases fail
            faults = dict.fromkeys(alert.serials, exc)
        for serial in (doc["_id"] for doc in docs if doc["_id"] in alert.serials):  # the new cases in it
            found = results[serial]
            if serial in faults:
                results[serial] = faults[serial]
            elif not isinstance(found, Exception):
                results[serial] = [*found, alert_id]
        # A case whose link failed stays pending: the next case to reach the threshold links it.
        tidy |= {f"{category}.{d}.p.{s}": "" for s, d in alert.serials.items() if s not in faults}
    since = max(doc["created_at"] for doc in docs) - window  # as the last of them sees it
    for category, days in tallies.items():
        if days and min(days) < _day(since - window):  # a whole window past: the days before the window go
            tidy |= {f"{category}.{d}": "" for d in days if d < _day(since - timedelta(days=1))}  # a day's margin
    if tidy:
        await ctx.db[TALLIES].update_one({"_id": docs[0]["employer_key"]}, {"$unset": tidy})
    return results


async def _own_alerts(
    ctx: ServiceContext, doc: Mapping[str, Any], unlinked: dict[str, str | None]
) -> list[str] | Exception:
    """The alerts a claim raises by itself: a collective contract (at once), a layoff named (a flag)."""
    claim_text = _claim_text(doc)
    raised: list[str] = []
    faults: dict[str, Exception] = {}
    try:
        if any(w in claim_text for w in claim_words().collective_contract):
            raised.append(await _raise(ctx, doc, "collective_contract", "contract", [doc["_id"]], 1, unlinked, faults))
        if layoff_named(claim_text):
            raised.append(await _raise(ctx, doc, "layoff", "layoff", [doc["_id"]], 1, unlinked, faults))
    except Exception as exc:  # noqa: BLE001 - this case's own: the others go on
        return exc
    return faults.get(doc["_id"]) or raised


def _day(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y%m%d")


def _worker_field(doc: Mapping[str, Any]) -> str:
    """The worker as a field name: a short hash, so that no person id or identity hash becomes a field name."""
    return hashlib.blake2b(_worker(doc).encode(), digest_size=8).hexdigest()


async def _record(
    ctx: ServiceContext, docs: list[Mapping[str, Any]], categories: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """The cases in their employer's tally (one command): each one's worker and, pending, its serial under each of
    its categories on the day it was filed. Returns those categories' days as they were before."""
    latest: dict[str, datetime] = {}  # a worker's latest application under a category and day
    pending: dict[str, datetime] = {}
    for doc in docs:
        day, at = _day(doc["created_at"]), doc["created_at"]
        for c in categories[doc["_id"]]:
            name = f"{c}.{day}.w.{_worker_field(doc)}"
            latest[name] = max(at, latest.get(name, at))
            pending[f"{c}.{day}.p.{doc['_id']}"] = at
    named = sorted({c for doc in docs for c in categories[doc["_id"]]})
    tally = await ctx.db[TALLIES].find_one_and_update(
        {"_id": docs[0]["employer_key"]},
        {"$max": latest, "$set": pending},
        dict.fromkeys(named, 1),
        upsert=True,
        return_document=ReturnDocument.BEFORE,
    )
    return {c: (tally or {}).get(c) or {} for c in named}


async def _read_statuses(ctx: ServiceContext, pending: dict[str, str], unlinked: dict[str, str | None]) -> None:
    """The statuses of the pending cases this check has not seen yet (one read by `_id`), None for those linked."""
    others = [s for s in pending if s not in unlinked]
    if not others:  # the new case alone, once an alert took the earlier ones
        return
    found = await ctx.db["cases"].find({"_id": {"$in": others}, "collective": None}, {"status": 1}).to_list(None)
    unlinked |= dict.fromkeys(others) | {d["_id"]: d["status"] for d in found}


async def _raise(
    ctx: ServiceContext,
    doc: Mapping[str, Any],
    kind: str,
    category: str,
    serials: list[str],
    workers: int,
    unlinked: dict[str, str | None],
    faults: dict[str, Exception],
) -> str:
    """The employer's open alert of this kind and category, created or grown by `serials` (its members); of them,
    the cases `unlinked` gives a status are linked (and marked None there); a link that fails goes to `faults`."""
    now = ctx.clock()
    known = await centres.directory(ctx)
    centre = doc["centre"]["id"]
    above = [c.id for c in known.ancestors(centre)]
    employer = doc.get("respondent") or {}
    alert_id = f"{kind}:{category}:{doc['employer_key']}:open"
    fresh = {
        "kind": kind,
        "category": category,
        "employer_key": doc["employer_key"],
        "employer_name": employer.get("name", ""),
        "centre_id": centre,
        "centres": [centre, *above],
        "raised_at": now,
        "state": "open",
        "raised_by": doc["_id"],
        "window_days": ctx.settings.collective_window_days,
    }
    written = await ctx.db[ALERTS].update_one(
        {"_id": alert_id},
        {"$setOnInsert": fresh, "$max": {"workers": workers}, "$set": {"updated_at": now}},
        upsert=True,
    )
    await ctx.db[MEMBERS].bulk_write(
        [
            UpdateOne(
                {"_id": f"{alert_id}|{s}"}, {"$setOnInsert": {"alert": alert_id, "serial": s, "at": now}}, upsert=True
            )
            for s in serials
        ],
        ordered=False,
    )
    for serial in serials if kind != "layoff" else ():  # a layoff named is a flag: it makes no case collective
        status, unlinked[serial] = unlinked.get(serial), None
        if status is None:  # each case is linked once, to the first alert it falls in
            continue
        try:
            await moves.record_event(
                ctx,
                serial,
                "collective_linked",
                ("system", "collective"),
                "system",
                status,
                when={"collective": None},
                set_fields={"collective": {"alert": alert_id, "kind": kind}},
                data={"alert": alert_id},
                note=employer.get("name", "")[:50],
                projection={"_id": 1},  # nothing read back but what the writer's hooks read
            )
        except Exception as exc:  # noqa: BLE001 - that case fails alone; the alert and the other links stand
            faults[serial] = exc
    if written.upserted_id is not None:  # raised now, by this case: tell the administrators who asked to be told
        await _message_administrators(ctx, {"_id": alert_id, "workers": workers, **fresh}, [centre, *above[:1]])
    return alert_id


async def _message_administrators(ctx: ServiceContext, alert: dict[str, Any], centre_ids: list[str]) -> None:
    """Queue a message (SMS) to the opted-in administrators of the centre and the level above."""
    admins = (
        await ctx.db["staff"]
        .find(
            {"centre_id": {"$in": centre_ids}, "role": CENTRE_ADMIN, "active": True, "profile.alerts_opt_in": True},
            {"phone": 1},
        )
        .to_list(None)
    )
    now = ctx.clock()
    lines = [("employer", str(alert.get("employer_name") or "")[:20]), ("workers", str(alert.get("workers") or ""))]
    for admin in admins:
        if admin.get("phone"):
            # The message of kind collective_alert, sent through its SMS template (notification_templates).
            notice = staff_notice(admin["_id"], "collective_alert", "/office/alerts", now, lines)
            message = {k: v for k, v in notice.items() if k != "id"} | {"_id": notice["id"]}
            await ctx.db["staff_messages"].insert_one(message | {"phone": admin["phone"], "alert": alert["_id"]})


# ---------------------------------------------------------------------------------------------
# What administrators read and do.


async def open_count(ctx: ServiceContext, member: StaffMember) -> int:
    """Open alerts the member sees (the back office's banner); 0 for mediators."""
    if member.role == "mediator":
        return 0
    query = {"state": "open"} | centre_filter(await visible_centres(ctx, member), "centre_id")
    count: int = await ctx.db[ALERTS].count_documents(query)
    return count


async def _serials(ctx: ServiceContext, alert_ids: list[str]) -> dict[str, list[str]]:
    """The cases of each alert (its members), oldest first."""
    members = await ctx.db[MEMBERS].find({"alert": {"$in": alert_ids}}, {"alert": 1, "serial": 1}).to_list(None)
    out: dict[str, list[str]] = {a: [] for a in alert_ids}
    for member in sorted(members, key=lambda m: m["serial"]):
        out[member["alert"]].append(member["serial"])
    return out


def _view(alert: dict[str, Any], serials: list[str]) -> dict[str, Any]:
    return {
        "id": alert["_id"],
        "kind": alert["kind"],
        "category": alert["category"],
        "employer": alert.get("employer_name", ""),
        "employer_key": alert["employer_key"],
        "centre_id": alert["centre_id"],
        "serials": serials,
        "workers": alert.get("workers", 0),
        "state": alert.get("state"),
        "raised_at": shanghai_iso(alert.get("raised_at")),
        "window_days": alert.get("window_days"),
        "special_procedure": alert.get("special_procedure"),
    }


async def alerts_for(ctx: ServiceContext, member: StaffMember, state: str = "") -> list[dict[str, Any]]:
    if member.role == "mediator":
        raise ServiceError(403, "forbidden", msg("error.forbidden.alerts"))
    query = centre_filter(await visible_centres(ctx, member), "centre_id")
    if state:
        query["state"] = state
    docs = await ctx.db[ALERTS].find(query).sort("raised_at", -1).limit(200).to_list(200)
    serials = await _serials(ctx, [d["_id"] for d in docs]) if docs else {}
    return [_view(d, serials[d["_id"]]) for d in docs]


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
        {"$set": {"special_procedure": procedure, "state": "handled"}},
        return_document=ReturnDocument.AFTER,
    )
    if updated is None:
        raise Conflict("special_procedure_started")
    serials = (await _serials(ctx, [alert_id]))[alert_id]
    linked = await ctx.db["cases"].find({"_id": {"$in": serials}}, {"status": 1}).to_list(None)
    for case in linked:
        await moves.record_event(
            ctx,
            case["_id"],
            "special_procedure",
            ("staff", member.login),
            "backoffice",
            case["status"],
            note=", ".join(names),
        )
    return _view(updated, serials)
