"""Everything the service holds about the signed-in person, and who looked at it (个人信息保护法 arts. 44-45).

`collect` gathers it from every collection that names the person: the person and their sign-in identities, the
portal account, their cases as applicant or respondent (their own side's particulars, the claim they made, the
timeline, the notifications addressed to them, their correction requests), their uploads, drafts, consents and
subscribe-message grants, and the audit log's records of staff looking at their cases or their person file, shown as
the viewer's role and centre and when (a staff member's name only where the centre turns that on,
`centres[].show_viewer_names`).

Shown on a page, numbers stay masked. `copy` is the same content for the person to keep, their own numbers in clear
(the copy is given only after a fresh proof of who asks, services/privacy/identity.py): a JSON file for programs and
a document for people (docgen/data_copy.py, its PDF made by LibreOffice like every document's).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from docgen.data_copy import DataCopy, Section, render_copy
from i18n import DEFAULT_LOCALE, text
from platforms.pdf import PdfConverter, PdfUnavailable
from platforms.sms import SmsProvider
from services.accounts import audit, consents, portal_accounts
from services.accounts.staff import role_label
from services.cases import corrections, workflow
from services.cases.views import CODED_FIELDS, WORDS
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import Conflict, DependencyDown, Forbidden, ServiceError, invalid
from services.core.personal_data import SEALED_FIELDS, unseal_party
from services.directory import centres
from services.intake.drafts import KINDS as DRAFT_KINDS
from services.notify import subscriptions
from services.privacy import erasure, identity
from store.blobs import BlobStore

MAX_VERSION = 40  # a text's version as the person read it
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

MAX_CASES = 500
MAX_FILES = 1000
MAX_VIEWS = 1000
# What a case's party section holds that is no particular of theirs (the parts the intake keeps beside them).
_NOT_PARTICULARS = ("review_flags",)


def _side(doc: Mapping[str, Any], role: str, clear: bool, ctx: ServiceContext) -> dict[str, Any]:
    """The person's own side of a case: every particular of their party, numbers masked (or in clear for a copy)."""
    party = dict(doc.get(role) or {})
    if clear:
        party = unseal_party(ctx.cipher, party, role)
    out: dict[str, Any] = {}
    for name, value in party.items():
        if name in _NOT_PARTICULARS:
            continue
        if name in SEALED_FIELDS and isinstance(value, Mapping):
            value = value.get("masked", "")
        out[name] = value
        if name in CODED_FIELDS and isinstance(value, str) and value:
            out[f"{name}_label"] = WORDS.label(CODED_FIELDS[name], value)
    return out


def _case(ctx: ServiceContext, doc: Mapping[str, Any], role: str, person_id: str, clear: bool) -> dict[str, Any]:
    events = doc.get("timeline") or []
    notes = [n for n in doc.get("notifications") or [] if (n.get("to") or {}).get("type") == role]
    return {
        "serial": doc["_id"],
        "role": role,
        "kind": doc.get("kind", ""),
        "status": doc.get("status", ""),
        "status_label": workflow.status_label(doc.get("status", "")),
        "centre": (doc.get("centre") or {}).get("name", ""),
        "created_at": shanghai_iso(doc.get("created_at")),
        "updated_at": shanghai_iso(doc.get("updated_at")),
        "particulars": _side(doc, role, clear, ctx),
        "claim": {k: v for k, v in (doc.get("claim") or {}).items() if k != "amount_fen"}
        if role == "applicant"
        else None,
        "consent": {
            "version": (doc.get("consent") or {}).get("version", ""),
            "accepted_at": shanghai_iso((doc.get("consent") or {}).get("accepted_at")),
        }
        if role == "applicant"
        else None,
        "timeline": [
            {
                "at": shanghai_iso(e["at"]),
                "action": e["action"],
                "label": workflow.action_label(e["action"]),
                "by": e["actor"]["type"],
                "note": e.get("note", ""),
            }
            for e in events
        ],
        "notifications": [
            {
                "kind": n.get("kind", ""),
                "title": n.get("title", ""),
                "lines": dict(n.get("lines") or {}),
                "created_at": shanghai_iso(n.get("created_at")),
                "state": n.get("state", ""),
                "channel": n.get("channel") or "",
                "sent_at": shanghai_iso(n.get("sent_at")),
            }
            for n in notes
        ],
    }


