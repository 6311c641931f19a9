"""From a case (as the store keeps it, personal numbers in clear) to the variables of a template."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import cn2an
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from docgen.errors import DocumentRefused, UnknownDocumentKind
from docgen.words import PARTY_KINDS, Words

try:
    from zoneinfo import ZoneInfo

    SHANGHAI: Any = ZoneInfo("Asia/Shanghai")
except Exception:  # no tz database: China has kept UTC+8 without summer time since 1991
    SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

KINDS = [
    "application",
    "agreement",
    "arbitration",
    "judicial_confirmation",  # their titles: Words.title
    "termination_notice",
    "payment_order",
    "arbitral_review",
    "failure_report",  # 调解终结报告: a delegated case's report to its court (法释〔2021〕23号 art. 21)
]
SETTLED_KINDS = ("agreement", "judicial_confirmation", "payment_order", "arbitral_review")  # need an agreement
# Width in mm. `seal` is the centre's; `seal_<role>` an organisation party's own seal, added to the signature of the
# person who signs for it (never standing alone: services/cases/signing.py).
IMAGES = {
    "sig_applicant": 32.0,
    "sig_respondent": 32.0,
    "sig_mediator": 32.0,
    "seal": 40.0,
    "seal_applicant": 36.0,
    "seal_respondent": 36.0,
}
# 调解仲裁法 art. 28 and 办案规则 art. 29 list the particulars an application states: where the case truly does not
# know one, the document says so rather than leaving the cell empty.
UNKNOWN = "不详"
APPLICATIONS_TO_CONFIRM = ("judicial_confirmation", "arbitral_review")  # list the materials the rules require

# Every variable a template may use. A leaf is None, an object a dict, a list of objects [dict].
# build_context() always returns exactly this shape (text is "" when the case has nothing).
_PARTY = {
    "role": None,
    "kind": None,
    "kind_label": None,
    "name": None,
    "summary": None,
    "rows": [{"label": None, "value": None}],
}
_WORKER = dict.fromkeys(
    [
        "role",
        "name",
        "gender",
        "birth_date",
        "age",
        "ethnicity",
        "nationality",
        "origin_label",
        "origin",
        "id_type",
        "id_number",
        "education",
        "phone",
        "email",
        "address",
        "mailing_address",
        "job_title",
        "work_unit",
        "migrant_worker",
        "contract_signed",
        "work_location",
    ]
) | {"rows": [{"label": None, "value": None}]}
_EMPLOYER = dict.fromkeys(
    [
        "role",
        "name",
        "uscc",
        "industry",
        "nature",
        "address",
        "mailing_address",
        "email",
        "phone",
        "contact_name",
        "contact_phone",
        "contact_id_type",
        "contact_id_number",
        "is_agent",
        "legal_representative_name",
        "legal_representative_title",
        "legal_representative_phone",
    ]
) | {"rows": [{"label": None, "value": None}]}
# Who signed and when; for an organisation the natural person who signed for it, in what capacity, the identity
# proof they used and the authority an agent held (民法典 arts. 61, 162, 165).
_SIGNED = dict.fromkeys(["name", "at", "organisation", "signatory", "capacity", "proof", "authority"])
VARIABLES: dict[str, Any] = {
    "kind": None,
    "title": None,
    "document_id": None,
    "verify_url": None,
    "issued_date": None,
    "qr": None,
    "serial": None,
    "status": None,
    "created_date": None,
    "causes": None,
    "centre": {"name": None, "address": None, "phone": None, "basic_court": None},
    "arbitration_commission": None,
    "debtor_court": None,
    "employment": {"started": None, "ended": None, "known_on": None},
    "limitation": {"text": None, "ends": None},
    "applicant": _PARTY,
    "respondent": _PARTY,
    "worker": _WORKER,
    "employer": _EMPLOYER,
    "claim": {"amount": None, "amount_capital": None, "venue": None, "requests": None, "facts": None},
    "request_total": None,  # the sum of the items the document lists (the claim's amount without items)
    "request_total_capital": None,
    "request_items": [dict.fromkeys(["number", "cause_code", "cause_label", "text", "amount", "amount_capital"])],
    "requests_text": None,
    "evidence": [dict.fromkeys(["number", "name", "source", "purpose"])],
    "witnesses": [dict.fromkeys(["number", "name", "address", "phone"])],
    "mediator": {"name": None},
    "session": {"date": None, "time": None, "place": None, "online_link": None},
    "outcome": {"kind": None, "label": None, "date": None, "reason": None, "closure_reason": None},
    "agreement": {
        "terms": [dict.fromkeys(["number", "text", "amount", "amount_capital", "due_date", "method"])],
        "waivers": None,
        "copies": None,
        "copies_cn": None,
        "effective_date": None,
        "effective_time": None,
        "total": None,
        "total_capital": None,
    },
    "signed": {"applicant": _SIGNED, "respondent": _SIGNED, "mediator": _SIGNED},
    "signatures": [{"text": None}],  # each signature as the verification block states it
    "court": {"name": None, "basis": None, "choices": None},  # the court of a judicial confirmation
    "attachments": [{"number": None, "text": None}],  # what an application to confirm is filed with
    **dict.fromkeys(IMAGES),
    "breach": {
        "date": None,
        "terms": [dict.fromkeys(["number", "text", "amount", "amount_capital", "due_date"])],
        "total": None,
        "total_capital": None,
    },
    # The end's notices (termination_notice: one per party) and a delegated case's report (failure_report).
    "addressee": {"role": None, "name": None, "is_applicant": None},
    "notice": dict.fromkeys(
        [
            "end",
            "arbitrate",
            "last_day",
            "restart_day",
            "received_date",
            "ran_out_before",
            "before_date",
            "wages_exception",
            "returns",
            "answer_due",
        ]
    ),
    "delegation": dict.fromkeys(
        ["partner", "partner_kind", "case_no", "kind_label", "delegated_date", "accepted_date"]
    ),
    "report": dict.fromkeys(["facts", "reason", "costs", "notes", "generated", "signed_by"]),
}
NOTICE_ENDS = ("declined", "failed", "refused", "silent", "expired", "withdrawn")  # services/cases/ends.py
DELEGATION_KINDS = {"pre_filing": "委派", "post_filing": "委托", "arbitration": "委派"}  # 立案前委派, 立案后委托

_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")
# Control characters other than tab and newline, lone surrogates and the XML non-characters:
# none of them can live in a .docx (and docxtpl would turn \a and \f into paragraphs and pages).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TRAILING_PUNCT = "。；;，,.、 \n\t"


# ---------------------------------------------------------------- refusal


def check_can_fill(kind: str, case: dict, words: Words) -> None:
    """Raise DocumentRefused (or UnknownDocumentKind) when `case` cannot fill a document of `kind`."""
    if kind not in KINDS:
        raise UnknownDocumentKind(kind, KINDS)
    title = words.title(kind)
    if not isinstance(case, dict) or case.get("kind") not in PARTY_KINDS:
        raise DocumentRefused(
            "invalid_case",
            "案件数据有误：缺少申请人类型（kind）",
            "invalid case: 'kind' must be 'worker' or 'employer'",
        )
    status = case.get("status", "")
    status_label = words.label("status", status) or "未知"
    # Withdrawing does not bar arbitration (调解仲裁法 art. 5): the application is made after a withdrawal too.
    if kind == "termination_notice" and (case.get("outcome") or {}).get("kind") not in (
        "failed",
        "rejected",
        "withdrawn",
    ):
        raise DocumentRefused(
            "not_ended",
            f"案件未以调解不成、不予受理或撤回结束（当前状态：{status_label}），不能生成{title}",
            "the case did not end as failed, rejected or withdrawn: no termination notice",
        )
    if kind == "failure_report" and not ((case.get("outcome") or {}).get("report") and case.get("delegation")):
        raise DocumentRefused(
            "no_report",
            f"案件不是委派调解不成的案件，或尚无调解终结报告，不能生成{title}",
            "not a delegated case that failed with its report: no failure report",
        )
    if kind == "payment_order":  # 劳动争议调解仲裁法 art. 16: the worker's remedy
        if case.get("kind") != "worker":
            raise DocumentRefused(
                "not_a_worker",
                f"只有劳动者可以申请支付令，不能生成{title}",
                "only a worker applies for a payment order",
            )
        if not (case.get("breach") or {}).get("terms"):
            raise DocumentRefused(
                "no_breach",
                f"没有可申请支付令的未履行条款，不能生成{title}",
                "no unperformed term a payment order can be asked for",
            )
    if kind in SETTLED_KINDS:
        outcome = case.get("outcome") or {}
        if outcome.get("kind") != "settled":
            raise DocumentRefused(
                "not_settled",
                f"案件尚未调解成功（当前状态：{status_label}），不能生成{title}",
                f"the case is not settled (status {status or 'unknown'}): no {kind} document",
            )
        if not _agreement_terms(outcome):
            raise DocumentRefused(
                "agreement_incomplete",
                f"调解结果中没有协议条款，不能生成{title}",
                f"the settlement records no agreed terms: no {kind} document",
            )
    required = ["serial", "created_at", "centre.name", "applicant.name", "respondent.name"]
    if kind in SETTLED_KINDS:
        required.append("outcome.at")
    missing = [path for path in required if not _get(case, path)]
    if missing:
        raise DocumentRefused(
            "invalid_case", f"案件数据不完整，缺少：{'、'.join(missing)}", f"invalid case: missing {', '.join(missing)}"
        )


def _get(case: dict, path: str) -> object:
    value: object = case
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _agreement_terms(outcome: dict) -> list:
    return list((outcome.get("agreement") or {}).get("terms") or [])


# ---------------------------------------------------------------- the context


def build_context(
    kind: str, case: dict, *, words: Words, document_id: str, verify_url: str, issued_at: datetime
) -> dict:
    """The template variables (exactly VARIABLES' shape) for a document of `kind` about `case`.

    `words` gives the title and the words of every code. Raises DocumentRefused when the case cannot
    fill the document. `qr` is left "" for the renderer to put the image in.
    """
    check_can_fill(kind, case, words)
    applicant_kind = case["kind"]
    applicant = case.get("applicant") or {}
    respondent = case.get("respondent") or {}
    if applicant_kind == "worker":
        worker = _worker(applicant, "申请人", words, text(respondent.get("name")), issued_at)
        employer = _employer(respondent, "被申请人", words)
        applicant_rows, respondent_rows = _worker_applicant_rows(worker), _employer_respondent_rows(employer)
    else:
        worker = _worker(respondent, "被申请人", words, text(applicant.get("name")), issued_at)
        employer = _employer(applicant, "申请人", words)
        applicant_rows = _employer_applicant_rows(employer, bool(applicant.get("is_agent")))
        respondent_rows = _worker_respondent_rows(worker)
    worker["rows"] = _rows(_worker_table_rows(worker))
    employer["rows"] = _rows(_employer_table_rows(employer))
    by_kind = {"worker": worker, "employer": employer}
    respondent_kind = "employer" if applicant_kind == "worker" else "worker"

    claim = case.get("claim") or {}
    claim_figure = claim.get("amount") if claim.get("amount") not in (None, "") else _fen(claim.get("amount_fen"))
    claim_amount, claim_capital = money(claim_figure, "claim.amount")
    items = ((case.get("clarified") or {}).get("items")) or []
    request_items = [_request_item(i, item) for i, item in enumerate(items, 1)]
    causes = list(dict.fromkeys(item["cause_label"] for item in request_items if item["cause_label"]))
    # The total is the sum of the items the document lists; the amount first claimed only when no item is listed.
    listed = sum((_decimal(item.get("amount"), "") for item in items), Decimal(0)) if items else None
    request_total, request_total_capital = money(listed if listed is not None else claim_figure, "claim.amount")

    outcome = case.get("outcome") or {}
    session = case.get("session") or {}
    session_at = to_datetime(session.get("at"), "session.at")
    centre = case.get("centre") or {}
    limitation = case.get("limitation") or {}
    signed = _signed(outcome, applicant_kind, words)
    return {
        "kind": kind,
        "title": words.title(kind),
        "document_id": text(document_id),
        "verify_url": text(verify_url),
        "issued_date": zh_date(issued_at, "issued_at"),
        "qr": "",
        "serial": text(case.get("serial")),
        "status": words.label("status", case.get("status")),
        "created_date": zh_date(case.get("created_at"), "created_at"),
        "causes": "、".join(causes),
        "centre": {
            "name": text(centre.get("name")),
            "address": text(centre.get("address")),
            "phone": written_phone(centre.get("phone")),
            "basic_court": text(centre.get("basic_court")),
        },
        "arbitration_commission": text(case.get("arbitration_commission")),
        "debtor_court": text(case.get("debtor_court")),
        "employment": {
            "started": zh_date(claim.get("employment_started"), "claim.employment_started"),
            "ended": zh_date(claim.get("employment_ended"), "claim.employment_ended"),
            "known_on": zh_date(claim.get("dispute_known_on"), "claim.dispute_known_on"),
        },
        "limitation": {
            "text": text(limitation.get("text")),
            "ends": zh_date(limitation.get("ends"), "limitation.ends"),
        },
        "applicant": _party(applicant_kind, "申请人", by_kind[applicant_kind], applicant_rows, words),
        "respondent": _party(respondent_kind, "被申请人", by_kind[respondent_kind], respondent_rows, words),
        "worker": worker,
        "employer": employer,
        "claim": {
            "amount": claim_amount,
            "amount_capital": claim_capital,
            "venue": words.label("venue", claim.get("venue")),
            "requests": text(claim.get("requests")),
            "facts": text(claim.get("facts")),
        },
        "request_total": request_total,
        "request_total_capital": request_total_capital,
        "request_items": request_items,
        "requests_text": "" if request_items else text(claim.get("requests")),
        # 调解仲裁法 art. 28 (三): each piece of evidence with where it came from and what it proves.
        "evidence": [
            {
                "number": i,
                "name": text(e.get("name")),
                "source": text(e.get("source")) or UNKNOWN,
                "purpose": text(e.get("purpose")) or UNKNOWN,
            }
            for i, e in enumerate(case.get("evidence") or [], 1)
        ],
        "witnesses": [
            {
                "number": i,
                "name": text(w.get("name")),
                "address": text(w.get("address")) or UNKNOWN,
                "phone": written_phone(w.get("phone")),
            }
            for i, w in enumerate(case.get("witnesses") or [], 1)
        ],
        "mediator": {"name": text((case.get("mediator") or {}).get("name"))},
        "session": {
            "date": zh_date(session_at, "session.at"),
            "time": session_at.astimezone(SHANGHAI).strftime("%H:%M") if session_at else "",
            "place": text(session.get("place")),
            "online_link": text(session.get("online_link")),
        },
        "outcome": {
            "kind": text(outcome.get("kind")),
            "label": words.label("outcome", outcome.get("kind")),
            "date": zh_date(outcome.get("at"), "outcome.at"),
            "reason": text(outcome.get("reason")),
            "closure_reason": words.label("closure_reason", outcome.get("closure_reason")),
        },
        "agreement": _agreement(outcome),
        "signed": signed,
        "signatures": _signature_lines(signed, applicant_kind, words),
        "court": _court(case, words),
        "attachments": _attachments(kind, case, applicant_kind, centre, words),
        **dict.fromkeys(IMAGES, ""),  # the renderer puts the images in
        "breach": _breach(case.get("breach") or {}),
        **_end_variables(case),
    }


def _end_variables(case: dict) -> dict:
    """The termination notice's facts (`notice`, `addressee`: one notice per party) and a delegated case's
    (`delegation`, `report`), as services/cases/documents.py gives them: dates in Chinese, flags "是" or ""."""
    notice = case.get("notice") or {}
    role = notice.get("addressee") or "applicant"
    party = case.get("applicant" if role == "applicant" else "respondent") or {}
    delegation = case.get("delegation") or {}
    report = (case.get("outcome") or {}).get("report") or {}

    def flag(value: object) -> str:
        return "是" if value else ""

    return {
        "addressee": {
            "role": "申请人" if role == "applicant" else "被申请人",
            "name": text(party.get("name")),
            "is_applicant": flag(role == "applicant"),
        },
        "notice": {
            "end": text(notice.get("end")) if notice.get("end") in NOTICE_ENDS else "",
            "arbitrate": flag(notice.get("arbitrate")),
            "last_day": zh_date(notice.get("last_day"), "notice.last_day"),
            "restart_day": zh_date(notice.get("restart_day"), "notice.restart_day"),
            "received_date": zh_date(notice.get("received"), "notice.received"),
            "ran_out_before": flag(notice.get("ran_out_before")),
            "before_date": zh_date(notice.get("before"), "notice.before"),
            "wages_exception": flag(notice.get("wages_exception")),
            "returns": text(notice.get("returns")),
            "answer_due": zh_date(notice.get("answer_due"), "notice.answer_due"),
        },
        "delegation": {
            "partner": text(delegation.get("partner")),
            "partner_kind": text(delegation.get("partner_kind")),
            "case_no": text(delegation.get("case_no")),
            "kind_label": DELEGATION_KINDS.get(str(delegation.get("type") or ""), "委派") if delegation else "",
            "delegated_date": zh_date(delegation.get("delegated_at"), "delegation.delegated_at"),
            "accepted_date": zh_date(delegation.get("accepted_at"), "delegation.accepted_at"),
        },
        "report": {
            **{k: text(report.get(k)).rstrip(_TRAILING_PUNCT) for k in ("facts", "reason", "costs", "notes")},
            "generated": flag(report.get("generated")),
            "signed_by": text(report.get("signed_by")),
        },
    }


def _request_item(number: int, item: dict) -> dict:
    amount, capital = money(item.get("amount"), f"clarified.items.{number}.amount")
    return {
        "number": number,
        "cause_code": text(item.get("cause_code")),
        "cause_label": text(item.get("cause_label")),
        "text": text(item.get("text")).rstrip(_TRAILING_PUNCT),
        "amount": amount,
        "amount_capital": capital,
    }


def _agreement(outcome: dict) -> dict:
    agreement = outcome.get("agreement") or {}
    terms = []
    total = Decimal(0)
    for i, term in enumerate(_agreement_terms(outcome), 1):
        amount, capital = money(term.get("amount"), f"outcome.agreement.terms.{i}.amount")
        if amount:
            total += _decimal(term.get("amount"), "")
        terms.append(
            {
                "number": i,
                "text": text(term.get("text")).rstrip(_TRAILING_PUNCT),
                "amount": amount,
                "amount_capital": capital,
                "due_date": zh_date(term.get("due_date"), f"outcome.agreement.terms.{i}.due_date"),
                "method": text(term.get("method")),
            }
        )
    total_figures, total_capital = money(total, "") if total else ("", "")
    copies = agreement.get("copies")
    copies = copies if isinstance(copies, int) and not isinstance(copies, bool) and copies > 0 else ""
    effective_at = to_datetime(agreement.get("effective_at"), "outcome.agreement.effective_at")
    return {
        "terms": terms,
        "effective_time": effective_at.astimezone(SHANGHAI).strftime("%H:%M") if effective_at else "",
        "waivers": text(agreement.get("waivers")).rstrip(_TRAILING_PUNCT),
        "copies": copies,
        "copies_cn": cn2an.an2cn(copies) if copies else "",
        "effective_date": zh_date(agreement.get("effective_date"), "outcome.agreement.effective_date"),
        "total": total_figures,
        "total_capital": total_capital,
    }


def _signed(outcome: dict, applicant_kind: str, words: Words) -> dict:
    """Who signed the agreement and when (the images themselves are given to the renderer). For the organisation
    party: the natural person who signed for it, as its legal representative or as an agent whose authorisation the
    mediator saw (民法典 arts. 61, 162, 165), and the identity proof each signer used."""
    by_role = {s.get("role"): s for s in (outcome.get("agreement") or {}).get("signatures") or []}
    out = {}
    for role in ("applicant", "respondent", "mediator"):
        signature = by_role.get(role) or {}
        at = to_datetime(signature.get("at"), f"signatures.{role}.at")
        moment = f"{zh_date(at)} {at.astimezone(SHANGHAI):%H:%M}" if at else ""
        authority = signature.get("authority") or {}
        checked = zh_date(authority.get("recorded_at"), f"signatures.{role}.authority.recorded_at")
        out[role] = {
            "name": text(signature.get("name")),
            "at": moment,
            "organisation": "是" if _organisation_role(role, applicant_kind) else "",
            "signatory": text(signature.get("signatory")),
            "capacity": words.label("signing_capacity", signature.get("capacity")),
            "proof": _proof(signature.get("proof"), words),
            "authority": (
                f"授权委托书经调解员{text(authority.get('recorded_by_name'))}于{checked}核验"
                if authority.get("recorded_at")
                else ""
            ),
        }
    return out


def _organisation_role(role: str, applicant_kind: str) -> bool:
    return role == ("respondent" if applicant_kind == "worker" else "applicant")


def _proof(proof: object, words: Words) -> str:
    """The identity proof a signer used, in words: 短信验证码（138****0001）, 电子社会保障卡实名认证, ..."""
    if not isinstance(proof, dict) or not proof.get("method"):
        return ""
    method = words.label("identity_proof", proof.get("method"))
    phone = text(proof.get("phone"))
    return f"{method}（{phone}）" if phone else method


def _signature_lines(signed: dict, applicant_kind: str, words: Words) -> list[dict]:
    """Each signature as the verification block states it: who, for whom, in what capacity, when, how proved."""
    lines = []
    for role in ("applicant", "respondent", "mediator"):
        s = signed[role]
        if not s["at"]:
            continue
        who = words.label("signer", role) + s["name"]
        if s["organisation"] and s["signatory"]:
            who += f"由{s['capacity']}{s['signatory']}"
        line = f"{who}于{s['at']}签名"
        details = [part for part in (s["proof"] and f"身份核验：{s['proof']}", s["authority"]) if part]
        lines.append({"text": line + (f"（{'；'.join(details)}）" if details else "")})
    return lines


def _court(case: dict, words: Words) -> dict:
    """The court a judicial confirmation goes to, as the parties chose it among those 民事诉讼法 art. 205 allows
    (`confirmation_court`: name, basis, and the party whose domicile it is), and the courts open to them
    (`court_choices`, the same shape) for the document made before they chose."""

    def basis(court: dict) -> str:
        party = text(court.get("party"))
        return f"{party}住所地" if party else words.label("court_basis", court.get("basis"))

    chosen = case.get("confirmation_court") or {}
    choices = [c for c in case.get("court_choices") or [] if isinstance(c, dict) and text(c.get("name"))]
    return {
        "name": text(chosen.get("name")),
        "basis": basis(chosen) if chosen else "",
        "choices": "、".join(f"{text(c['name'])}（{basis(c)}）" for c in choices),
    }


def _attachments(kind: str, case: dict, applicant_kind: str, centre: dict, words: Words) -> list[dict]:
    """What an application to confirm the agreement is filed with (民事诉讼法解释 arts. 351, 354; 法释〔2011〕5号
    art. 3 by analogy; 劳动人事争议仲裁办案规则 art. 74): the agreement, proof that the centre conducted the mediation,
    each party's identity or qualification proof, and the authorisation of an agent who acts for a party (the case
    holds those the mediator saw)."""
    if kind not in APPLICATIONS_TO_CONFIRM:
        return []
    lines = ["调解协议书一份", f"{text(centre.get('name'))}主持调解的证明一份"]
    authorities = case.get("authorities") or {}
    for role in ("applicant", "respondent"):
        party = case.get(role) or {}
        name = text(party.get("name"))
        if _organisation_role(role, applicant_kind):
            lines.append(f"{name}的营业执照（或其他主体资格证明）复印件、法定代表人（主要负责人）身份证明书各一份")
        else:
            proof = words.label("id_type", party.get("id_type")) or "身份证件"
            lines.append(f"{name}的身份证明（{proof}复印件）一份")
        authority = authorities.get(role) if isinstance(authorities, dict) else None
        if isinstance(authority, dict) and authority.get("agent_name"):
            lines.append(
                f"{name}出具的授权委托书一份（委托代理人：{text(authority['agent_name'])}；已经调解员核验，本案存档）"
            )
    return [{"number": i, "text": line} for i, line in enumerate(lines, 1)]


def _breach(breach: dict) -> dict:
    """The terms not performed (a payment order asks the court to order them paid)."""
    terms, total = [], Decimal(0)
    for i, term in enumerate(breach.get("terms") or [], 1):
        amount, capital = money(term.get("amount"), f"breach.terms.{i}.amount")
        if amount:
            total += _decimal(term.get("amount"), "")
        due = zh_date(term.get("due_date"), f"breach.terms.{i}.due_date")
        terms.append(
            {
                "number": i,
                "text": text(term.get("text")).rstrip(_TRAILING_PUNCT),
                "amount": amount,
                "amount_capital": capital,
                "due_date": due,
            }
        )
    total_figures, total_capital = money(total, "") if total else ("", "")
    return {
        "date": zh_date(breach.get("date"), "breach.date"),
        "terms": terms,
        "total": total_figures,
        "total_capital": total_capital,
    }


def address_text(value: object) -> str:
    """An address as stored: text, or a region (its full name) with the street."""
    if isinstance(value, dict):
        return text(value.get("region_name")) + text(value.get("detail"))
    return text(value)


def age_on(birth: object, moment: datetime) -> str:
    """Completed years on the document's day ("36"), "" without a birth date."""
    born = to_date(birth, "birth_date")
    if born is None:
        return ""
    today = moment.astimezone(SHANGHAI).date()
    return str(today.year - born.year - ((today.month, today.day) < (born.month, born.day)))


