"""The OpenAPI 3 description of every `/api/` route: each request and response body typed field by field (format,
enumeration, length), every status an operation answers, and its errors in the shape of docs/contracts.md#errors.

Tests keep it true: tests/handlers/test_contract.py (every `/api/` route of handlers/routes.py is here, and nothing
else), tests/handlers/mp/test_openapi_journey.py (every answer of a whole journey matches its schema: the response
schemas refuse undocumented fields) and tests/handlers/test_schemathesis.py (schemathesis, every check).

Layout: building blocks; the schemas (`components`), some read from the code that decides them (the application's
fields from services/intake/validation.py, statuses from the workflow, timeline actions from the catalogue); then the
paths, one function per area, joined in `PATH_GROUPS`: a new area is one more function there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from docgen import KINDS as DOCUMENT_KINDS
from handlers.public.openapi_guidance import guidance_paths
from handlers.public.openapi_privacy import CONSENT_REQUIRED, privacy_paths, privacy_schemas
from i18n import catalogue
from services.cases import documents, service, workflow
from services.cases.signing import CATEGORIES, MAX_COPIES, MAX_SIGNATURE_URL
from services.core import amounts
from services.core.text import UNSEEN_CLASS
from services.directory.centres import LEVELS
from services.directory.nationalities import by_pinyin
from services.intake import validation as spec
from settings import Settings

Schema = dict[str, Any]
Security = list[dict[str, list[str]]]  # an operation's requirements: any one of them, each scheme with its scopes
JSON = "application/json"
BEARER: Security = [{"bearer": []}]

# ---------------------------------------------------------------- building blocks


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def string(description: str = "", **facets: Any) -> Schema:
    return {"type": "string", **({"description": description} if description else {}), **facets}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:  # OpenAPI 3.0: a reference takes no siblings, so wrap it
        return {"allOf": [schema], "nullable": True}
    if "enum" in schema:  # OpenAPI 3.0.3: an enumeration that allows null lists it
        return {**schema, "enum": [*schema["enum"], None], "nullable": True}
    return {**schema, "nullable": True}


def enum(values: Iterable[str], description: str = "") -> Schema:
    return string(description, enum=list(values))


def obj(
    properties: dict[str, Schema], required: Iterable[str] | None = None, description: str = "", closed: bool = True
) -> Schema:
    """An object; `closed`: no other field (an answer's schema: a field the code adds undocumented fails a test).
    `required` defaults to every property (what an answer always carries)."""
    out: Schema = {
        "type": "object",
        "properties": properties,
        "required": sorted(properties if required is None else required),
    }
    if not out["required"]:
        del out["required"]
    if closed:
        out["additionalProperties"] = False
    if description:
        out["description"] = description
    return out


def array(items: Schema, **facets: Any) -> Schema:
    return {"type": "array", "items": items, **facets}


def items_of(schema: Schema, description: str = "") -> Schema:
    return obj({"items": array(schema)}, description=description)


DATE = string("YYYY-MM-DD", format="date", pattern=r"^\d{4}-\d{2}-\d{2}$")
DATETIME = string("ISO 8601 in Asia/Shanghai (+08:00)", format="date-time")
DECIMAL = string("yuan, two decimals", pattern=r"^\d{1,9}\.\d{2}$")
FILE_ID = string("a stored file", pattern=r"^[0-9a-f]{32}$")
SERIAL = string("业务流水号: YYYYMMDD, a 5-digit daily sequence, a Luhn check digit", pattern=r"^\d{14}$")
SM3 = string("SM3 fingerprint, hex", pattern=r"^[0-9a-f]{64}$")
TEXT = string()  # free text of the case (a name, a note): any characters


def _json(schema: Schema) -> Schema:
    return {"content": {JSON: {"schema": schema}}}


ERROR_TEXT = {
    "400": "bad input: malformed JSON, bytes that are not UTF-8 text, a missing or malformed header or parameter",
    "401": "not signed in, the token expired or was ended by signing out; or a wx.login code WeChat refused",
    "404": "not found (or not the caller's): a case, a file, a document, an invitation, a region, a centre",
    "409": "not allowed in the case's current state (its status, a revised draft, answered already, closed)",
    "413": "body too large",
    "415": "not JSON (Content-Type: application/json required)",
    "422": "field errors, every one listed in `errors` (each with its field's dotted path)",
    "429": "too many requests from this address (or for this serial): try again later",
    "503": "a dependency (the database, WeChat, LibreOffice) is down: nothing changed, try again",
}


def ok(status: str, schema: Schema | None, description: str) -> dict[str, Any]:
    return {status: {"description": description, **(_json(schema) if schema is not None else {})}}


def errors(*statuses: str, **texts: str) -> dict[str, Any]:
    """Error answers, in the shape of docs/contracts.md#errors; `texts` replace the general words of a status
    (`_404="..."`)."""
    return {s: {"description": texts.get(f"_{s}", ERROR_TEXT[s]), **_json(ref("Error"))} for s in statuses}


def op(
    summary: str,
    responses: dict[str, Any],
    *,
    params: list[Schema] | None = None,
    body: Schema | None = None,
    bearer: bool = True,
    operation_id: str = "",
    description: str = "",
) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": summary, "responses": responses}
    if description:
        out["description"] = description
    if operation_id:
        out["operationId"] = operation_id
    if params:
        out["parameters"] = params
    if bearer:
        out["security"] = BEARER
    if body is not None:
        out["requestBody"] = {"required": True, **_json(body)}
    return out


def path_param(name: str, schema: Schema, description: str = "") -> Schema:
    out = {"name": name, "in": "path", "required": True, "schema": schema}
    return out | ({"description": description} if description else {})


def query(name: str, schema: Schema, required: bool = False, description: str = "") -> Schema:
    out = {"name": name, "in": "query", "required": required, "schema": schema}
    return out | ({"description": description} if description else {})


SERIAL_PARAM = path_param("serial", SERIAL)
KIND_PARAM = path_param("kind", enum(spec.KINDS))
TOKEN_PARAM = path_param("token", string(pattern=r"^[A-Za-z0-9_-]{16,64}$"), "from the invitation's link")
DOCUMENT_PARAM = path_param("document_id", string(pattern=r"^[0-9a-f]{32}$"))
FILE_PARAM = path_param("file_id", string(pattern=r"^[0-9a-f]{32}$"))
PAPER_KIND_PARAM = path_param(
    "kind",
    enum(documents.PARTY_KINDS["applicant"]),
    "a route's document (the respondent: judicial_confirmation, arbitral_review, agreement)",
)
IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "8-100 characters; the same key and body within 24 hours answer the same case (201 again); the "
    "same key with another body is a 422",
    "schema": string(pattern=r"^[A-Za-z0-9_.:\-]{8,100}$"),
}

# ---------------------------------------------------------------- the application's fields (one source: validation)

_PRESENT = rf"[^\s{UNSEEN_CLASS}]"  # a required text: a character one sees (the rest is removed: core/text.py)


def _field(section: spec.Section, name: str, field: spec.Spec, submitted: bool) -> Schema:
    """One field of the application: as submitted (`submitted`: every check), or as a draft keeps it (types,
    lengths and lists only: what is typed is kept until the step is finished). A field not required may be null
    or blank: both mean "not filled in" (validation._given)."""
    required = submitted and name not in section.optional
    out = _field_value(field, required, submitted)
    if required:
        return out
    if "enum" in out and out.get("type") == "string":
        out["enum"] = [*out["enum"], ""]
    return nullable(out)


def _field_value(field: spec.Spec, required: bool, submitted: bool) -> Schema:
    label = field.label.text()
    if field.kind == "choice":
        return enum(field.choices, label)
    if field.kind == "nationality":
        return enum(by_pinyin(), f"{label}: ISO 3166-1 alpha-3 of a state (HKG, MAC, TWN are CHN: China)")
    if field.kind == "accept" and submitted:
        return {"type": "boolean", "enum": [True], "description": label + ": true, the notice accepted"}
    if field.kind in ("bool", "accept"):
        return {"type": "boolean", "description": label}
    if field.kind == "address":
        return ref("AddressIn" if submitted else "DraftAddress")
    out = string(label, maxLength=field.max_len) if field.max_len else string(label)
    if submitted and field.kind in ("date", "birth_date"):
        out |= (
            {"format": "date", "pattern": r"^\s*\d{4}-\d{2}-\d{2}\s*$"}
            if required
            else {"pattern": r"^\s*(\d{4}-\d{2}-\d{2})?\s*$", "description": out["description"] + ": YYYY-MM-DD"}
        )
    elif submitted and field.kind == "email":
        out["pattern"] = (
            r"^\s*[^@\s]+@[^@\s.]+(\.[^@\s.]+)+\s*$" if required else r"^\s*([^@\s]+@[^@\s.]+(\.[^@\s.]+)+)?\s*$"
        )
    elif submitted and field.kind == "amount":
        out["pattern"] = amounts.OPTIONAL_PATTERN
        out["description"] += (
            ': yuan, a decimal string ("12000.00", "12,000.00"; full-width digits read as ASCII), at most two '
            'decimals, no sign; "0" or empty when nothing is claimed'
        )
    elif submitted and field.kind == "phone":
        out["description"] += ": any country's number as people write it, stored in E.164"
    elif submitted and field.kind == "id_number":
        out["description"] += ": checked against its type (a resident ID's check digit, birth date, gender)"
    elif submitted and field.kind == "uscc":
        # GB 32100-2015's check character: a wrong one is accepted and flagged for a person to check (a code
        # misread from a licence must not stop a worker's application), shown in the case's review flags.
        out["description"] += (
            ": 18 characters of GB 32100-2015; a wrong check character is accepted and flagged "
            "for a mediator to check, not refused"
        )
    elif field.kind == "text" and 0 < field.max_len <= spec.ONE_LINE:
        out["description"] += ": one line"
    if required and field.kind not in ("choice", "nationality", "bool", "accept", "address"):
        out["pattern"] = out.get("pattern", _PRESENT)
    return out


def _section_schema(section: spec.Section, submitted: bool) -> Schema:
    fields = {name: _field(section, name, f, submitted) for name, f in section.fields.items()}
    required = [name for name in section.fields if name not in section.optional and not section.fields[name].instead]
    out = obj(fields, required if submitted else [], section.label.text())
    standins = {name: f.instead for name, f in section.fields.items() if f.instead and name not in section.optional}
    if submitted and standins:  # the address, or wave 1's street text instead
        out["anyOf"] = [{"required": [name]} for pair in standins.items() for name in pair]
    return out


def application_schema(kind: str, submitted: bool) -> Schema:
    """The body of a `kind` application (docs/contracts.md#the-application-body-in-brief), as submitted or as a
    draft keeps it."""
    parts = {
        name: _section_schema(spec.SECTIONS[kind, name], submitted) for name in ("applicant", "respondent", "claim")
    }
    consent = _section_schema(spec.CONSENT, submitted)
    service_in = _section_schema(spec.SERVICE, submitted)  # the applicant's 送达地址确认书 (services/cases/service.py)
    evidence = array(
        string("a file uploaded with POST /api/mp/files", pattern=r"^\s*[0-9a-fA-F]{32}\s*$"),
        maxItems=spec.MAX_EVIDENCE,
        uniqueItems=True,
    )
    if not submitted:  # a step not reached yet: absent or null
        parts = {name: nullable(part) for name, part in parts.items()}
        consent = nullable(consent)
    # Optional (absent or null) even when submitted: a client of wave 1 or 2 sends none, and the applicant's page
    # then asks for it (POST …/service); given, both its fields are required.
    service_in = nullable(service_in)
    properties = {"kind": enum([kind])} if submitted else {}
    properties |= {**parts, "evidence": nullable(evidence), "consent": consent, "service": service_in}
    return obj(
        properties,
        ["kind", "applicant", "respondent", "claim", "consent"] if submitted else [],
        f"a {kind}'s application" + ("" if submitted else ", any part of it (a draft)"),
    )


# ---------------------------------------------------------------- answers: a case as its parties read it

_ADDRESS_OUT = obj(
    {
        "region_code": nullable(string(pattern=r"^(\d{6}|\d{9})$")),
        "region_name": string("the region's full name when filed"),
        "detail": TEXT,
    },
    description="a domicile: a GB/T 2260 region and the street",
)
_CODED = {
    "id_type": "id_type",
    "contact_id_type": "id_type",
    "gender": "gender",
    "education": "education",
    "industry": "industry",
    "nature": "nature",
    "nationality": "nationality",
}
_SEALED = ("id_number", "contact_id_number", "phone", "contact_phone", "legal_representative_phone")


def _party_out(kind: str, role: str) -> Schema:
    """A party as a case answer shows it: personal numbers masked, each code with its words (`*_label`)."""
    section = spec.SECTIONS[kind, role]
    props: dict[str, Schema] = {}
    for name, field in section.fields.items():
        if name == "street":
            continue
        schema = _field(section, name, field, submitted=False)
        if field.kind == "address":
            schema = _ADDRESS_OUT
        elif name in _SEALED:
            schema = string("masked: 138****5678, 3101**********0017")
        elif field.kind in ("date", "birth_date"):
            schema = DATE
        props[name] = schema
        if name in _CODED:
            props[f"{name}_label"] = string(f"{name} in words")
    return obj(props, ["name"], f"the {kind} case's {role}")


def _case_schemas() -> dict[str, Schema]:
    statuses = enum(workflow.STATUSES)
    actions = sorted(
        {k.split(".", 1)[1] for k in catalogue().keys() if k.startswith(("move.", "event.")) and k.count(".") == 1}
    )
    summary = {
        "serial": SERIAL,
        "kind": enum(spec.KINDS),
        "status": statuses,
        "status_label": string("the status in words"),
        "cause": nullable(string("the main request item's cause, once clarified")),
        "mediator": nullable(string("the mediator in charge")),
        "next_session_at": nullable(DATETIME),
        "centre": nullable(string("the mediation centre")),
        "respondent_name": nullable(TEXT),
        "created_at": DATETIME,
        "updated_at": DATETIME,
    }
    answer = obj(
        {
            "decision": enum(("agree", "decline", "propose")),
            "reason": TEXT,
            "proposal": TEXT,
            "amount": DECIMAL,
            "channel": string(),
            "late": {"type": "boolean"},
            "label": string("the answer in words"),
            "at": DATETIME,
        },
        ["decision", "label", "at"],
        "the respondent's answer",
    )
    term = obj(
        {
            "text": TEXT,
            "amount": DECIMAL,
            "due_date": DATE,
            "method": string("how it is paid or done"),
            "category": enum(CATEGORIES),
        }
    )
    signature = obj({"name": string("who signed"), "at": DATETIME})
    evidence_file = obj(
        {
            "id": FILE_ID,
            "name": string("the file's name"),
            "kind": string(enum=["image", "pdf", "word", "zip", ""]),
            "size": {"type": "integer", "minimum": 0},
            "added_at": nullable(DATETIME),
            "source": string("where it came from (调解仲裁法 art. 28 (三)), or empty"),
            "proves": string("what it is to prove, or empty"),
        },
        description="evidence; `added_at`: added after submitting",
    )
    item = obj(
        {
            "number": {"type": "integer", "minimum": 1},
            "cause_code": string(),
            "cause_label": string(),
            "cause_level1_label": string(),
            "text": TEXT,
            "amount": DECIMAL,
            "arbitrable": {"type": "boolean"},
            "cause_warning": string("the condition the cause needs, or where to turn instead"),
        }
    )
    case_fields = {
        **summary,
        "role": enum(("applicant", "respondent"), "whose page this is"),
        "applicant": {"anyOf": [ref("WorkerApplicant"), ref("EmployerApplicant")]},
        "respondent": {"anyOf": [ref("WorkerRespondent"), ref("EmployerRespondent")]},
        "respondent_access": nullable(
            obj(
                {
                    "invited_at": DATETIME,
                    "answer_due": DATE,
                    "answer_due_provisional": {"type": "boolean"},
                    "claimed": {"type": "boolean", "description": "the respondent proved the invitation"},
                    "claimed_at": nullable(DATETIME),
                    "answer": nullable(answer),
                    "silent": {"type": "boolean", "description": "no answer by the due day"},
                },
                description="the respondent's invitation",
            )
        ),
        "agreement": obj(
            {
                "version": {"type": "integer", "minimum": 1},
                "status": statuses,
                "terms": array(term),
                "waivers": TEXT,
                "copies": {"type": "integer", "minimum": 3, "maximum": MAX_COPIES},
                "signatures": obj({r: signature for r in workflow.SIGNERS}, []),
                "missing": array(enum(workflow.SIGNERS), description="who is still to sign"),
                "effective_at": nullable(DATETIME),
            },
            [],
            "the agreement being signed, or signed ({} before a draft)",
        ),
        "performance": array(ref("TermPerformance")),
        "mediation_extended_to": nullable(DATE),
        "claim": obj(
            {
                **{
                    n: _field(spec.SECTIONS["worker", "claim"], n, f, False)
                    for n, f in spec.SECTIONS["worker", "claim"].fields.items()
                },
                "amount": DECIMAL,
                "total": string(
                    "请求金额合计: the items confirmed, else the amount claimed", pattern=r"^\d{1,9}\.\d{2}$"
                ),
                "venue_label": string("the venue in words"),
                "employment_started": DATE,
                "employment_ended": DATE,
                "dispute_known_on": DATE,
            },
            ["amount", "total", "requests", "facts"],
            "the claim as filed",
        ),
        "evidence": array(FILE_ID, description="the applicant's evidence files (the respondent: none to download)"),
        "evidence_files": array(evidence_file, description="the applicant's evidence, by name"),
        "respondent_files": array(evidence_file, description="the respondent's evidence, by name"),
        "consent": obj({"version": string(), "accepted_at": DATETIME}),
        "timeline": array(
            obj(
                {
                    "at": DATETIME,
                    "action": enum(actions),
                    "label": string("the entry in words"),
                    "status": statuses,
                    "status_label": string(),
                    "note": string("what it was"),
                    "by": string("applicant, respondent, staff or system"),
                },
                ["at", "action", "label", "status", "status_label", "by"],
            )
        ),
        "clarified": nullable(
            obj(
                {
                    "version": {"type": "integer", "minimum": 1},
                    "state": enum(("pending", "confirmed", "change_requested")),
                    "comment": TEXT,
                    "pushed_at": nullable(DATETIME),
                    "items": array(item),
                },
                description="the standard request items the mediator wrote",
            )
        ),
        "outcome": nullable(
            obj(
                {
                    "kind": enum(("settled", "failed", "rejected", "withdrawn")),
                    "reason": TEXT,
                    "terms_text": TEXT,
                    "closure_reason": enum(workflow.CLOSURE_REASONS),
                    "closure_reason_label": string(),
                    "at": nullable(DATETIME),
                },
                ["at"],
                "how it ended (法释〔2021〕23号 art. 25 for a failure; a withdrawal with its reason)",
            )
        ),
        "session": nullable(
            obj(
                {
                    "at": DATETIME,
                    "place": TEXT,
                    "online": {"type": "boolean", "description": "a video session"},
                    "opens_at": nullable(
                        string("when 进入视频调解 opens (a quarter of an hour early)", format="date-time")
                    ),
                    "join_open": {"type": "boolean"},
                    "online_link": string("the video meeting's address, once open (empty before)"),
                },
                description="the mediation session",
            )
        ),
        "closed": {"type": "boolean", "description": "ended: rejected, settled, failed or withdrawn"},
        "centre_contact": obj(
            {
                "name": string(),
                "address": string(),
                "phone": string(),
                "demo": {"type": "boolean", "description": "the demo's example contact: show it as one, never dial"},
            }
        ),
    }
    return {
        "CaseSummary": obj(summary, description="a case in a list (我的申请)"),
        "RespondentCaseSummary": obj(summary | {"applicant_name": TEXT, "answer": nullable(answer)}),
        "Case": obj(case_fields, description="one case as its party reads it"),
        "WorkerApplicant": _party_out("worker", "applicant"),
        "WorkerRespondent": _party_out("worker", "respondent"),
        "EmployerApplicant": _party_out("employer", "applicant"),
        "EmployerRespondent": _party_out("employer", "respondent"),
        "Answer": answer,
        "TermPerformance": obj(
            {
                "term": {"type": "integer", "minimum": 0},
                "number": {"type": "integer", "minimum": 1},
                "text": TEXT,
                "amount": DECIMAL,
                "due_date": DATE,
                "state": enum(("pending", "performed", "breached")),
                "state_label": string(),
                "asked_at": nullable(DATETIME),
                "reports": array(
                    obj(
                        {
                            "by": enum(("applicant", "respondent")),
                            "performed": {"type": "boolean"},
                            "note": TEXT,
                            "at": DATETIME,
                        }
                    )
                ),
            },
            description="a term of the signed agreement and its performance",
        ),
        "CasePage": obj(
            {
                "case": ref("Case"),
                "documents": array(ref("DocumentListed")),
                "deadline": nullable(
                    obj(
                        {
                            "due": DATE,
                            "provisional": {"type": "boolean"},
                            "days_left": {"type": "integer"},
                            "extended": {"type": "boolean"},
                            "overdue": {"type": "boolean"},
                            "due_soon": {"type": "boolean"},
                            "day15": {"type": "boolean"},
                            "court": {
                                "type": "boolean",
                                "description": "always false here: a delegated case's period is in `court`",
                            },
                        },
                        description="the mediation period (调解仲裁法 art. 14); null once closed, and for a delegated "
                        "case where those 15 days do not apply",
                    )
                ),
                "limitation": nullable(
                    obj(
                        {
                            "starts": nullable(DATE),
                            "ends_without_mediation": nullable(DATE),
                            "interrupted_on": DATE,
                            "ends": nullable(DATE),
                            "last_day": nullable(DATE),
                            "ran_out_before": {"type": "boolean"},
                            "wages_exception": {"type": "boolean"},
                            "provisional": {"type": "boolean"},
                            "text": string("art. 27 explained"),
                        },
                        description="the applicant's limitation (the safe last day, `last_day`); null on the "
                        "respondent's page",
                    )
                ),
                "routes": array(
                    obj(
                        {
                            "code": enum(ROUTE_CODES),
                            "document": enum(DOCUMENT_KINDS),
                            "label": string(),
                            "basis": string("the law"),
                            "due": nullable(DATE),
                            "provisional": {"type": "boolean"},
                            "available": {"type": "boolean"},
                            "open": {"type": "boolean"},
                        }
                    ),
                    description="arbitration, payment order, judicial confirmation, arbitral review",
                ),
                "end": nullable(
                    obj(
                        {
                            "end": enum(["declined", "failed", "refused", "silent", "expired", "withdrawn"]),
                            "lines": array(string(), description="what happened and the reader's next right"),
                            "last_day": nullable(DATE),
                            "returns": enum(["", "file", "resume", "institute"]),
                            "partner": string(),
                            "partner_case_no": string(),
                            "may_arbitrate": {"type": "boolean"},
                            "notice": nullable(string("the id of this party's termination notice")),
                        },
                        description="an end without agreement as this party reads it; null while open or settled",
                    )
                ),
                "can_answer": {"type": "boolean"},
                "can_sign": {"type": "boolean"},
                "signing_for": nullable(
                    obj(
                        {
                            "legal_representative": string(),
                            "agent": string("the agent the mediator recorded, or empty"),
                        },
                        description="the organisation party's page: who may sign for it",
                    )
                ),
                "court_choices": array(
                    obj(
                        {
                            "key": enum(("delegating", "applicant", "respondent", "centre")),
                            "name": string(),
                            "basis": enum(("delegating", "applicant", "respondent", "centre")),
                            "party": string(),
                        },
                        ["key", "name", "basis"],
                    ),
                    description="a settled case: the courts its judicial confirmation may go to (民事诉讼法 art. 205); "
                    "`?court=<key>` on the judicial_confirmation paper",
                ),
                "may_arbitrate": {"type": "boolean"},
                "party_kinds": array(enum(DOCUMENT_KINDS), description="the documents this party makes with one tap"),
                "service": array(
                    ref("ServiceRecord"),
                    description="送达记录: every notice and document served on this party, oldest first; opening "
                    "this page records that the party opened the notices (`opened_at`)",
                ),
                "service_consent": nullable(ref("ServiceConsent")),
                "court": nullable(
                    obj(
                        {},
                        [],
                        "a delegated case: the partner, its clock (answer_due, mediation_due, "
                        "paused, extensions) and the extension awaiting this party",
                        closed=False,
                    )
                ),
                "applications": array(
                    obj({}, [], closed=False),
                    description="a settled case: judicial confirmation and "
                    "arbitral review, their windows, who applied, the decision",
                ),
            },
            description="one case as a party's page shows it",
        ),
    }


_SERVICE_RECORD = obj(
    {
        "key": string("the record: <item id>-<party>"),
        "item": enum(("notice", "document")),
        "kind": string("the notice's or the document's kind"),
        "title": string(),
        "party": enum(("applicant", "respondent")),
        "party_label": string(),
        "state": enum(service.STATES),
        "state_label": string("the state in words"),
        "needs_paper": {"type": "boolean", "description": "to be served by post, phone or in person"},
        "created_at": nullable(DATETIME),
        "sent_at": nullable(DATETIME),
        "channel": string("the channel it was delivered through (wechat_oa_template, wechat_mp_subscribe, sms)"),
        "channel_label": string(),
        "failed_at": nullable(DATETIME),
        "error": string("why it could not be delivered"),
        "opened_at": nullable(DATETIME),
        "downloaded_at": nullable(DATETIME),
        "served_at": nullable(string("when it was served: the delivery (date-time), or the day served otherwise")),
        "paper": nullable(obj({"method": enum(service.METHODS), "method_label": string(), "on": DATE, "note": TEXT})),
    },
    description="the service of one notice or document on one party (民事诉讼法 art. 90 as the model)",
)
_DOCUMENT_SERVICE = nullable(
    {"allOf": [ref("ServiceRecord")], "description": "its service on the caller (null: not served on them)"}
)
_SERVICE_CONSENT_IN = obj(
    {
        "electronic": {"type": "boolean", "description": "true: served through the platform; false: on paper"},
        "address": string("where documents are served on paper", maxLength=service.MAX_ADDRESS, pattern=_PRESENT),
        "recipient": nullable(string("who receives them there", maxLength=service.MAX_RECIPIENT)),
    },
    ["electronic", "address"],
    "a 送达地址确认书: consent to electronic service, and the address for service otherwise",
)


def _draft_view(kind: str) -> Schema:
    saved = application_schema(kind, False)
    saved["properties"] = {"kind": enum([kind]), **saved["properties"], "updated_at": DATETIME}
    saved["required"] = ["kind", "updated_at"]
    return saved


def _schemas(settings: Settings | None) -> dict[str, Schema]:
    versions = list(settings.consent_versions) if settings else []
    consent_version = enum(versions, "a version GET /api/notice serves") if versions else string(maxLength=50)
    document_listed = {
        "id": string(pattern=r"^[0-9a-f]{32}$"),
        "kind": enum(DOCUMENT_KINDS),
        "title": string(),
        "version": {"type": "integer", "minimum": 1},
        "sm3": SM3,
        "size": {"type": "integer"},
        "issued_at": DATETIME,
    }
    labelled = obj({"code": string(), "label": string("in the caller's language")})
    schemas = {
        "FieldError": obj(
            {
                "code": string("what went wrong, for programs"),
                "message": string("for the person, in their language (Chinese by default)"),
                "field": string("the field's dotted path (applicant.id_number), or empty"),
            }
        ),
        "Error": obj(
            {
                "error": ref("FieldError"),
                "errors": array(ref("FieldError"), minItems=1),
                "details": {
                    "type": "object",
                    "description": "what a program needs to act on the refusal: a 409 `consent_required` carries "
                    "`consent` {purpose, version, changes}, the notice to show again",
                },
            },
            ["error", "errors"],
            description="the error shape (docs/contracts.md#errors): the first problem, and every field problem found",
        ),
        "WorkerApplication": application_schema("worker", True),
        "EmployerApplication": application_schema("employer", True),
        "WorkerDraft": application_schema("worker", False),
        "EmployerDraft": application_schema("employer", False),
        "AddressIn": obj(
            {
                "region_code": string(
                    "a county (6 digits) or township (9 digits) of GET /api/regions", pattern=r"^\s*(\d{6}|\d{9})\s*$"
                ),
                "detail": string("the street and number", maxLength=200, pattern=_PRESENT),
            },
            ["region_code", "detail"],
        ),
        "DraftAddress": obj(
            {
                "region_code": nullable(string(maxLength=spec.MAX_REGION_CODE)),
                "detail": nullable(string(maxLength=200)),
            },
            [],
        ),
        "DraftView": {
            "anyOf": [_draft_view(kind) for kind in spec.KINDS],
            "description": "the draft as saved: the application's parts so far, personal numbers masked (a "
            "mask sent back unchanged keeps the number)",
        },
        "Notice": obj(
            {
                "version": string("what consent.version must say"),
                "title": string(),
                "text": string(),
                "paragraphs": array(string()),
            }
        ),
        "Reference": obj(
            {
                name: array(labelled)
                for name in ("id_types", "nationalities", "genders", "educations", "industries", "natures", "venues")
            },
            description="every list of codes an application uses, each code with its label",
        ),
        "Regions": obj(
            {
                "parent": nullable(string(pattern=r"^(\d{6}|\d{9})$")),
                "source": string("the data package and its version"),
                "items": array(
                    obj(
                        {
                            "code": string(pattern=r"^(\d{6}|\d{9})$"),
                            "name": string(),
                            "level": enum(("province", "city", "county", "township")),
                            "leaf": {"type": "boolean", "description": "no regions below it"},
                        }
                    )
                ),
            }
        ),
        "Centres": items_of(
            obj(
                {
                    "id": string(),
                    "name": string(),
                    "level": enum(LEVELS),
                    "parent_id": nullable(string("the centre above, which manages this one")),
                    "regions": array(
                        obj({"code": string(), "name": string()}), description="GB/T 2260 regions it serves"
                    ),
                    "address": string(),
                    "phone": string(),
                    "demo": {"type": "boolean", "description": "address and phone are the demo's examples"},
                    "courts": array(string(), description="courts that invited it"),
                }
            )
        ),
        "Taxonomy": obj(
            {
                "version": string(),
                "causes": array(
                    obj(
                        {
                            "code": string(pattern=r"^\d{2}$"),
                            "label": string(),
                            "library": string("the page of this cause's laws and typical cases (issue 16)"),
                            "children": array(
                                obj(
                                    {
                                        "code": string(pattern=r"^\d{2}-\d{2}$"),
                                        "label": string(),
                                        "arbitrable": {
                                            "type": "boolean",
                                            "description": "false: arbitration refuses it",
                                        },
                                        "warning": string("shown when it is chosen"),
                                        "library": string("the page of this cause's laws and typical cases"),
                                    },
                                    ["code", "label", "library"],
                                )
                            ),
                        }
                    )
                ),
            }
        ),
        "Progress": obj(
            {
                "serial": SERIAL,
                "status": enum(workflow.STATUSES),
                "status_label": string(),
                "submitted_at": DATETIME,
                "updated_at": DATETIME,
                "next_session_at": nullable(DATETIME),
            }
        ),
        "StoredFile": obj(
            {
                "id": FILE_ID,
                "name": string(),
                "kind": enum(("image", "pdf", "word", "zip")),
                "size": {"type": "integer", "minimum": 1},
                "created_at": DATETIME,
                "captured_at": nullable(
                    string(
                        "a photo's capture time from its EXIF, as the camera recorded it (ISO 8601;"
                        " with the UTC offset where the camera wrote one); the copy kept has none"
                    )
                ),
                "source": string("where it came from, as its uploader said (调解仲裁法 art. 28 (三)), or empty"),
                "proves": string("what it is to prove, as its uploader said, or empty"),
            }
        ),
        "DocumentListed": obj(document_listed | {"service": _DOCUMENT_SERVICE}, list(document_listed)),
        "Document": obj(
            document_listed | {"download": string("where to fetch it"), "service": _DOCUMENT_SERVICE},
            [*document_listed, "download"],
        ),
        "ServiceRecord": _SERVICE_RECORD,
        "ServiceConsent": obj(
            {
                "electronic": {"type": "boolean", "description": "consents to electronic service"},
                "address": TEXT,
                "recipient": TEXT,
                "given_at": DATETIME,
                "label": string("the choice in words"),
            },
            description="the party's 送达地址确认书 (null: not given yet: POST …/service)",
        ),
        "Invitation": obj(
            {
                "serial": SERIAL,
                "centre": string(),
                "respondent_name": TEXT,
                "role": enum(("applicant", "respondent"), "whom it invites (a delegated case's applicant too)"),
                "party_name": TEXT,
                "court": string("the court or institute that delegated the case, or empty"),
                "phone_masked": string("where the code goes"),
                "can_text": {"type": "boolean"},
                "answer_due": DATE,
                "answer_due_provisional": {"type": "boolean"},
                "claimed": {"type": "boolean"},
                "status": enum(workflow.STATUSES),
                "status_label": string(),
            },
            description="what an invitation shows before any proof",
        ),
        "Grants": obj(
            {
                "grants": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 0},
                    "description": "one-time subscribe-message grants left, by template id",
                }
            }
        ),
        **_case_schemas(),
        **DOCKING_SCHEMAS,
    }
    for kind in spec.KINDS:  # a known notice version only
        schemas[f"{kind.capitalize()}Application"]["properties"]["consent"]["properties"]["version"] = consent_version
    return schemas | privacy_schemas()


# ---------------------------------------------------------------- paths, by area


def _binary(*types: str) -> dict[str, Any]:
    return {"content": {t: {"schema": string(format="binary")} for t in types}}


def _download(summary: str) -> dict[str, Any]:
    """A party's download of one of their case's documents."""
    return op(
        summary,
        {
            "200": {"description": "the file: .docx as issued, or its PDF copy", **_binary(*DOCUMENT_TYPES)},
            **errors(
                "400",
                "404",
                "503",
                _400="a format other than docx or pdf",
                _503="no PDF can be made here now (LibreOffice); the .docx still works",
            ),
        },
        params=[SERIAL_PARAM, DOCUMENT_PARAM, query("format", enum(("docx", "pdf")))],
    )


# What each stored evidence file or generated document is sent back as (services/intake/evidence.py).
FILE_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "application/zip",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
DOCUMENT_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/pdf")
CASE = ref("Case")
# The routes of a settled case (services/cases/performance.py).
ROUTE_CODES = ("arbitration", "payment_order", "judicial_confirmation", "arbitral_review")
PAGE = ref("CasePage")
_FILE_IDS = obj(
    {"file_ids": array(string(pattern=r"^\s*[0-9a-fA-F]{32}\s*$"), minItems=1, maxItems=20)},
    description="files uploaded with POST /api/mp/files",
    closed=False,
)
_REASON = string("why", maxLength=500, pattern=_PRESENT)


def public_paths(settings: Settings | None) -> dict[str, Any]:
    return {
        "/api/notice": {
            "get": op(
                "The notice (告知书) an applicant accepts now; its version goes in consent.version",
                ok("200", ref("Notice"), "the notice"),
                bearer=False,
            )
        },
        "/api/reference": {
            "get": op(
                "Every list of codes an application uses, with labels in the caller's language (Accept-Language); "
                "nationalities in the order lists offer them (China, the most chosen, then by pinyin)",
                ok("200", ref("Reference"), "the lists") | errors("503"),
                bearer=False,
            )
        },
        "/api/regions": {
            "get": op(
                "GB/T 2260 regions for cascading lists: the children of `parent` (none: the provinces)",
                ok("200", ref("Regions"), "the children")
                | errors("404", "422", _404="a code that names no region", _422="not a region code's shape"),
                params=[query("parent", string(pattern=r"^(\d{6}|\d{9})?$"))],
                bearer=False,
            )
        },
        "/api/centres": {
            "get": op(
                "The active mediation centres: level, the centre above, regions, address, phone",
                ok("200", ref("Centres"), "the centres") | errors("503"),
                bearer=False,
            )
        },
        "/api/taxonomy": {
            "get": op(
                "The two-level cause taxonomy of a centre (the default centre's without one)",
                ok("200", ref("Taxonomy"), "version and causes") | errors("404", _404="no such centre"),
                params=[query("centre", string(pattern=r"^[a-z0-9-]{0,40}$"))],
                bearer=False,
            )
        },
        "/api/progress": {
            "get": op(
                "Public progress by serial and the last four digits of the applicant's phone (status and dates only)",
                ok("200", ref("Progress"), "status and dates")
                | errors(
                    "404",
                    "422",
                    "429",
                    "503",
                    _404="no such case, or the digits do not match, or the serial fails its check digit (mistyped)",
                    _429="too many wrong answers for this serial, or from this address",
                ),
                params=[query("serial", SERIAL, True), query("phone_last4", string(pattern=r"^\d{4}$"), True)],
                bearer=False,
            )
        },
        "/api/openapi.json": {
            "get": op(
                "This document", {"200": {"description": "OpenAPI 3.0", **_json({"type": "object"})}}, bearer=False
            )
        },
    }


def session_paths(settings: Settings | None) -> dict[str, Any]:
    code = obj({"code": string("what wx.login gave", minLength=1, maxLength=128, pattern=_PRESENT)}, closed=False)
    token = obj(
        {
            "token": string("our bearer token: Authorization: Bearer <token>"),
            "expires_in": {"type": "integer", "minimum": 1, "description": "seconds"},
        }
    )
    return {
        "/api/mp/session": {
            "post": op(
                "Exchange a wx.login code for our bearer token",
                ok("200", token, "signed in")
                | errors("401", "429", "503", _401="WeChat refused the code (invalid, used, or expired)"),
                body=code,
                bearer=False,
            ),
            "delete": op(
                "Sign out: every bearer token of the caller stops working (on every device)",
                {"204": {"description": "signed out"}},
                operation_id="signOut",
            ),
        }
    }


def application_paths(settings: Settings | None) -> dict[str, Any]:
    base = "/api/mp/applications/{serial}"
    by_kind = {kind: f"#/components/schemas/{kind.capitalize()}Application" for kind in spec.KINDS}
    application = {
        "oneOf": [{"$ref": target} for target in by_kind.values()],
        "discriminator": {"propertyName": "kind", "mapping": by_kind},
    }
    answer = {
        "oneOf": [
            obj(
                {
                    "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    "decision": enum(["confirm"]),
                    "comment": string(maxLength=1000),
                },
                ["version", "decision"],
                closed=False,
            ),
            obj(
                {
                    "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    "decision": enum(["change"]),
                    "comment": string("what should change", maxLength=1000, pattern=_PRESENT),
                },
                ["version", "decision", "comment"],
                closed=False,
            ),
        ]
    }
    return {
        "/api/mp/applications": {
            "get": op(
                "我的申请: the caller's cases, newest first",
                ok("200", items_of(ref("CaseSummary")), "the cases") | errors("503"),
            ),
            "post": op(
                "Submit an application: 201 and the case with its serial at once",
                ok("201", CASE, "the case (again, for a repeated key and body)") | errors("409", "422", "503"),
                params=[IDEMPOTENCY_PARAM],
                body=application,
                description="422 also for what no schema states: an ID number's check digit, a birth date "
                "or gender that disagrees with a resident ID, dates after today, a region code "
                "that names no county or township, a phone that is no country's number, an "
                "unknown evidence file, a key reused with another body",
            ),
        },
        base: {
            "get": op(
                "One of the caller's cases with its timeline",
                ok("200", CASE, "the case") | errors("404", "503"),
                params=[SERIAL_PARAM],
            )
        },
        base + "/withdraw": {
            "post": op(
                "Withdraw one's own application, with the reason",
                ok("200", CASE, "withdrawn") | errors("404", "409", "422", "503"),
                params=[SERIAL_PARAM],
                body=obj({"reason": _REASON}, ["reason"], closed=False),
            )
        },
        base + "/clarified": {
            "post": op(
                "Confirm the request items the mediator pushed, or ask for a change with a comment",
                ok("200", CASE, "answered") | errors("404", "409", "422", "503"),
                params=[SERIAL_PARAM],
                body=answer,
            )
        },
        base + "/evidence": {
            "post": op(
                "Add evidence after submitting, while the case is open (the mediator sees it as new)",
                ok("200", CASE, "the case with its evidence")
                | errors("404", "409", "422", "503", _404="no such case, or a file not the caller's"),
                params=[SERIAL_PARAM],
                body=_FILE_IDS,
            )
        },
        base + "/documents": {
            "get": op(
                "The case's documents, every version, newest first",
                ok("200", items_of(ref("Document")), "the documents") | errors("404", "503"),
                params=[SERIAL_PARAM],
            )
        },
        base + "/documents/{document_id}": {"get": _download("Download a document of one's case")},
    }


def draft_paths(settings: Settings | None) -> dict[str, Any]:
    draft = {
        "anyOf": [ref("WorkerDraft"), ref("EmployerDraft")],
        "description": "the draft of the path's kind: its parts so far (each part as a whole)",
    }
    return {
        "/api/mp/drafts/{kind}": {
            "get": op(
                "The saved draft (personal numbers masked)",
                ok("200", ref("DraftView"), "the draft") | errors("404", "503", _404="no draft of this kind"),
                params=[KIND_PARAM],
            ),
            "put": op(
                "Save the draft so far; a mask sent back unchanged keeps the stored number",
                ok("200", ref("DraftView"), "saved") | errors("404", "409", "422", "503", _409=CONSENT_REQUIRED),
                params=[KIND_PARAM],
                body=draft,
            ),
            "delete": op(
                "Drop the draft", {"204": {"description": "dropped"}} | errors("404", "503"), params=[KIND_PARAM]
            ),
        },
        "/api/mp/drafts/{kind}/submit": {
            "post": op(
                "Submit the saved draft as the application",
                ok("201", CASE, "the case")
                | errors("404", "409", "422", "503", _409="already submitted; or " + CONSENT_REQUIRED),
                params=[KIND_PARAM, IDEMPOTENCY_PARAM],
                description="422 lists what the draft still lacks, and what no schema states (see the application)",
            )
        },
    }


def file_paths(settings: Settings | None) -> dict[str, Any]:
    upload = {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": obj({"file": string(format="binary", minLength=1)}, closed=False)},
            "application/octet-stream": {"schema": string(format="binary", minLength=1)},
        },
    }
    post = op(
        "Upload one evidence file (wx.uploadFile): a photo, PDF, Word file or .zip, kept encrypted",
        ok("201", ref("StoredFile"), "stored")
        | errors(
            "400",
            "409",
            "413",
            "415",
            "422",
            "503",
            _409=CONSENT_REQUIRED,
            _400="an empty file or a malformed upload",
            _413="larger than 20 MB",
            _415="not a photo, PDF, Word file or .zip, judged by its content",
            _422="an archive or image refused (too many entries, a path outside it, a bomb) or the case's "
            "total reached",
        ),
        params=[
            {
                "name": "X-File-Name",
                "in": "header",
                "required": False,
                "schema": string(maxLength=255),
                "description": "raw-body uploads only: the file's name, percent-encoded UTF-8",
            }
        ],
    )
    post["requestBody"] = upload
    return {
        "/api/mp/files": {"post": post},
        "/api/mp/files/{file_id}": {
            "get": op(
                "Download a stored file (its owner)",
                {"200": {"description": "the file (Content-Disposition: attachment)", **_binary(*FILE_TYPES)}}
                | errors("404", "503", _404="not found (or not the caller's)"),
                params=[FILE_PARAM],
            ),
            "put": op(
                "Its uploader says where the file came from and what it proves (both optional; the mediator may "
                "correct them)",
                ok("200", ref("StoredFile"), "noted") | errors("404", "422", "503", _404="not the caller's file"),
                params=[FILE_PARAM],
                body=obj(
                    {
                        "source": string("at most 100 characters once characters nobody sees are dropped"),
                        "proves": string("at most 200 characters, the same way"),
                    },
                    [],
                    closed=False,
                ),
            ),
        },
    }


def subscription_paths(settings: Settings | None) -> dict[str, Any]:
    known = (
        sorted({t.mini_program.template_id for t in settings.notifications.kinds.values() if t.mini_program})
        if settings
        else []
    )
    template = enum(known, "a mini-program template of ours") if known else string(pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    return {
        "/api/mp/subscriptions": {
            "get": op(
                "The caller's one-time subscribe-message grants left, by template id",
                ok("200", ref("Grants"), "grants") | errors("503"),
            ),
            "post": op(
                "Record the template ids wx.requestSubscribeMessage accepted (one send each)",
                ok("200", ref("Grants"), "grants after recording") | errors("409", "422", "503", _409=CONSENT_REQUIRED),
                body=obj({"template_ids": array(template, minItems=1, maxItems=20)}, closed=False),
            ),
        }
    }


def party_paths(settings: Settings | None) -> dict[str, Any]:
    """Both parties' calls: the respondent's invitation, answer and evidence; signing, performance, documents."""
    invitation = "/api/mp/invitations/{serial}/{token}"
    signature = obj(
        {
            "version": {"type": "integer", "minimum": 1, "description": "the draft's version being signed"},
            "image": string(
                "data:image/png;base64,... as signature_pad draws it (a PNG, 20-3000 px a side)",
                pattern=r"^data:image/png;base64,[A-Za-z0-9+/]+=*$",
                maxLength=MAX_SIGNATURE_URL,
            ),
            "capacity": enum(
                ("legal_representative", "agent"),
                "the organisation party's signer: its legal representative, or the agent whose authorisation the "
                "mediator recorded (required of it; page `signing_for`)",
            ),
            "seal": string(
                "the organisation's seal image, beside its signatory's signature (optional; a PNG data URL)",
                pattern=r"^data:image/png;base64,[A-Za-z0-9+/]+=*$",
                maxLength=MAX_SIGNATURE_URL,
            ),
        },
        ["version", "image"],  # `capacity` only of the organisation party, `seal` optional (services/cases/signing.py)
        closed=False,
    )
    refusal = obj(
        {"version": {"type": "integer", "minimum": 1}, "reason": string(maxLength=1000)}, ["version"], closed=False
    )
    report = obj(
        {"term": {"type": "integer", "minimum": 1}, "performed": {"type": "boolean"}, "note": string(maxLength=500)},
        ["term", "performed"],
        closed=False,
    )
    answer = {
        "oneOf": [
            obj({"decision": enum(["agree"])}, ["decision"], closed=False),
            obj({"decision": enum(["decline"]), "reason": string(maxLength=500)}, ["decision"], closed=False),
            obj(
                {
                    "decision": enum(["propose"]),
                    "proposal": string(maxLength=2000, pattern=_PRESENT),
                    "amount": string("yuan, optional (as an application's claim)", pattern=amounts.OPTIONAL_PATTERN),
                },
                ["decision", "proposal"],
                closed=False,
            ),
        ]
    }
    paths: dict[str, Any] = {
        invitation: {
            "get": op(
                "The respondent's invitation: whom it invites, where the code goes",
                ok("200", ref("Invitation"), "the invitation") | errors("404"),
                params=[SERIAL_PARAM, TOKEN_PARAM],
                bearer=False,
            )
        },
        invitation + "/code": {
            "post": op(
                "Send a one-time code to the phone the applicant gave (mobiles only)",
                ok("200", obj({"resend_after": {"type": "integer", "minimum": 0}}), "sent")
                | errors("404", "409", "429", "503"),
                params=[SERIAL_PARAM, TOKEN_PARAM],
                bearer=False,
            )
        },
        invitation + "/claim": {
            "post": op(
                "Prove the invitation with the code: the caller becomes the case's respondent",
                ok("200", CASE, "the case as its respondent reads it") | errors("404", "409", "422", "503"),
                params=[SERIAL_PARAM, TOKEN_PARAM],
                body=obj(
                    {"code": string("the six digits sent", pattern=r"^\d{6}$"), "service": _SERVICE_CONSENT_IN},
                    ["code"],
                    closed=False,
                ),
                description="`service`: the respondent's 送达地址确认书 given with this first visit (else their page "
                "asks for it: POST …/service)",
            )
        },
        "/api/mp/respondent/cases": {
            "get": op(
                "我的申请 as respondent: the cases whose invitation the caller proved",
                ok("200", items_of(ref("RespondentCaseSummary")), "the cases") | errors("503"),
            )
        },
    }
    bases = (("applicant", "/api/mp/applications/{serial}"), ("respondent", "/api/mp/respondent/cases/{serial}"))
    for role, base in bases:
        who = "the applicant" if role == "applicant" else "the respondent"
        paths[base + "/page"] = {
            "get": op(
                f"The case as {who}'s page shows it",
                ok("200", PAGE, "the page") | errors("404", "503"),
                params=[SERIAL_PARAM],
            )
        }
        paths[base + "/signature"] = {
            "post": op(
                f"{who} signs the current draft (the last signature settles the case)",
                ok("201", PAGE, "signed") | errors("404", "409", "422", "503"),
                params=[SERIAL_PARAM],
                body=signature,
                description="422 also for an image that is not a drawn PNG (its bytes are checked)",
            )
        }
        paths[base + "/refuse_signing"] = {
            "post": op(
                f"{who} refuses to sign: the case ends as failed (refused_to_sign)",
                ok("200", PAGE, "refused") | errors("404", "409", "422", "503"),
                params=[SERIAL_PARAM],
                body=refusal,
            )
        }
        paths[base + "/performance"] = {
            "post": op(
                f"{who} reports on a term's performance",
                ok("200", items_of(ref("TermPerformance")), "the terms") | errors("404", "409", "422", "503"),
                params=[SERIAL_PARAM],
                body=report,
            )
        }
        paths[base + "/extension_consent"] = {
            "post": op(
                f"A delegated case: {who} consents to extending the court's period (the last consent extends it)",
                ok("200", PAGE, "consented") | errors("404", "409", "503"),
                params=[SERIAL_PARAM],
            )
        }
        paths[base + "/applications/{application}"] = {
            "post": op(
                f"A settled case: {who} applies for judicial confirmation (30 days) or arbitral review (15 days), "
                "jointly: the second application goes to the court / institute",
                ok("200", PAGE, "applied") | errors("404", "409", "503"),
                params=[SERIAL_PARAM, path_param("application", enum(("judicial_confirmation", "arbitral_review")))],
            )
        }
        paths[base + "/service"] = {
            "post": op(
                f"{who} gives (or changes) their 送达地址确认书: consent to electronic service, the address",
                ok("200", PAGE, "kept") | errors("404", "422", "503"),
                params=[SERIAL_PARAM],
                body=_SERVICE_CONSENT_IN,
            )
        }
        paths[base + "/papers/{kind}"] = {
            "post": op(
                "One tap: the document of a route open to the caller",
                ok("201", ref("Document"), "issued")
                | errors("404", "409", "503", _409="the route is not open (yet), or the case cannot fill the document"),
                params=[
                    SERIAL_PARAM,
                    PAPER_KIND_PARAM,
                    query(
                        "court",
                        enum(("delegating", "applicant", "respondent", "centre")),
                        description="a judicial confirmation's court, a key of the page's `court_choices`",
                    ),
                ],
            )
        }
    respondent = "/api/mp/respondent/cases/{serial}"
    paths[respondent] = {
        "get": op(
            "One case as its respondent reads it",
            ok("200", PAGE, "the page") | errors("404", "503"),
            params=[SERIAL_PARAM],
        )
    }
    paths[respondent + "/answer"] = {
        "post": op(
            "The respondent's answer, once: agree, decline (optional reason) or agree and propose",
            ok("200", ref("Answer"), "answered") | errors("404", "409", "422", "503"),
            params=[SERIAL_PARAM],
            body=answer,
        )
    }
    paths[respondent + "/evidence"] = {
        "post": op(
            "Attach files the respondent uploaded (POST /api/mp/files) as their evidence",
            ok("200", CASE, "the case with its evidence")
            | errors("404", "409", "422", "503", _404="no such case, or a file not the caller's"),
            params=[SERIAL_PARAM],
            body=_FILE_IDS,
        )
    }
    paths[respondent + "/documents"] = {
        "get": op(
            "The case's documents, every version",
            ok("200", items_of(ref("Document")), "the documents") | errors("404", "503"),
            params=[SERIAL_PARAM],
        )
    }
    paths[respondent + "/documents/{document_id}"] = {"get": _download("Download a document of the case")}
    return paths


# Docking (docs/contracts.md#docking-with-courts-and-arbitration-institutes): every call signed by the partner with
# four headers (HMAC-SM3 over METHOD, PATH_AND_QUERY, TIMESTAMP, NONCE and SM3 of the body); 401 otherwise.
DOCKING_SECURITY: Security = [
    {"docking_partner": [], "docking_timestamp": [], "docking_nonce": [], "docking_signature": []}
]
DOCKING_SCHEMES = {
    "docking_partner": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Docking-Partner",
        "description": "the calling partner's id (config.yaml docking.partners)",
    },
    "docking_timestamp": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Docking-Timestamp",
        "description": "Unix seconds, within 300 s of our clock",
    },
    "docking_nonce": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Docking-Nonce",
        "description": "16-64 of [A-Za-z0-9_-], never reused within 10 minutes",
    },
    "docking_signature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Docking-Signature",
        "description": "lower-case hex HMAC-SM3(key, METHOD\\nPATH_AND_QUERY\\nTIMESTAMP\\nNONCE\\nhex(SM3(body)))",
    },
}
_TEXT = {"type": "string"}
_DOCKING_PARTY = {
    "type": "object",
    "required": ["role", "kind", "name", "phone"],
    "properties": {
        "role": {"type": "string", "enum": ["applicant", "respondent"]},
        "kind": {"type": "string", "enum": ["person", "organisation"]},
        "name": {"type": "string", "maxLength": 100},
        "id_type": {"type": "string", "description": "a person's; GET /api/reference id_types"},
        "id_number": {"type": "string", "description": "a person's, checked"},
        "uscc": {"type": "string", "description": "an organisation's unified social credit code"},
        "legal_representative_name": {"type": "string", "description": "an organisation's, required"},
        "legal_representative_title": {"type": "string", "maxLength": 100, "description": "an organisation's 职务"},
        "occupation": {"type": "string", "maxLength": 100, "description": "a person's 职业"},
        "phone": {"type": "string", "description": "any country's notation, stored E.164"},
        "address": {"type": "string", "maxLength": 200},
        "service_address": {"type": "string"},
    },
}
DOCKING_SCHEMAS: dict[str, Any] = {
    "Delegation": {
        "type": "object",
        "description": "one applicant (the worker, a person, or the employer) and one respondent",
        "required": ["partner_case_no", "type", "region_code", "parties", "dispute", "consent_to_mediation"],
        "properties": {
            "partner_case_no": {"type": "string", "maxLength": 100, "description": "the natural key"},
            "type": {"type": "string", "enum": ["pre_filing", "post_filing", "arbitration"]},
            "delegated_at": {"type": "string", "format": "date-time"},
            "region_code": {"type": "string", "description": "GB/T 2260; routes to the centre serving it"},
            "parties": {"type": "array", "minItems": 2, "maxItems": 2, "items": _DOCKING_PARTY},
            "dispute": {
                "type": "object",
                "required": ["summary", "claims"],
                "properties": {
                    "cause": _TEXT,
                    "summary": _TEXT,
                    "claims": _TEXT,
                    "amount": {
                        "type": "string",
                        "pattern": amounts.OPTIONAL_PATTERN,
                        "description": "yuan, as an application's claim; absent or empty: 0.00",
                    },
                    "arbitrated": {
                        "type": "boolean",
                        "description": "whether the dispute was arbitrated; only false names arbitration after a "
                        "failed mediation (absent: the case returns to the court)",
                    },
                },
            },
            "documents": {
                "type": "array",
                "maxItems": 20,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": _TEXT,
                        "content_type": _TEXT,
                        "content_base64": {"type": "string", "format": "byte"},
                    },
                },
                "description": "checked like evidence (type by content, no active content, safe archives)",
            },
            "consent_to_mediation": {"type": "boolean", "enum": [True]},
            "contact": {"type": "object", "properties": {"name": _TEXT, "phone": _TEXT}},
            "video_room_url": {"type": "string", "description": "the court platform's video room (https)"},
        },
    },
    "DelegationReceipt": {
        "type": "object",
        "properties": {
            "serial": _TEXT,
            "status": {
                "type": "string",
                "enum": [
                    "delegated",
                    "accepted",
                    "returned",
                    "withdrawn",
                    "scheduled",
                    "mediating",
                    "signing",
                    "settled",
                    "failed",
                ],
            },
            "answer_due": {"type": "string", "format": "date"},
            "centre": {"type": "object", "properties": {"id": _TEXT, "name": _TEXT}},
        },
    },
    "DelegationState": {
        "type": "object",
        "description": "status, answer, the court's period, extensions, the outcome",
        "properties": {
            "partner_case_no": _TEXT,
            "serial": _TEXT,
            "status": _TEXT,
            "status_label": _TEXT,
            "centre": {"type": "object"},
            "answer_due": _TEXT,
            "answer_due_provisional": {"type": "boolean"},
            "answer": {
                "type": "object",
                "nullable": True,
                "properties": {
                    "decision": {"type": "string", "enum": ["accepted", "declined"]},
                    "reason_code": _TEXT,
                    "reason": _TEXT,
                    "at": _TEXT,
                    "late": {"type": "boolean"},
                },
            },
            "not_confirmed_in_time": {"type": "boolean"},
            "mediator": {"type": "string", "nullable": True},
            "accepted_at": {"type": "string", "nullable": True},
            "mediation_due": {"type": "string", "nullable": True},
            "paused": {"type": "boolean"},
            "extensions": {"type": "array", "items": {"type": "object"}},
            "outcome": {
                "type": "object",
                "nullable": True,
                "description": "settled (agreement, effective_at), "
                "failed (closure_reason of art. 25, the art. 21 report), returned, withdrawn",
            },
            "filed_at": {"type": "string", "nullable": True},
        },
    },
    "Withdrawal": {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 1000}}},
    "ConfirmationDecision": {
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"type": "string", "enum": ["confirmed", "rejected"]},
            "ruling_no": {"type": "string", "maxLength": 100},
            "decided_at": {"type": "string", "format": "date-time"},
            "reason": {"type": "string", "maxLength": 1000, "description": "required to reject"},
        },
    },
    "ConfirmationState": {
        "type": "object",
        "properties": {
            "id": _TEXT,
            "serial": _TEXT,
            "type": {"type": "string", "enum": ["judicial_confirmation", "arbitral_review"]},
            "state": _TEXT,
            "ruling_no": _TEXT,
            "decided_at": _TEXT,
            "reason": _TEXT,
        },
    },
    "RosterDecision": {
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"type": "string", "enum": ["confirmed", "rejected", "removed"]},
            "decided_at": {"type": "string", "format": "date-time"},
            "reason": {"type": "string", "maxLength": 1000},
        },
    },
    "RosterEntry": {
        "type": "object",
        "properties": {
            "entry_id": _TEXT,
            "partner_id": _TEXT,
            "subject": {"type": "string", "enum": ["centre", "mediator"]},
            "name": _TEXT,
            "state": _TEXT,
            "state_label": _TEXT,
            "fields": {"type": "object"},
            "decided_at": _TEXT,
            "reason": _TEXT,
        },
    },
}
PARTNER_CASE_NO_PARAM = {
    "name": "partner_case_no",
    "in": "path",
    "required": True,
    "description": "the partner's case number, URL-encoded",
    "schema": {"type": "string"},
}
HEX32 = {"type": "string", "pattern": "^[0-9a-f]{32}$"}


def docking_paths(settings: Settings | None) -> dict[str, Any]:
    """The partner calls us (docs/contracts.md#the-partner-calls-us-apidocking): every operation signed
    (DOCKING_SECURITY), 401 otherwise."""
    named = {name: ref(name) for name in DOCKING_SCHEMAS}

    def signed(
        summary: str,
        status: str,
        schema: Schema,
        statuses: tuple[str, ...],
        params: list[Schema],
        body: Schema | None = None,
        also: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        operation = op(
            summary,
            ok(status, schema, summary) | errors(*statuses) | (also or {}),
            params=params,
            body=body,
            bearer=False,
        )
        operation["security"] = DOCKING_SECURITY
        return operation

    delegations = "/api/docking/delegations"
    return {
        delegations: {
            "post": signed(
                "A court or an arbitration institute delegates a case: a case in `delegated`, routed by region",
                "201",
                named["DelegationReceipt"],
                ("401", "409", "422", "503"),
                [],
                named["Delegation"],
                also={
                    "200": {
                        "description": "the same partner_case_no and body again: the same case",
                        **_json(named["DelegationReceipt"]),
                    }
                },
            )
        },
        delegations + "/{partner_case_no}": {
            "get": signed(
                "The delegated case's state",
                "200",
                named["DelegationState"],
                ("401", "404", "503"),
                [PARTNER_CASE_NO_PARAM],
            )
        },
        delegations + "/{partner_case_no}/withdraw": {
            "post": signed(
                "The partner takes its case back (the same answer when asked again)",
                "200",
                named["DelegationState"],
                ("401", "404", "409", "422", "503"),
                [PARTNER_CASE_NO_PARAM],
                named["Withdrawal"],
            )
        },
        "/api/docking/judicial-confirmations/{confirmation_id}/decision": {
            "post": signed(
                "The court's (institute's) decision on a joint application it received",
                "200",
                named["ConfirmationState"],
                ("401", "404", "409", "422", "503"),
                [{"name": "confirmation_id", "in": "path", "required": True, "schema": HEX32}],
                named["ConfirmationDecision"],
            )
        },
        "/api/docking/roster/{entry_id}/decision": {
            "post": signed(
                "The court's decision on a special-invite roster entry we proposed",
                "200",
                named["RosterEntry"],
                ("401", "404", "409", "422", "503"),
                [{"name": "entry_id", "in": "path", "required": True, "schema": HEX32}],
                named["RosterDecision"],
            )
        },
    }


# Every area's paths: a new area (court docking: /api/docking/...) is one more function here.
def privacy_group(settings: Settings | None) -> dict[str, Any]:
    """A person's own data, consents, corrections, deletion (handlers/public/openapi_privacy.py)."""
    return privacy_paths()


def guidance_group(settings: Settings | None) -> dict[str, Any]:
    """The calculator, the library and the triage (handlers/public/openapi_guidance.py)."""
    return guidance_paths()


PATH_GROUPS: list[Callable[[Settings | None], dict[str, Any]]] = [
    public_paths,
    session_paths,
    application_paths,
    draft_paths,
    file_paths,
    subscription_paths,
    party_paths,
    docking_paths,
    guidance_group,
    privacy_group,
]


def _complete(document: dict[str, Any]) -> dict[str, Any]:
    """What every operation of a kind can answer, said once: a bearer operation 401; one with a JSON body 400
    (malformed, not UTF-8), 413 and 415 (handlers/base.py's json_body); one with a header or query 400 for bytes
    that are not UTF-8; anything 503 while the database is down; and every path 405 with `Allow` for other methods."""
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            statuses = ["401"] if operation.get("security") in (BEARER, DOCKING_SECURITY) else []
            if JSON in operation.get("requestBody", {}).get("content", {}):
                statuses += ["400", "413", "415"]
            if operation.get("parameters"):
                statuses.append("400")
            statuses.append("503")
            for status in statuses:
                responses.setdefault(status, errors(status)[status])
            responses.setdefault(
                "405",
                {
                    "description": "a method this path does not take; `Allow` lists those it does",
                    "headers": {"Allow": {"schema": string()}},
                    **_json(ref("Error")),
                },
            )
    return document


def openapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """The document; with `settings`, the lists that depend on them too (notice versions, template ids)."""
    paths: dict[str, Any] = {}
    for group in PATH_GROUPS:
        paths.update(group(settings))
    return _complete(
        {
            "openapi": "3.0.3",
            "info": {
                "title": "劳动人事争议在线调解 — 小程序接口",
                "version": "1.1.0",
                "description": "Errors: the shape of docs/contracts.md#errors (`Error`), messages in the caller's "
                "language. Personal numbers are masked in every answer. Times are ISO 8601 in Asia/Shanghai.",
            },
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, **DOCKING_SCHEMES},
                "schemas": _schemas(settings),
            },
            "paths": paths,
        }
    )
