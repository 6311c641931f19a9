"""The OpenAPI description of a person's own data (docs/privacy.md): the privacy notice, "my data" and its copy,
consents with versions, correction requests, deletion. Joined into openapi.py's document (`privacy_paths`,
`privacy_schemas`); written with plain schemas, as openapi_guidance.py is, so that neither module imports the other."""

from __future__ import annotations

from typing import Any

from services.accounts import consents
from services.cases import corrections
from services.core.text import UNSEEN_CLASS
from services.privacy import inventory

Schema = dict[str, Any]
ERROR = {"$ref": "#/components/schemas/Error"}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
JSON = "application/json"
TEXT: Schema = {"type": "string"}
WHEN: Schema = {"type": "string", "format": "date-time", "description": "ISO 8601 in Asia/Shanghai"}
DAY: Schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
SERIAL: Schema = {"type": "string", "pattern": r"^\d{14}$", "description": "the case's serial"}
_PRESENT = rf"[^\s{UNSEEN_CLASS}]"


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def obj(properties: dict[str, Schema], required: list[str] | None = None, closed: bool = True) -> Schema:
    """An object; an answer's is closed (a field the code adds undocumented fails the journey tests)."""
    out: Schema = {"type": "object", "properties": properties, "required": sorted(required or properties)}
    if not out["required"]:
        del out["required"]
    if closed:
        out["additionalProperties"] = False
    return out


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def errors(**described: str) -> dict[str, Any]:
    return {
        status[1:]: {"description": text, "content": {JSON: {"schema": ERROR}}} for status, text in described.items()
    }


def answer(status: str, schema: Schema, description: str) -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


HISTORY = array(obj({"version": TEXT, "state": TEXT, "at": WHEN, "channel": TEXT}))
FIELDS = sorted({*corrections.PERSON_FIELDS, *corrections.ORGANISATION_FIELDS, corrections.OTHER})
PURPOSES = [consents.NOTICE, *consents.OPTIONAL]