# ---------------------------------------------------------------- parties


def _worker(p: dict, role: str, words: Words, work_unit: str, at: datetime) -> dict:
    nationality = text(p.get("nationality"))
    # A foreigner has a nationality, not an ethnicity: the row says 国籍 instead of an empty 民族. 民族 is no
    # statutory particular (调解仲裁法 art. 28 (一)): printed only where the worker gave it.
    foreign = bool(nationality) and nationality != "CHN"
    return {
        "role": role,
        "name": text(p.get("name")),
        "gender": words.label("gender", p.get("gender")),
        "birth_date": zh_date(p.get("birth_date"), "worker.birth_date"),
        "age": age_on(p.get("birth_date"), at),
        "ethnicity": text(p.get("ethnicity")),
        "nationality": words.country(nationality),
        "origin_label": "国籍" if foreign else "民族",
        "origin": words.country(nationality) if foreign else text(p.get("ethnicity")),
        "id_type": words.label("id_type", p.get("id_type")),
        "id_number": text(p.get("id_number")),
        "education": words.label("education", p.get("education")),
        "phone": written_phone(p.get("phone")),
        "email": text(p.get("email")),
        "address": address_text(p.get("address")),
        "mailing_address": text(p.get("mailing_address")) or address_text(p.get("address")),
        "job_title": text(p.get("job_title")),
        "work_unit": work_unit,
        "migrant_worker": words.yes_no(p.get("migrant_worker")),
        "contract_signed": words.yes_no(p.get("contract_signed")),
        "work_location": text(p.get("work_location")),
        "rows": [],
    }