async def _cases(ctx: ServiceContext, person_id: str) -> list[tuple[dict[str, Any], str]]:
    """The person's cases with their role in each: as applicant (they own it), as respondent (they proved the
    invitation). Newest first."""
    found = await (
        ctx.db["cases"]
        .find({"$or": [{"owner_person_id": person_id}, {"respondent_access.person_id": person_id}]})
        .sort("created_at", -1)
        .limit(MAX_CASES)
        .to_list(MAX_CASES)
    )
    return [(doc, "applicant" if doc.get("owner_person_id") == person_id else "respondent") for doc in found]


async def viewers(
    ctx: ServiceContext, person_id: str, serials: list[str], locale: str = DEFAULT_LOCALE
) -> list[dict[str, Any]]:
    """Who looked at the person's data, newest first: staff of a centre (their role, the centre, a name only where
    the centre shows names), a court or institute (a delegated case's state), the person themselves (a copy)."""
    query = {"$or": [{"serial": {"$in": serials}}, {"person": person_id}]} if serials else {"person": person_id}
    records = await ctx.db["audit"].find(query).sort("at", -1).limit(MAX_VIEWS).to_list(MAX_VIEWS)
    directory = await centres.directory(ctx)
    named = {
        cid
        for cid in {r.get("centre", "") for r in records}
        if (centre := directory.get(cid)) is not None and centre.settings.get("show_viewer_names")
    }
    logins = sorted({r["who"] for r in records if r.get("centre") in named})
    names = (
        {s["_id"]: s.get("name", "") async for s in ctx.db["staff"].find({"_id": {"$in": logins}}, {"name": 1})}
        if logins
        else {}
    )
    out = []
    for record in records:
        role = record.get("role", "")
        centre = directory.get(record.get("centre", ""))
        if role == audit.PERSON_ROLE:
            who = text("privacy.viewer.you", locale) if record["who"] == person_id else role
        elif role == audit.PARTNER_ROLE:
            partner = next((p for p in ctx.settings.docking.partners if p.id == record["who"]), None)
            who = partner.name if partner else record["who"]
        else:
            who = role_label(role, locale)
        out.append(
            {
                "at": shanghai_iso(record["at"]),
                "role": role,
                "viewer": who,
                "centre": centre.name if centre else "",
                "name": names.get(record["who"], "") if record.get("centre") in named else "",
                "action": record["action"],
                "action_label": text(f"privacy.look.{record['action']}", locale)
                if f"privacy.look.{record['action']}" in _LOOK_WORDS
                else record["action"],
                "serial": record.get("serial", ""),
            }
        )
    return out


_LOOK_WORDS = frozenset(
    f"privacy.look.{action}"
    for action in (
        "case_view",
        "reveal",
        "document_download",
        "evidence_download",
        "file_view",
        "delegation_state",
        "my_data_copy",
        "stats_export",
    )
)


