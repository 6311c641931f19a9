"""Notifications as records inside the case document, written by the case writer in the same update as the change.

The background sender (services/notify/sender.py) delivers them; this module only says what a
notification is, so every change writes the same shape. Each kind has its lines (named values, in
order) and its audience; config.yaml's `notification_templates` maps each template's keys to those
line names, so keyword1 means the same thing in every message of a kind (checked at start:
`check_templates`). Words come from the catalogue: `notice.<kind>.title`, `notice.line.<line>`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from i18n import Msg, text, words
from services.cases.record import Notification
from settings import MessageTemplate, Settings, SettingsError

PENDING, CLAIMED, SENT, FAILED = "pending", "claimed", "sent", "failed"
APPLICANT, RESPONDENT = "applicant", "respondent"
PARTNER = "partner"  # a court or an arbitration institute: its events go out through the same outbox (partner_notice)
STAFF = "staff"  # an administrator, by SMS (services/notify/staff_messages.py), not through a case's outbox
LINK = "link"  # every kind may fill a template key with the notification's link, made absolute (SMS texts)
Line = tuple[str, Msg | str]  # a line of a message: its name in the kind, and its words or a value


@dataclass(frozen=True)
class Kind:
    lines: tuple[str, ...]
    audience: frozenset[str]


def _kind(lines: str, *audience: str) -> Kind:
    return Kind(tuple(lines.split()), frozenset(audience))


BOTH = (APPLICANT, RESPONDENT)
KINDS: dict[str, Kind] = {
    "submitted": _kind("serial status next_step", APPLICANT),  # the acknowledgement, with the serial
    "assigned": _kind("serial mediator", APPLICANT),
    "clarify_pushed": _kind("serial requests", APPLICANT),
    "accept": _kind("serial status", APPLICANT),
    "decline": _kind("serial reason next_step", *BOTH),  # the respondent too, where invited on submission
    "invite": _kind("serial applicant answer_due", RESPONDENT),  # the respondent's invitation
    "respondent_answered": _kind("serial result", APPLICANT),
    "respondent_silent": _kind("serial next_step", APPLICANT),
    "schedule": _kind("serial session_time place", *BOTH),
    "open_session": _kind("serial status", *BOTH),
    "draft_agreement": _kind("serial next_step", *BOTH),
    "revise_agreement": _kind("serial status", *BOTH),
    "settle": _kind("serial result next_step", *BOTH),
    "fail": _kind("serial reason next_step", *BOTH),
    "withdraw": _kind("serial status next_step", *BOTH),  # each party's next right (services/cases/ends.py)
    "overdue": _kind("serial next_step", APPLICANT),
    "extended": _kind("serial due_date", *BOTH),
    "performance_check": _kind("serial due_date next_step", *BOTH),
    "breach": _kind("serial next_step", APPLICANT),
    "transfer": _kind("serial centre", *BOTH),  # the case moved to another centre (services/cases/transfer.py)
    "collective_alert": _kind("employer workers", STAFF),  # a collective-dispute warning (services/cases/collective.py)
    # A delegated case (services/court/): each party invited with the court named; asked to consent to extending
    # the court's period; asked to apply jointly (judicial confirmation, arbitral review); the court's ruling.
    "delegated_invite": _kind("serial court next_step", *BOTH),
    "extension_request": _kind("serial due_date next_step", *BOTH),
    "joint_application": _kind("serial route next_step", *BOTH),
    "court_decision": _kind("serial route result", *BOTH),
    # Service (services/cases/service.py): a document served on a party through the platform; a respondent the
    # platform could not invite (the applicant told), and then invited otherwise, the answer due from that day.
    "served": _kind("serial document next_step", *BOTH),
    "invitation_undelivered": _kind("serial next_step", APPLICANT),
    "respondent_invited": _kind("serial method answer_due", APPLICANT),
}


def check_templates(settings: Settings) -> None:
    """Refuse a start where a kind has no template for a platform it is sent on, or a key names no line.

    Every kind for a party goes out as an official-account template message (and, where granted, a
    mini-program subscribe message); kinds for respondents also by SMS, their first and sometimes only
    channel; kinds for staff by SMS only.
    """
    problems = []
    configured = settings.notifications.kinds
    for name in sorted(set(configured) - set(KINDS)):
        problems.append(f"{name}: no such notification kind (known: {', '.join(KINDS)})")
    for name, kind in KINDS.items():
        templates = configured.get(name)
        required = (["official_account"] if kind.audience & {APPLICANT, RESPONDENT} else []) + (
            ["sms"] if kind.audience & {RESPONDENT, STAFF} else []
        )
        for platform in required:
            if templates is None or getattr(templates, platform) is None:
                problems.append(f"{name}: no {platform} template")
        for platform in ("official_account", "mini_program", "sms"):
            template = getattr(templates, platform, None) if templates else None
            for key, line in template.keys if template else ():
                if line not in kind.lines and line != LINK:
                    problems.append(
                        f"{name}.{platform}.keys.{key}: {line!r} is not a line of {name} "
                        f"({', '.join(kind.lines)}, {LINK})"
                    )
    if problems:
        raise SettingsError("notification_templates: " + "; ".join(problems))


def _message(
    kind: str,
    to: Mapping[str, Any],
    title: str,
    lines: dict[str, str],
    link: str,
    now: datetime,
    event: Mapping[str, Any] | None = None,
) -> Notification:
    """A notification not yet sent: due at once, its delivery the sender's to fill."""
    message: Notification = {
        "id": uuid.uuid4().hex,
        "kind": kind,
        "to": dict(to),
        "title": title,
        "lines": lines,
        "link": link,
        "created_at": now,
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "channel": None,
        "last_error": None,
        "sent_at": None,
    }
    if event is not None:
        message["event"] = dict(event)
    return message