def _employer(p: dict, role: str, words: Words) -> dict:
    contact_phone = written_phone(p.get("contact_phone"))
    representative_phone = written_phone(p.get("legal_representative_phone"))
    address = address_text(p.get("address")) or text(p.get("street")) or text(p.get("address_text"))
    return {
        "role": role,
        "name": text(p.get("name")),
        "uscc": text(p.get("uscc")),
        "industry": words.label("industry", p.get("industry")),
        "nature": words.label("nature", p.get("nature")),
        "address": address,
        "mailing_address": text(p.get("mailing_address")) or address,
        "email": text(p.get("email")),
        "phone": contact_phone or representative_phone,
        "contact_name": text(p.get("contact_name")),
        "contact_phone": contact_phone,
        "contact_id_type": words.label("id_type", p.get("contact_id_type")),
        "contact_id_number": text(p.get("contact_id_number")),
        "is_agent": words.yes_no(p.get("is_agent")),
        "legal_representative_name": text(p.get("legal_representative_name")),
        "legal_representative_title": text(p.get("legal_representative_title")),
        "legal_representative_phone": representative_phone,
        "rows": [],
    }


Row = tuple[str, str, bool]  # label, value, whether the law asks for it (then 不详 when the case lacks it)


def _rows(rows: list[Row]) -> list[dict]:
    """Label | value rows: a statutory particular the case lacks reads 不详; any other empty row is left out."""
    return [{"label": label, "value": value or UNKNOWN} for label, value, statutory in rows if value or statutory]