async def collect(
    ctx: ServiceContext, person_id: str, locale: str = DEFAULT_LOCALE, clear: bool = False
) -> dict[str, Any]:
    """Everything held about the person (module docstring); `clear`: their own numbers in clear (a copy)."""
    person = await ctx.db["persons"].find_one({"_id": person_id}) or {}
    identities = await ctx.db["identities"].find({"person_id": person_id}).to_list(50)
    account = await portal_accounts.account_of(ctx, person_id)
    cases = await _cases(ctx, person_id)
    serials = [doc["_id"] for doc, _ in cases]
    listed = {f for doc, _ in cases for f in [*(doc.get("evidence") or []), *(doc.get("respondent_evidence") or [])]}
    files = await (
        ctx.db["files"]
        .find({"owner_person_id": person_id}, {"name": 1, "kind": 1, "size": 1, "created_at": 1})
        .sort("created_at", -1)
        .limit(MAX_FILES)
        .to_list(MAX_FILES)
    )
    drafts = (
        await ctx.db["drafts"]
        .find({"_id": {"$in": [f"{person_id}:{kind}" for kind in DRAFT_KINDS]}}, {"updated_at": 1})
        .to_list(None)
    )
    verified_id = person.get("verified_id") or {}
    number = (
        ctx.cipher.decrypt(verified_id, "person.verified_id") if clear and verified_id else verified_id.get("masked")
    )
    return {
        "person_id": person_id,
        "generated_at": shanghai_iso(ctx.clock()),
        "person": {
            "created_at": shanghai_iso(person.get("created_at")),
            "verified": bool(person.get("verified")),
            "verified_via": person.get("verified_via", ""),
            "verified_at": shanghai_iso(person.get("verified_at")),
            "name": person.get("verified_name", ""),
            "id_type": person.get("verified_id_type", ""),
            "id_number": number or "",
        },
        "sign_ins": [
            {"provider": i.get("provider", ""), "since": shanghai_iso(i.get("created_at"))}
            for i in sorted(identities, key=lambda i: str(i.get("created_at")))
        ],
        "account": _account(ctx, account, clear),
        "cases": [_case(ctx, doc, role, person_id, clear) for doc, role in cases],
        "corrections": corrections.of_person([doc for doc, _ in cases], person_id),
        "files": [
            {
                "id": f["_id"],
                "name": f.get("name", ""),
                "kind": f.get("kind", ""),
                "size": int(f.get("size", 0)),
                "uploaded_at": shanghai_iso(f.get("created_at")),
                "in_a_case": f["_id"] in listed,
            }
            for f in files
        ],
        "drafts": [
            {"kind": d["_id"].split(":", 1)[1], "updated_at": shanghai_iso(d.get("updated_at"))} for d in drafts
        ],
        "consents": await consents.status(ctx, person_id, locale),
        "subscriptions": await subscriptions.grants_of(ctx, person_id),
        "views": await viewers(ctx, person_id, serials, locale),
    }


def _account(ctx: ServiceContext, account: Mapping[str, Any] | None, clear: bool) -> dict[str, Any] | None:
    if account is None:
        return None

    def shown(name: str, field: str) -> str:
        sealed = account.get(name) or {}
        return ctx.cipher.decrypt(sealed, field) if clear and sealed else str(sealed.get("masked", ""))

    return {
        "name": account.get("name", ""),
        "id_type": account.get("id_type", ""),
        "id_number": shown("id_number", portal_accounts.ID_FIELD),
        "mobile": shown("mobile", portal_accounts.MOBILE_FIELD),
        "created_at": shanghai_iso(account.get("created_at")),
        "last_login_at": shanghai_iso(account.get("last_login_at")),
    }


