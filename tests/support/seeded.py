"""A centre with a case in every status, made through the services as people would make it: the city centre's
cases from submitted to settled (with a breach reported), and the Pudong centre's delegations (one waiting, one
returned, one accepted with its parties invited).

For tests that look at every page on full data (tests/handlers/test_page_walk.py). One applicant files every city
case; one person answers every invitation as the respondent; another applicant files a case the first never sees.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, timedelta
from typing import Any
from urllib.parse import urlsplit

from services.accounts.persons import person_for_identity
from services.accounts.staff import SYSTEM_ADMIN, StaffMember
from services.cases import clarification, documents, handling, performance
from services.cases.taxonomy import Taxonomies
from services.core.context import utc_now
from services.court import assignment, delegations
from services.intake.submission import submit_application
from tests.support import cases, court
from tests.support.app import OA_APP_ID, make_staff
from tests.support.parties import claim_invitation, draft, due_in, settle_by_signing, ten_in_the_morning, upload_seal
from tests.support.samples import worker_body

ROOT = StaffMember("root", "系统管理员", SYSTEM_ADMIN, "sh-city")
CITY_ADMIN, CITY_MEDIATOR = cases.ADMIN, cases.MEDIATOR
PUDONG_ADMIN, PUDONG_MEDIATOR = court.ADMIN, court.MEDIATOR
CITY_STATUSES = (
    "submitted",
    "clarifying",
    "clarified",
    "accepted",
    "scheduled",
    "mediating",
    "signing",
    "settled",
    "failed",
    "rejected",
    "withdrawn",
)
PUDONG_STATUSES = ("delegated", "returned", "accepted")  # the last: a delegation accepted, its parties invited


@dataclasses.dataclass
class Seeded:
    """What the seeding made: serials by status, the parties' persons, the staff, a document of each case."""

    city: dict[str, str] = dataclasses.field(default_factory=dict)  # status -> serial
    pudong: dict[str, str] = dataclasses.field(default_factory=dict)
    applicant: str = ""  # the person who filed every city case
    respondent: str = ""  # the person who answered every invitation of the city cases
    other_applicant: str = ""  # filed the `other` case
    other: str = ""  # a submitted city case of someone else
    invitations: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)  # serial -> party -> its path
    documents: dict[str, str] = dataclasses.field(default_factory=dict)  # serial -> a document id of the case

    def serials(self) -> set[str]:
        return set(self.city.values()) | set(self.pudong.values()) | {self.other}


async def _file(ctx: Any, person: str, key: str) -> str:
    body = worker_body()
    body["evidence"] = []
    case, _ = await submit_application(ctx, person, f"seed-{key}-{uuid.uuid4().hex[:8]}", body, "h5")
    return case["serial"]


async def _to(ctx: Any, status: str, serial: str, seeded: Seeded, blobs: Any, sms: Any) -> None:
    """Take a submitted city case to `status` by the moves people make."""
    if status == "submitted":
        return
    taxonomies = Taxonomies.load(ctx.settings.centres)
    items = [{"cause_code": "05-01", "text": "支付工资", "amount": "12000"}]
    if status in ("clarifying", "clarified"):
        await clarification.push_clarified(ctx, taxonomies, CITY_ADMIN, serial, items)
        if status == "clarified":
            answer = {"decision": "confirm", "version": 1}
            await clarification.answer_clarified(ctx, seeded.applicant, serial, answer, "h5")
        return
    if status == "rejected":
        await handling.decide(ctx, CITY_ADMIN, serial, "decline", {"reason": "不属于受理范围"})
        return
    if status == "withdrawn":
        await handling.withdraw(ctx, seeded.applicant, serial, "已与单位和解", "h5")
        return
    await handling.decide(ctx, CITY_ADMIN, serial, "accept", {})
    await assignment.assign(ctx, CITY_ADMIN, serial, CITY_MEDIATOR.login)
    seeded.invitations[serial] = {"respondent": await _invitation(ctx, serial)}
    if status == "settled":
        await settle_by_signing(ctx, blobs, sms, CITY_MEDIATOR, serial, seeded.applicant)
        return
    await claim_invitation(ctx, sms, serial, seeded.respondent or None)
    if not seeded.respondent:
        doc = await ctx.db["cases"].find_one({"_id": serial}, {"respondent_access": 1})
        seeded.respondent = doc["respondent_access"]["person_id"]
    if status in ("scheduled", "mediating"):
        at = ctx.clock() + timedelta(hours=1 if status == "mediating" else 48)
        when = at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="minutes") + "+00:00"
        await handling.decide(ctx, CITY_MEDIATOR, serial, "schedule", {"at": when, "place": "调解室"})
        if status == "mediating":
            await handling.decide(ctx, CITY_MEDIATOR, serial, "open_session", {})
    elif status == "signing":
        await draft(ctx, CITY_MEDIATOR, serial, due_in(ctx, 10))
    elif status == "failed":
        form = {"closure_reason": "too_far_apart", "reason": "双方分歧过大"}
        await handling.decide(ctx, CITY_MEDIATOR, serial, "fail", form)