def _party(kind: str, role: str, fields: dict, rows: list[Row], words: Words) -> dict:
    if kind == "worker":
        summary = [
            fields["name"],
            fields["gender"],
            fields["birth_date"] and f"{fields['birth_date']}出生",
            fields["origin"]
            and (f"国籍：{fields['origin']}" if fields["origin_label"] == "国籍" else fields["origin"]),
            fields["id_number"] and f"{fields['id_type'] or '证件号码'}：{fields['id_number']}",
            fields["job_title"] and f"职业：{fields['job_title']}",
            fields["work_unit"] and f"工作单位：{fields['work_unit']}",
            fields["address"] and f"住所：{fields['address']}",
            fields["mailing_address"] != fields["address"] and f"通讯地址：{fields['mailing_address']}",
            fields["phone"] and f"联系电话：{fields['phone']}",
        ]
    else:
        representative = fields["legal_representative_name"]
        if representative and fields["legal_representative_title"]:
            representative += f"（{fields['legal_representative_title']}）"
        summary = [
            fields["name"],
            fields["uscc"] and f"统一社会信用代码：{fields['uscc']}",
            fields["address"] and f"住所：{fields['address']}",
            fields["mailing_address"] != fields["address"] and f"通讯地址：{fields['mailing_address']}",
            representative and f"法定代表人（主要负责人）：{representative}",
            fields["phone"] and f"联系电话：{fields['phone']}",
        ]
    return {
        "role": role,
        "kind": kind,
        "kind_label": words.label("party_kind", kind),
        "name": fields["name"],
        "summary": "，".join(part for part in summary if part),
        "rows": _rows(rows),
    }