async def copy(ctx: ServiceContext, person_id: str, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The copy to keep: everything, the person's own numbers in clear. The caller proved who asks just before."""
    return await collect(ctx, person_id, locale, clear=True)


def _rows(values: Mapping[str, Any], prefix: str, locale: str) -> tuple[tuple[str, str], ...]:
    out = []
    for name, value in values.items():
        if value in (None, "", [], {}):
            continue
        key = f"{prefix}.{name}"
        label = text(key, locale) if key in _COPY_LABELS else name
        out.append((label, value if isinstance(value, str) else _plain(value)))
    return tuple(out)


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return "; ".join(_plain(v) for v in value)
    return str(value)


_COPY_LABELS = frozenset(
    f"privacy.copy.{section}.{name}"
    for section, names in {
        "person": ("created_at", "verified", "verified_via", "verified_at", "name", "id_type", "id_number"),
        "account": ("name", "id_type", "id_number", "mobile", "created_at", "last_login_at"),
    }.items()
    for name in names
)


def copy_document(data: Mapping[str, Any], locale: str = DEFAULT_LOCALE) -> bytes:
    """The copy as a document people read (.docx; its PDF is made by the caller through LibreOffice)."""
    t = lambda key, **params: text(f"privacy.copy.{key}", locale, **params)  # noqa: E731
    sections = [
        Section(t("person"), _rows(data["person"], "privacy.copy.person", locale)),
        Section(t("sign_ins"), tuple((s["provider"], s["since"]) for s in data["sign_ins"])),
    ]
    if data["account"]:
        sections.append(Section(t("account"), _rows(data["account"], "privacy.copy.account", locale)))
    for case in data["cases"]:
        rows = [
            (t("case.role"), text(f"privacy.person.{case['role']}", locale)),
            (t("case.status"), case["status_label"]),
            (t("case.centre"), case["centre"]),
            (t("case.created_at"), case["created_at"]),
            *((name, _plain(value)) for name, value in case["particulars"].items() if value not in (None, "")),
        ]
        if case["claim"]:
            rows += [(name, _plain(value)) for name, value in case["claim"].items() if value not in (None, "")]
        rows += [(e["at"][:16].replace("T", " "), f"{e['label']} {e['note']}".strip()) for e in case["timeline"]]
        rows += [(n["created_at"][:16].replace("T", " "), n["title"]) for n in case["notifications"]]
        sections.append(Section(t("case", serial=case["serial"]), tuple(rows)))
    sections.append(
        Section(
            t("corrections"),
            tuple((c["requested_at"][:10], f"{c['serial']} {c['field']} {c['state']}") for c in data["corrections"]),
        )
    )
    sections.append(Section(t("files"), tuple((f["uploaded_at"][:10], f["name"]) for f in data["files"])))
    sections.append(Section(t("drafts"), tuple((d["kind"], d["updated_at"]) for d in data["drafts"])))
    notice = data["consents"]["notice"]
    consent_rows = [(t("notice"), notice["accepted_version"] or "")]
    consent_rows += [(c["title"], c["state"]) for c in data["consents"]["optional"]]
    sections.append(Section(t("consents"), tuple(consent_rows)))
    sections.append(
        Section(
            t("views"),
            tuple(
                (
                    v["at"][:16].replace("T", " "),
                    " ".join(x for x in (v["viewer"], v["centre"], v["name"], v["action_label"], v["serial"]) if x),
                )
                for v in data["views"]
            ),
        )
    )
    return render_copy(
        DataCopy(
            title=t("title"),
            intro=(t("intro", at=data["generated_at"][:16].replace("T", " ")),),
            sections=tuple(sections),
            empty=t("empty"),
        )
    )


# ---------------------------------------------------------------- what the fronts call


async def page(ctx: ServiceContext, person_id: str, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
    """The page of one's data: everything held (masked), what the next visit asks again, what may be corrected in
    each case, the retention period and the due period of a correction in words."""
    data = await collect(ctx, person_id, locale)
    data["pending"] = await consents.pending(ctx, person_id, locale)
    data["correctable"] = {
        case["serial"]: [
            {"field": field, "label": text(f"label.correction_field.{field}", locale)}
            for field in corrections.correctable(case["kind"], case["role"])
        ]
        for case in data["cases"]
    }
    data["correction_days"] = corrections.CORRECTION_WORKING_DAYS
    data["proof_mobile"] = await identity.masked_mobile(ctx, person_id)
    return data


async def act_on_consent(ctx: ServiceContext, person_id: str, form: Mapping[str, str], channel: str) -> dict[str, Any]:
    """A form's `action`: `accept` the notice in force, `grant` or `withdraw` one optional consent."""
    action, purpose, version = form.get("action"), form.get("purpose", ""), form.get("version", "")
    if action == "accept" and purpose == consents.NOTICE:
        return await consents.accept_notice(ctx, person_id, version, channel)
    if action == "grant":
        return await consents.grant(ctx, person_id, purpose, version, channel)
    if action == "withdraw":
        return await consents.withdraw(ctx, person_id, purpose, channel)
    raise invalid("action", "not_allowed", "error.not_allowed.consent_action")


async def set_consent(
    ctx: ServiceContext, person_id: str, purpose: str, body: Mapping[str, Any], channel: str
) -> dict[str, Any]:
    """The mini-program's `PUT /api/mp/consents/{purpose}` `{version, granted}`: the notice is accepted (granted
    true), an optional consent given or withdrawn."""
    granted, version = body.get("granted"), body.get("version")
    if not isinstance(granted, bool):
        raise invalid("granted", "required", "error.required.consent_granted")
    given = version is not None or granted
    if given and (not isinstance(version, str) or not version or len(version) > MAX_VERSION):
        raise invalid("version", "required", "error.required.consent_version")
    if purpose == consents.NOTICE:
        if not granted:
            raise Conflict("notice_not_a_consent", field="granted")
        return await consents.accept_notice(ctx, person_id, str(version), channel)
    if granted:
        return await consents.grant(ctx, person_id, purpose, str(version), channel)
    return await consents.withdraw(ctx, person_id, purpose, channel)


async def request_correction(
    ctx: ServiceContext, person_id: str, body: Mapping[str, Any], channel: str
) -> dict[str, Any]:
    return await corrections.request(ctx, person_id, body, channel)


async def delete(ctx: ServiceContext, blobs: BlobStore, person_id: str, target: Any) -> dict[str, Any]:
    return await erasure.delete(ctx, blobs, person_id, target)


def proof_stands(ctx: ServiceContext, proved_at: datetime | None) -> bool:
    """A sign-in or a one-time code within identity.FRESH: real time, as sessions and codes keep (the demo clock
    moves the service's days, never how long ago a person proved who they are)."""
    return identity.fresh(proved_at, ctx.real_clock())


def token_proves(issued_ms: int) -> bool:
    """A mini-program token issued within identity.FRESH (its issue time is the wall clock's, as tokens carry it)."""
    now = datetime.now(UTC)
    return identity.fresh(datetime.fromtimestamp(issued_ms / 1000, UTC), now) if issued_ms else False


async def proof_mobile(ctx: ServiceContext, person_id: str) -> str:
    return await identity.masked_mobile(ctx, person_id)


async def send_proof_code(ctx: ServiceContext, sms: SmsProvider, person_id: str) -> int:
    return await identity.send_code(ctx, sms, person_id)


async def check_proof_code(ctx: ServiceContext, person_id: str, code: str) -> None:
    await identity.check_code(ctx, person_id, code)


COPY_FORMATS = ("json", "pdf", "docx")


async def copy_file(
    ctx: ServiceContext, pdf: PdfConverter, person_id: str, fmt: str, locale: str = DEFAULT_LOCALE, of: str = ""
) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of the copy: JSON for programs, a PDF for people (503 where LibreOffice is
    not installed: the JSON still works). `of`: whose data the caller named; anyone's but their own is a 403."""
    if of and of != person_id:
        raise Forbidden("copy_not_yours", field="person")
    if fmt not in COPY_FORMATS:
        raise ServiceError(400, "format_invalid", field="format")
    data = await copy(ctx, person_id, locale)
    day = data["generated_at"][:10]
    if fmt == "json":
        return (
            f"my-data-{day}.json",
            "application/json; charset=utf-8",
            json.dumps(data, ensure_ascii=False, indent=2).encode(),
        )
    document = await ctx.run_blocking(copy_document, data, locale)
    if fmt == "docx":
        return f"my-data-{day}.docx", DOCX, document
    try:
        return f"my-data-{day}.pdf", "application/pdf", await pdf.convert(document)
    except PdfUnavailable as exc:
        raise DependencyDown(exc.reason) from exc


def format_refused() -> ServiceError:
    """`?format=` other than json or pdf: a 400 naming it."""
    return ServiceError(400, "format_invalid", field="format")


def not_yours() -> ServiceError:
    """A copy of someone else's data: 403, whoever asks (a person's copy is only ever their own)."""
    return Forbidden("copy_not_yours", field="person")