def privacy_schemas() -> dict[str, Schema]:
    correction = obj(
        {
            "serial": SERIAL,
            "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "role": {"type": "string", "enum": ["applicant", "respondent"]},
            "field": {"type": "string", "enum": FIELDS},
            "value": {"type": "string", "description": "the correct value asked for (a phone masked)"},
            "reason": TEXT,
            "requested_at": WHEN,
            "due": {**DAY, "description": f"answered by this day: {corrections.CORRECTION_WORKING_DAYS} working days"},
            "due_provisional": {"type": "boolean"},
            "state": {"type": "string", "enum": ["open", *corrections.DECISIONS]},
            "answer": nullable(obj({"decision": TEXT, "note": TEXT, "at": nullable(WHEN)})),
        }
    )
    consent_status = obj(
        {
            "notice": obj(
                {
                    "version": {"type": "string", "description": "the notice in force"},
                    "accepted_version": nullable(TEXT),
                    "accepted_at": nullable(WHEN),
                    "current": {"type": "boolean", "description": "the version accepted is the one in force"},
                    "changes": {"type": "string", "description": "what changed since the version accepted"},
                    "history": HISTORY,
                }
            ),
            "optional": array(
                obj(
                    {
                        "purpose": {"type": "string", "enum": list(consents.OPTIONAL)},
                        "title": TEXT,
                        "text": TEXT,
                        "version": TEXT,
                        "sensitive": {"type": "boolean", "description": "sensitive data: consented to separately"},
                        "state": {"type": "string", "enum": ["granted", "withdrawn", "none", "outdated"]},
                        "granted_version": nullable(TEXT),
                        "changes": TEXT,
                        "history": HISTORY,
                    }
                )
            ),
        }
    )
    case = obj(
        {
            "serial": SERIAL,
            "role": {"type": "string", "enum": ["applicant", "respondent"]},
            "kind": {"type": "string", "enum": ["worker", "employer"]},
            "status": TEXT,
            "status_label": TEXT,
            "centre": TEXT,
            "created_at": WHEN,
            "updated_at": WHEN,
            "particulars": {"type": "object", "description": "the caller's own side of the case, numbers masked"},
            "claim": nullable({"type": "object", "description": "the claim, as the applicant made it"}),
            "consent": nullable(obj({"version": TEXT, "accepted_at": nullable(WHEN)})),
            "timeline": array(obj({"at": WHEN, "action": TEXT, "label": TEXT, "by": TEXT, "note": TEXT})),
            "notifications": array(
                obj(
                    {
                        "kind": TEXT,
                        "title": TEXT,
                        "lines": {"type": "object", "additionalProperties": TEXT},
                        "created_at": nullable(WHEN),
                        "state": TEXT,
                        "channel": TEXT,
                        "sent_at": nullable(WHEN),
                    }
                )
            ),
        }
    )
    my_data = obj(
        {
            "person_id": TEXT,
            "generated_at": WHEN,
            "person": obj(
                {
                    "created_at": nullable(WHEN),
                    "verified": {"type": "boolean"},
                    "verified_via": TEXT,
                    "verified_at": nullable(WHEN),
                    "name": TEXT,
                    "id_type": TEXT,
                    "id_number": {"type": "string", "description": "masked"},
                }
            ),
            "sign_ins": array(obj({"provider": TEXT, "since": nullable(WHEN)})),
            "account": nullable(
                obj(
                    {
                        "name": TEXT,
                        "id_type": TEXT,
                        "id_number": TEXT,
                        "mobile": TEXT,
                        "created_at": nullable(WHEN),
                        "last_login_at": nullable(WHEN),
                    }
                )
            ),
            "cases": array(case),
            "corrections": array(ref("Correction")),
            "files": array(
                obj(
                    {
                        "id": TEXT,
                        "name": TEXT,
                        "kind": TEXT,
                        "size": {"type": "integer"},
                        "uploaded_at": nullable(WHEN),
                        "in_a_case": {"type": "boolean", "description": "evidence of a case: kept with it"},
                    }
                )
            ),
            "drafts": array(obj({"kind": TEXT, "updated_at": nullable(WHEN)})),
            "consents": ref("ConsentStatus"),
            "subscriptions": {"type": "object", "additionalProperties": {"type": "integer"}},
            "views": array(
                obj(
                    {
                        "at": WHEN,
                        "role": {"type": "string", "description": "the viewer's role (staff), partner, person"},
                        "viewer": {"type": "string", "description": "the role in words, the court, or you"},
                        "centre": TEXT,
                        "name": {"type": "string", "description": "a staff member's name where the centre shows it"},
                        "action": TEXT,
                        "action_label": TEXT,
                        "serial": TEXT,
                    }
                )
            ),
            "pending": array(obj({"purpose": {"type": "string", "enum": PURPOSES}, "version": TEXT, "changes": TEXT})),
            "correctable": {
                "type": "object",
                "description": "by serial: the fields the caller may ask to correct",
                "additionalProperties": array(obj({"field": {"type": "string", "enum": FIELDS}, "label": TEXT})),
            },
            "correction_days": {"type": "integer", "description": "working days the centre has to answer"},
            "proof_mobile": {"type": "string", "description": "where a one-time code goes on the pages (masked)"},
        }
    )
    notice = obj(
        {
            "controller": TEXT,
            "items": array(
                obj(
                    {
                        "id": {"type": "string", "enum": [item.id for item in inventory.ITEMS]},
                        "persons": array(TEXT),
                        "basis": {"type": "string", "enum": list(inventory.BASES)},
                        "basis_text": TEXT,
                        "sensitive": {"type": "boolean"},
                        **{word: TEXT for word in inventory.WORDS},
                    }
                )
            ),
            "rights": array(TEXT),
            "contact": TEXT,
        }
    )
    return {"Correction": correction, "ConsentStatus": consent_status, "MyData": my_data, "PrivacyNotice": notice}