# The particulars 调解仲裁法 art. 28 (一) and 办案规则 art. 29 ask of a worker: name, gender, birth date (age),
# identity document, occupation, work unit, domicile, mailing address, phone.
def _worker_applicant_rows(w: dict) -> list[Row]:
    return [
        ("姓名", w["name"], True),
        ("性别", w["gender"], True),
        ("出生日期", w["birth_date"], True),
        (w["origin_label"], w["origin"], False),
        ("证件类型", w["id_type"], True),
        ("证件号码", w["id_number"], True),
        ("文化程度", w["education"], False),
        ("职业（工作岗位）", w["job_title"], True),
        ("工作单位", w["work_unit"], True),
        ("住所", w["address"], True),
        ("通讯地址", w["mailing_address"], True),
        ("联系电话", w["phone"], True),
        ("电子邮箱", w["email"], False),
        ("是否农民工", w["migrant_worker"], False),
        ("是否签订劳动合同", w["contract_signed"], False),
        ("工作地点", w["work_location"], False),
    ]


def _worker_respondent_rows(w: dict) -> list[Row]:
    return [
        ("姓名", w["name"], True),
        ("性别", w["gender"], True),
        ("出生日期", w["birth_date"], True),
        (w["origin_label"], w["origin"], False),
        ("证件类型", w["id_type"], True),
        ("证件号码", w["id_number"], True),
        ("职业（工作岗位）", w["job_title"], True),
        ("工作单位", w["work_unit"], True),
        ("住所", w["address"], True),
        ("联系电话", w["phone"], True),
    ]