async def _invitation(ctx: Any, serial: str) -> str:
    doc = await ctx.db["cases"].find_one({"_id": serial}, {"notifications": 1})
    links = [n["link"] for n in doc["notifications"] if n["kind"] in ("invite", "delegated_invite")]
    return urlsplit(links[0]).path if links else ""


async def seed_every_status(app: Any) -> Seeded:
    """The staff of both centres and a system administrator (their seals uploaded), and a case in every status.

    The service clock ends eleven days on (the settled case's term fell due and its applicant reported a breach),
    and stays there: the pages are read on that day."""
    services = app.settings["services"]
    ctx, blobs, sms = services.ctx, services.blobs, services.sms
    ten_in_the_morning(ctx)  # a session scheduled today may open
    for member in (ROOT, CITY_ADMIN, CITY_MEDIATOR, PUDONG_ADMIN, PUDONG_MEDIATOR):
        await make_staff(app, member.login, member.role, member.centre_id, member.name)
    await upload_seal(ctx, blobs, CITY_ADMIN, "sh-city")
    await upload_seal(ctx, blobs, PUDONG_ADMIN, "sh-pudong")
    seeded = Seeded()
    seeded.applicant = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-seed-applicant")
    seeded.other_applicant = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-seed-other")
    for status in CITY_STATUSES:
        serial = await _file(ctx, seeded.applicant, status)
        await _to(ctx, status, serial, seeded, blobs, sms)
        seeded.city[status] = serial
    seeded.other = await _file(ctx, seeded.other_applicant, "other")
    partner = ctx.settings.docking.partner(court.COURT)
    for status in PUDONG_STATUSES:
        receipt, _ = await delegations.create(ctx, blobs, partner, court.delegation_body())
        if status == "returned":
            reason = "调解员与被申请人有利害关系"
            await delegations.decline(ctx, PUDONG_ADMIN, receipt["serial"], "conflict_of_interest", reason)
        elif status == "accepted":
            await court.confirm_on_roster(ctx, PUDONG_MEDIATOR.login)
            await delegations.accept(ctx, PUDONG_ADMIN, receipt["serial"], PUDONG_MEDIATOR.login)
        seeded.pudong[status] = receipt["serial"]
        links = await court.invitation_links(ctx, receipt["serial"])
        seeded.invitations[receipt["serial"]] = {party: urlsplit(link).path for party, link in links.items()}
    renderers = services.renderers
    for serial in [*seeded.city.values(), *seeded.pudong.values()]:
        member = PUDONG_ADMIN if serial in seeded.pudong.values() else CITY_ADMIN
        issued = await documents.generate(ctx, renderers, blobs, member, serial, "application")
        seeded.documents[serial] = issued.id
    later = ctx.clock() + timedelta(days=11) - utc_now()
    ctx.clock = lambda: utc_now() + later
    breach = {"term": 1, "performed": "no", "note": "到期未付"}
    await performance.report(ctx, seeded.applicant, seeded.city["settled"], breach, "h5")
    made = {d["_id"]: d["status"] async for d in ctx.db["cases"].find({}, {"status": 1})}
    wanted = {serial: status for status, serial in [*seeded.city.items(), *seeded.pudong.items()]}
    assert {serial: made[serial] for serial in wanted} == wanted, "a case is not in the status it was made for"
    settled = await ctx.db["cases"].find_one({"_id": seeded.city["settled"]}, {"performance": 1})
    assert settled["performance"][0]["state"] == "breached"
    return seeded