def privacy_paths() -> dict[str, Any]:
    deletion_target = {
        "type": "string",
        "pattern": r"^(account|draft:(worker|employer)|file:[0-9a-f]{32}|consent:[a-z_]{1,40}|case:\d{14})$",
        "description": "what to delete: a draft, an upload no case uses, an optional consent, the account (no case "
        "names the caller), or a case (always refused: a case file is kept)",
    }
    correction_body = obj(
        {
            "serial": SERIAL,
            "field": {"type": "string", "enum": FIELDS, "description": "one of the caller's own particulars, or other"},
            "value": {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": _PRESENT},
            "reason": {"type": "string", "maxLength": 500},
        },
        ["serial", "field", "value"],
        closed=False,
    )
    version = {"type": "string", "minLength": 1, "maxLength": 40, "description": "the version of the text read"}
    consent_body = {
        "oneOf": [
            obj({"granted": {"type": "boolean", "enum": [True]}, "version": version}, closed=False),
            obj({"granted": {"type": "boolean", "enum": [False]}, "version": version}, ["granted"], closed=False),
        ]
    }
    purpose = {"name": "purpose", "in": "path", "required": True, "schema": {"type": "string", "enum": PURPOSES}}
    copy_format = {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["json", "pdf"]},
        "description": "json (default) or pdf",
    }
    return {
        "/api/privacy": {
            "get": {
                "summary": "The privacy notice: what is processed, of whom, why, on which basis, "
                "where, who sees it, how long; the rights. What a respondent reads at the first visit (PIPL art. 30)",
                "responses": answer("200", ref("PrivacyNotice"), "the notice, in the caller's language"),
            }
        },
        "/api/mp/me": {
            "get": {
                "summary": "My data: everything held about the caller (numbers masked), who looked at it (role, "
                "centre, when), what the next visit asks again (`pending`), what may be corrected",
                "security": BEARER,
                "responses": answer("200", ref("MyData"), "the caller's data"),
            }
        },
        "/api/mp/me/copy": {
            "get": {
                "summary": "A copy of the caller's data, their own numbers in clear: JSON or PDF (PIPL art. 45)",
                "description": "Only to a token issued within the last 10 minutes: otherwise 401 `reauth_required`, "
                "and the mini-program signs in again (wx.login, POST /api/mp/session) and asks again. Recorded.",
                "security": BEARER,
                "parameters": [
                    copy_format,
                    {
                        "name": "person",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{0,64}$"},
                        "description": "whose data: only the caller's own (their `person_id`); anyone else's is 403",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "the copy, as an attachment",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    **errors(
                        _403="`copy_not_yours`: a copy of someone else's data",
                        _401="not signed in, or `reauth_required`: the token is older than 10 minutes",
                        _503="no PDF can be made here now (LibreOffice): the JSON still works",
                    ),
                },
            }
        },
        "/api/mp/me/corrections": {
            "post": {
                "summary": "Ask the centre handling a case to correct one of the caller's particulars (PIPL art. 46): "
                f"answered in the case's timeline within {corrections.CORRECTION_WORKING_DAYS} working days (`due`)",
                "security": BEARER,
                "requestBody": {"required": True, "content": {JSON: {"schema": correction_body}}},
                "responses": {
                    **answer("201", ref("Correction"), "the request, with the day it will be answered by"),
                    **errors(
                        _404="not a case the caller is a party to (or no such case)",
                        _409="too many requests of the caller's waiting in this case",
                        _422="a field that is not the caller's, a phone that is no phone, a value too long",
                    ),
                },
            }
        },
        "/api/mp/me/deletions": {
            "post": {
                "summary": "Delete what the law allows (a draft, an unused upload, an optional consent, the account "
                "without cases); a case file is refused with the basis named (PIPL art. 47)",
                "operationId": "deleteMyData",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": obj({"target": deletion_target}, ["target"], closed=False)}},
                },
                "responses": {
                    **answer("200", obj({"deleted": TEXT}), "deleted"),
                    **errors(
                        _404="not the caller's (a draft, a file, a case), or an unknown consent",
                        _409="`deletion_refused`: the law keeps it (a case file; an account with cases), the basis "
                        "in the message; or the notice, which is no consent",
                        _422="a target of another shape",
                    ),
                },
            }
        },
        "/api/mp/consents": {
            "get": {
                "summary": "The notice accepted and each optional consent, with versions, state, what changed, history",
                "security": BEARER,
                "responses": answer("200", ref("ConsentStatus"), "consents"),
            }
        },
        "/api/mp/consents/{purpose}": {
            "put": {
                "summary": "Accept the notice in force, or give or withdraw an optional consent (at once)",
                "description": "`{granted: true, version}` accepts or consents to the version read; `{granted: false}` "
                "withdraws an optional consent. The answer to a 409 `consent_required` elsewhere.",
                "security": BEARER,
                "parameters": [purpose],
                "requestBody": {"required": True, "content": {JSON: {"schema": consent_body}}},
                "responses": {
                    **answer("200", ref("ConsentStatus"), "consents after the change"),
                    **errors(
                        _404="no such consent",
                        _409="`consent_outdated`: another version is in force (named in the message); or the notice, "
                        "which cannot be withdrawn",
                        _422="no `granted`, or no `version` to a consent given",
                    ),
                },
            }
        },
    }


CONSENT_REQUIRED = (
    "`consent_required`: the notice changed since the caller accepted it; `details.consent` {purpose, version, "
    "changes} says which to show, PUT /api/mp/consents/notice accepts it"
)