def _worker_table_rows(w: dict) -> list[Row]:
    """The worker in an arbitration application or a payment order (调解仲裁法 art. 28, 办案规则 art. 29)."""
    born = w["birth_date"] + (f"（{w['age']}岁）" if w["age"] and w["birth_date"] else "")
    return [
        ("姓名", w["name"], True),
        ("性别", w["gender"], True),
        ("出生日期（年龄）", born, True),
        (w["origin_label"], w["origin"], False),
        ("证件类型", w["id_type"], True),
        ("证件号码", w["id_number"], True),
        ("职业", w["job_title"], True),
        ("工作单位", w["work_unit"], True),
        ("住所", w["address"], True),
        ("通讯地址", w["mailing_address"], True),
        ("联系电话", w["phone"], True),
    ]


# An organisation: name, domicile, mailing address, phone, its legal representative (or principal) and title.
def _employer_table_rows(e: dict) -> list[Row]:
    return [
        ("名称", e["name"], True),
        ("统一社会信用代码", e["uscc"], True),
        ("住所", e["address"], True),
        ("通讯地址", e["mailing_address"], True),
        ("法定代表人（主要负责人）", e["legal_representative_name"], True),
        ("职务", e["legal_representative_title"], True),
        ("联系电话", e["phone"], True),
    ]