def notice(kind: str, to: Mapping[str, Any], link: str, now: datetime, lines: Sequence[Line]) -> Notification:
    """One notification of `kind` to `to` ({type: applicant|respondent, person_id, ...}).

    `lines` are (line name, value); each value is short (WeChat template values hold about 20
    characters); `link` a path of our pages, made absolute by the sender.
    """
    spec = KINDS[kind]
    values = {name: words(value) for name, value in lines}
    if set(values) - set(spec.lines):
        raise ValueError(f"{kind} has no lines {sorted(set(values) - set(spec.lines))}")
    if to["type"] not in spec.audience:
        raise ValueError(f"{kind} is not sent to the {to['type']}")
    return _message(
        kind, to, text(f"notice.{kind}.title"), {name: values.get(name, "") for name in spec.lines}, link, now
    )


def applicant_notice(owner_person_id: str, kind: str, link: str, now: datetime, lines: Sequence[Line]) -> Notification:
    """A message to the case's applicant (the person who owns the case), in WeChat."""
    return notice(kind, {"type": APPLICANT, "person_id": owner_person_id}, link, now, lines)


def staff_notice(login: str, kind: str, link: str, now: datetime, lines: Sequence[Line]) -> Notification:
    """A message to a staff member (by SMS to the phone on their account): the same shape as a party's."""
    return notice(kind, {"type": STAFF, "login": login}, link, now, lines)


def template_values(template: MessageTemplate, notification: Mapping[str, Any], base_url: str) -> dict[str, str]:
    """Each key of a platform's template with the line the configuration names for it (the link made absolute)."""
    lines = notification.get("lines") or {}
    link = base_url + str(notification.get("link") or "/h5/cases")
    return {key: link if line == LINK else str(lines.get(line, "")) for key, line in template.keys}


def respondent_phone_field(case_kind: str) -> str:
    """Where the respondent's phone is: the employer's contact phone, or the worker's own."""
    return "contact_phone" if case_kind == "worker" else "phone"


def respondent_notice(
    doc: Mapping[str, Any], kind: str, now: datetime, lines: Sequence[Line], page: str = ""
) -> Notification | None:
    """A message to the case's respondent, once they were invited (None before): WeChat once they are known
    to us (they proved the invitation signed in), SMS to the phone the applicant gave otherwise.

    `doc` needs `_id`, `kind` and `respondent_access` (the invitation: services/cases/respondent.py); `page`:
    a page of the case to open rather than the case itself ("/session": the video session's way in).
    """
    access = doc.get("respondent_access") or {}
    if not access.get("invited_at"):
        return None
    to = {"type": RESPONDENT, "person_id": access.get("person_id"), "phone_field": respondent_phone_field(doc["kind"])}
    return notice(kind, to, f"/h5/respondent/cases/{doc['_id']}{page}", now, lines)


def applicant_phone_field(case_kind: str) -> str:
    """Where the applicant's phone is: the worker's own, or the employer's contact phone."""
    return "phone" if case_kind == "worker" else "contact_phone"


def applicant_recipient(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """Whom an applicant's message goes to: the person who owns the case; for a delegated case (no owner until the
    invitation is proved, services/court/) the phone the partner gave as well, by SMS. None: nobody yet."""
    to: dict[str, Any] = {"type": APPLICANT, "person_id": doc.get("owner_person_id")}
    if (doc.get("applicant_access") or {}).get("invited_at"):
        to["phone_field"] = applicant_phone_field(doc["kind"])
    return to if to["person_id"] or to.get("phone_field") else None


def party_notices(
    doc: Mapping[str, Any], kind: str, now: datetime, lines: Sequence[Line], page: str = ""
) -> list[Notification]:
    """The same news for both parties: the applicant (once there is one to reach), the respondent once invited; each
    message opens the party's own page of the case (or `page` of it, e.g. "/session")."""
    out: list[Notification] = []
    to_applicant = applicant_recipient(doc)
    if to_applicant is not None:
        out.append(notice(kind, to_applicant, f"/h5/cases/{doc['_id']}{page}", now, lines))
    to_respondent = respondent_notice(doc, kind, now, lines, page)
    if to_respondent is not None:
        out.append(to_respondent)
    return out


def partner_notice(
    partner_id: str, endpoint: str, event: Mapping[str, Any], now: datetime, title_key: str
) -> Notification:
    """An event for a court or an arbitration institute, in the case's outbox like any notification (at least
    once, never again after the partner's 2xx; its `id` is the `event_id` the partner drops repeats by).

    `endpoint` is the partner's path under its callback address (mediation-events, judicial-confirmations);
    `event` the facts only: large parts (the signed agreement, the materials) are read when it is sent
    (services/court/outbox.py)."""
    to = {"type": PARTNER, "partner_id": partner_id, "endpoint": endpoint}
    return _message("partner_event", to, text(title_key), {}, "", now, event)


# What a case read must include for `party_notices` to reach both parties.
# A delegated case's partner too (services/court/events.py): the moves that end it tell the partner.
PARTIES_PROJECTION = {"owner_person_id": 1, "kind": 1, "respondent_access": 1, "applicant_access": 1, "docking": 1}