def _employer_applicant_rows(e: dict, is_agent: bool) -> list[Row]:
    contact = "委托代理人" if is_agent else "联系人"
    return [
        ("单位名称", e["name"], True),
        ("统一社会信用代码", e["uscc"], True),
        ("所属行业", e["industry"], False),
        ("单位性质", e["nature"], False),
        ("住所", e["address"], True),
        ("电子邮箱", e["email"], False),
        ("法定代表人（主要负责人）", e["legal_representative_name"], True),
        ("职务", e["legal_representative_title"], True),
        ("法定代表人电话", e["legal_representative_phone"], False),
        (contact, e["contact_name"], False),
        (f"{contact}电话", e["contact_phone"], False),
        (f"{contact}证件类型", e["contact_id_type"], False),
        (f"{contact}证件号码", e["contact_id_number"], False),
    ]


def _employer_respondent_rows(e: dict) -> list[Row]:
    return [
        ("单位名称", e["name"], True),
        ("统一社会信用代码", e["uscc"], True),
        ("所属行业", e["industry"], False),
        ("单位性质", e["nature"], False),
        ("住所", e["address"], True),
        ("法定代表人（主要负责人）", e["legal_representative_name"], True),
        ("职务", e["legal_representative_title"], True),
        ("联系人", e["contact_name"], False),
        ("联系电话", e["phone"], True),
    ]


def written_phone(value: object) -> str:
    """A stored phone (E.164) as people write it: 13817770001, 021-68881234; another country's with its code,
    +852 6123 4567. A number kept as written (or unreadable) stays as it is."""
    stored = text(value)
    if not stored.startswith("+"):
        return stored
    try:
        number = phonenumbers.parse(stored)
    except NumberParseException:
        return stored
    if number.country_code != 86:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = str(number.national_number)
    if phonenumbers.number_type(number) in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return national
    area = phonenumbers.length_of_geographical_area_code(number)
    return f"0{national[:area]}-{national[area:]}" if area else national


# ---------------------------------------------------------------- values


def text(value: object) -> str:
    """Printable text: "" for None, no control characters, Windows line ends made plain."""
    if value is None:
        return ""
    s = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub("", s).strip()


def to_datetime(value: object, field: str) -> datetime | None:
    """A tz-aware datetime from a datetime or an ISO string; a naive one is taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _bad(field, value) from None
    if not isinstance(value, datetime):
        raise _bad(field, value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def to_date(value: object, field: str) -> date | None:
    """The calendar date of a date, a "YYYY-MM-DD" string, or a datetime seen in Asia/Shanghai."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _bad(field, value) from None
    moment = to_datetime(value, field)
    return moment.astimezone(SHANGHAI).date() if moment else None


def zh_date(value: object, field: str = "date") -> str:
    """二〇二六年十一月二十二日; "" when there is no date."""
    day = to_date(value, field)
    if day is None:
        return ""
    return f"{str(day.year).translate(_DIGITS)}年{cn2an.an2cn(day.month)}月{cn2an.an2cn(day.day)}日"


def money(value: object, field: str) -> tuple[str, str]:
    """("12,000.00", "壹万贰仟元整") for a positive amount; ("", "") for none or zero."""
    amount = _decimal(value, field)
    if not amount:
        return "", ""
    return f"{amount:,.2f}", cn2an.an2cn(f"{amount:.2f}", "rmb")


def _decimal(value: object, field: str) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise _bad(field, value)
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise _bad(field, value) from None
    if not amount.is_finite() or amount < 0:
        raise _bad(field, value)
    return amount.quantize(Decimal("0.01"))


def _fen(value: object) -> Decimal | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value) / 100
    return None


def _bad(field: str, value: object) -> DocumentRefused:
    return DocumentRefused(
        "invalid_case",
        f"案件数据有误：{field} 的值无法识别（{value!r}）",
        f"invalid case: cannot read {field} = {value!r}",
    )
