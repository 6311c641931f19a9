"""The OpenAPI 3 description of every `/api/` route (a test walks handlers/routes.py and keeps it true)."""

from __future__ import annotations

from typing import Any

from handlers.public.openapi_guidance import guidance_paths

ERROR = {"$ref": "#/components/schemas/Error"}
CASE = {"$ref": "#/components/schemas/Case"}
BEARER = [{"bearer": []}]
GRANTS = {"type": "object", "properties": {"grants": {"type": "object", "additionalProperties": {"type": "integer"}}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _responses(ok_status: str, ok: dict[str, Any], description: str, *errors: str) -> dict[str, Any]:
    out: dict[str, Any] = {ok_status: {"description": description, **_json(ok)}}
    for status in errors:
        out[status] = {"description": ERROR_TEXT[status], **_json(ERROR)}
    return out


ERROR_TEXT = {
    "400": "bad input",
    "413": "body too large",
    "415": "not JSON (Content-Type application/json required), or a file type not accepted",
    "401": "not signed in or token expired",
    "404": "not found",
    "409": "not allowed in the case's current state (status, a revised draft, answered already)",
    "422": "field errors, all listed",
    "429": "too many requests",
    "503": "a dependency (database, WeChat) is down; nothing changed",
}
SERIAL_PARAM = {"name": "serial", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^\\d{14}$"}}
KIND_PARAM = {
    "name": "kind",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["worker", "employer"]},
}
IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "8-100 chars; the same key and body within 24 h return the same case",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:\\-]{8,100}$"},
}


TOKEN_PARAM = {"name": "token", "in": "path", "required": True, "description": "from the invitation's link",
               "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"}}  # fmt: skip
PAPER_KIND_PARAM = {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": [
    "arbitration", "payment_order", "judicial_confirmation", "arbitral_review", "agreement"]}}  # fmt: skip
DOCUMENT_PARAM = {"name": "document_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}  # fmt: skip
PAGE = {"$ref": "#/components/schemas/CasePage"}

PARTY_SCHEMAS: dict[str, Any] = {
    "Invitation": {
        "type": "object",
        "description": "What an invitation shows before any proof (the phone masked)",
        "properties": {
            **{k: {"type": "string"} for k in ("serial", "centre", "respondent_name", "phone_masked", "answer_due",
                                                "status", "status_label")},
            "answer_due_provisional": {"type": "boolean"}, "can_text": {"type": "boolean"},
            "claimed": {"type": "boolean"},
        },
    },  # fmt: skip
    "Answer": {
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"type": "string", "enum": ["agree", "decline", "propose"]},
            "reason": {"type": "string", "maxLength": 500, "description": "decline: optional"},
            "proposal": {"type": "string", "maxLength": 2000, "description": "propose: required"},
            "amount": {"type": "string", "description": "propose: optional decimal, e.g. 8000.00"},
        },
    },
    "Signature": {
        "type": "object",
        "required": ["version", "image"],
        "properties": {
            "version": {"type": "integer", "minimum": 1, "description": "the draft's version being signed"},
            "image": {"type": "string", "description": "data:image/png;base64,... as signature_pad draws it"},
        },
    },
    "Refusal": {
        "type": "object",
        "required": ["version"],
        "properties": {"version": {"type": "integer", "minimum": 1}, "reason": {"type": "string"}},
    },
    "PerformanceReport": {
        "type": "object",
        "required": ["term", "performed"],
        "properties": {"term": {"type": "integer", "minimum": 1}, "performed": {"type": "boolean"},
                       "note": {"type": "string", "maxLength": 500}},  # fmt: skip
    },
    "CasePage": {
        "type": "object",
        "description": "One case as a party's page shows it",
        "properties": {
            "case": CASE, "documents": {"type": "array", "items": {"type": "object"}},
            "deadline": {"type": "object"}, "limitation": {"type": "object", "description": "art. 27, explained"},
            "routes": {"type": "array", "items": {"type": "object"},
                       "description": "arbitration, payment order, judicial confirmation, arbitral review"},
            "can_answer": {"type": "boolean"}, "can_sign": {"type": "boolean"}, "may_arbitrate": {"type": "boolean"},
            "court": {"type": "object", "nullable": True, "description": "a delegated case: the partner, its clock "
                      "(answer_due, mediation_due, paused, extensions) and the extension awaiting this party"},
            "applications": {"type": "array", "items": {"type": "object"}, "description": "a settled case: judicial "
                             "confirmation and arbitral review, their windows, who applied, the decision"},
        },
    },  # fmt: skip
    "Issued": {
        "type": "object",
        "properties": {k: {"type": "string"} for k in ("id", "kind", "title", "sm3", "issued_at", "download")}
        | {"version": {"type": "integer"}, "size": {"type": "integer"}},
    },
}


def _op(summary: str, ok: str, ok_schema: dict[str, Any], errors: tuple[str, ...], params: list[dict[str, Any]],
        body: dict[str, Any] | None = None, bearer: bool = True) -> dict[str, Any]:  # fmt: skip
    op: dict[str, Any] = {"summary": summary, "parameters": params,
                          "responses": _responses(ok, ok_schema, summary, *errors)}  # fmt: skip
    if bearer:
        op["security"] = BEARER
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    return op


# Docking (api.md "Docking with courts and arbitration institutes"): every call signed by the partner with four
# headers (HMAC-SM3 over METHOD, PATH_AND_QUERY, TIMESTAMP, NONCE and SM3 of the body); 401 otherwise.
DOCKING_SECURITY = [{"docking_partner": [], "docking_timestamp": [], "docking_nonce": [], "docking_signature": []}]
DOCKING_SCHEMES = {
    "docking_partner": {"type": "apiKey", "in": "header", "name": "X-Docking-Partner",
                        "description": "the calling partner's id (config.yaml docking.partners)"},
    "docking_timestamp": {"type": "apiKey", "in": "header", "name": "X-Docking-Timestamp",
                          "description": "Unix seconds, within 300 s of our clock"},
    "docking_nonce": {"type": "apiKey", "in": "header", "name": "X-Docking-Nonce",
                      "description": "16-64 of [A-Za-z0-9_-], never reused within 10 minutes"},
    "docking_signature": {"type": "apiKey", "in": "header", "name": "X-Docking-Signature", "description":
                          "lower-case hex HMAC-SM3(key, METHOD\\nPATH_AND_QUERY\\nTIMESTAMP\\nNONCE\\nhex(SM3(body)))"},
}  # fmt: skip
_TEXT = {"type": "string"}
_DOCKING_PARTY = {
    "type": "object", "required": ["role", "kind", "name", "phone"],
    "properties": {"role": {"type": "string", "enum": ["applicant", "respondent"]},
                   "kind": {"type": "string", "enum": ["person", "organisation"]},
                   "name": {"type": "string", "maxLength": 100},
                   "id_type": {"type": "string", "description": "a person's; GET /api/reference id_types"},
                   "id_number": {"type": "string", "description": "a person's, checked"},
                   "uscc": {"type": "string", "description": "an organisation's unified social credit code"},
                   "legal_representative_name": {"type": "string", "description": "an organisation's, required"},
                   "phone": {"type": "string", "description": "any country's notation, stored E.164"},
                   "address": {"type": "string", "maxLength": 200}, "service_address": {"type": "string"}},
}  # fmt: skip
DOCKING_SCHEMAS: dict[str, Any] = {
    "Delegation": {
        "type": "object", "description": "one applicant (the worker, a person, or the employer) and one respondent",
        "required": ["partner_case_no", "type", "region_code", "parties", "dispute", "consent_to_mediation"],
        "properties": {
            "partner_case_no": {"type": "string", "maxLength": 100, "description": "the natural key"},
            "type": {"type": "string", "enum": ["pre_filing", "post_filing", "arbitration"]},
            "delegated_at": {"type": "string", "format": "date-time"},
            "region_code": {"type": "string", "description": "GB/T 2260; routes to the centre serving it"},
            "parties": {"type": "array", "minItems": 2, "maxItems": 2, "items": _DOCKING_PARTY},
            "dispute": {"type": "object", "required": ["summary", "claims"], "properties": {
                "cause": _TEXT, "summary": _TEXT, "claims": _TEXT, "amount": {"type": "string"}}},
            "documents": {"type": "array", "maxItems": 20, "items": {"type": "object", "properties": {
                "name": _TEXT, "content_type": _TEXT, "content_base64": {"type": "string", "format": "byte"}}},
                "description": "checked like evidence (type by content, no active content, safe archives)"},
            "consent_to_mediation": {"type": "boolean", "enum": [True]},
            "contact": {"type": "object", "properties": {"name": _TEXT, "phone": _TEXT}},
            "video_room_url": {"type": "string", "description": "the court platform's video room (https)"},
        },
    },
    "DelegationReceipt": {
        "type": "object",
        "properties": {"serial": _TEXT, "status": {"type": "string", "enum": ["delegated", "accepted", "returned",
                       "withdrawn", "scheduled", "mediating", "signing", "settled", "failed"]},
                       "answer_due": {"type": "string", "format": "date"},
                       "centre": {"type": "object", "properties": {"id": _TEXT, "name": _TEXT}}},
    },
    "DelegationState": {
        "type": "object", "description": "status, answer, the court's period, extensions, the outcome",
        "properties": {
            "partner_case_no": _TEXT, "serial": _TEXT, "status": _TEXT, "status_label": _TEXT,
            "centre": {"type": "object"}, "answer_due": _TEXT, "answer_due_provisional": {"type": "boolean"},
            "answer": {"type": "object", "nullable": True, "properties": {
                "decision": {"type": "string", "enum": ["accepted", "declined"]}, "reason_code": _TEXT,
                "reason": _TEXT, "at": _TEXT, "late": {"type": "boolean"}}},
            "not_confirmed_in_time": {"type": "boolean"}, "mediator": {"type": "string", "nullable": True},
            "accepted_at": {"type": "string", "nullable": True}, "mediation_due": {"type": "string", "nullable": True},
            "paused": {"type": "boolean"}, "extensions": {"type": "array", "items": {"type": "object"}},
            "outcome": {"type": "object", "nullable": True, "description": "settled (agreement, effective_at), "
                        "failed (closure_reason of art. 25, the art. 21 report), returned, withdrawn"},
            "filed_at": {"type": "string", "nullable": True},
        },
    },
    "Withdrawal": {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 1000}}},
    "ConfirmationDecision": {
        "type": "object", "required": ["decision"],
        "properties": {"decision": {"type": "string", "enum": ["confirmed", "rejected"]},
                       "ruling_no": {"type": "string", "maxLength": 100},
                       "decided_at": {"type": "string", "format": "date-time"},
                       "reason": {"type": "string", "maxLength": 1000, "description": "required to reject"}},
    },
    "ConfirmationState": {
        "type": "object",
        "properties": {"id": _TEXT, "serial": _TEXT, "type": {"type": "string", "enum": [
            "judicial_confirmation", "arbitral_review"]}, "state": _TEXT, "ruling_no": _TEXT, "decided_at": _TEXT,
            "reason": _TEXT},
    },
    "RosterDecision": {
        "type": "object", "required": ["decision"],
        "properties": {"decision": {"type": "string", "enum": ["confirmed", "rejected", "removed"]},
                       "decided_at": {"type": "string", "format": "date-time"},
                       "reason": {"type": "string", "maxLength": 1000}},
    },
    "RosterEntry": {
        "type": "object",
        "properties": {"entry_id": _TEXT, "partner_id": _TEXT, "subject": {"type": "string", "enum": [
            "centre", "mediator"]}, "name": _TEXT, "state": _TEXT, "state_label": _TEXT, "fields": {"type": "object"},
            "decided_at": _TEXT, "reason": _TEXT},
    },
}  # fmt: skip
PARTNER_CASE_NO_PARAM = {"name": "partner_case_no", "in": "path", "required": True,
                         "description": "the partner's case number, URL-encoded", "schema": {"type": "string"}}
HEX32 = {"type": "string", "pattern": "^[0-9a-f]{32}$"}


def _docking_paths() -> dict[str, Any]:
    """The partner calls us (api.md): every operation signed (DOCKING_SECURITY), 401 otherwise."""
    ref = {name: {"$ref": f"#/components/schemas/{name}"} for name in DOCKING_SCHEMAS}

    def op(summary: str, ok: str, schema: dict[str, Any], errors: tuple[str, ...], params: list[dict[str, Any]],
           body: dict[str, Any] | None = None, also: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
        operation = _op(summary, ok, schema, errors, params, body, bearer=False)
        operation["security"] = DOCKING_SECURITY
        operation["responses"].update(also or {})
        return operation

    delegations = "/api/docking/delegations"
    return {
        delegations: {"post": op(
            "A court or an arbitration institute delegates a case: a case in `delegated`, routed by region", "201",
            ref["DelegationReceipt"], ("401", "409", "422", "503"), [], ref["Delegation"],
            also={"200": {"description": "the same partner_case_no and body again: the same case",
                          **_json(ref["DelegationReceipt"])}})},
        delegations + "/{partner_case_no}": {"get": op(
            "The delegated case's state", "200", ref["DelegationState"], ("401", "404", "503"),
            [PARTNER_CASE_NO_PARAM])},
        delegations + "/{partner_case_no}/withdraw": {"post": op(
            "The partner takes its case back (the same answer when asked again)", "200", ref["DelegationState"],
            ("401", "404", "409", "422", "503"), [PARTNER_CASE_NO_PARAM], ref["Withdrawal"])},
        "/api/docking/judicial-confirmations/{confirmation_id}/decision": {"post": op(
            "The court's (institute's) decision on a joint application it received", "200", ref["ConfirmationState"],
            ("401", "404", "409", "422", "503"),
            [{"name": "confirmation_id", "in": "path", "required": True, "schema": HEX32}],
            ref["ConfirmationDecision"])},
        "/api/docking/roster/{entry_id}/decision": {"post": op(
            "The court's decision on a special-invite roster entry we proposed", "200", ref["RosterEntry"],
            ("401", "404", "409", "422", "503"),
            [{"name": "entry_id", "in": "path", "required": True, "schema": HEX32}], ref["RosterDecision"])},
    }


def _party_paths() -> dict[str, Any]:
    """Both parties' calls: the respondent's invitation and answer, signing, performance, a route's document."""
    ref = {name: {"$ref": f"#/components/schemas/{name}"} for name in PARTY_SCHEMAS}
    invitation = "/api/mp/invitations/{serial}/{token}"
    paths: dict[str, Any] = {
        invitation: {"get": _op("The respondent's invitation: whom it invites, where the code goes", "200",
                                ref["Invitation"], ("404",), [SERIAL_PARAM, TOKEN_PARAM], bearer=False)},
        invitation + "/code": {"post": _op(
            "Send a one-time code to the phone the applicant gave (mobiles only)", "200",
            {"type": "object", "properties": {"resend_after": {"type": "integer"}}}, ("404", "409", "429", "503"),
            [SERIAL_PARAM, TOKEN_PARAM], bearer=False)},
        invitation + "/claim": {"post": _op(
            "Prove the invitation with the code: the caller becomes the case's respondent", "200", CASE,
            ("401", "404", "409", "422"), [SERIAL_PARAM, TOKEN_PARAM],
            {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}})},
        "/api/mp/respondent/cases": {"get": _op(
            "我的申请 as respondent: the cases whose invitation the caller proved", "200",
            {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}},
            ("401",), [])},
    }  # fmt: skip
    bases = (("applicant", "/api/mp/applications/{serial}"), ("respondent", "/api/mp/respondent/cases/{serial}"))
    for role, base in bases:
        who = "the applicant" if role == "applicant" else "the respondent"
        paths[base + "/page"] = {"get": _op(f"The case as {who}'s page shows it", "200", PAGE, ("401", "404"),
                                            [SERIAL_PARAM])}  # fmt: skip
        paths[base + "/signature"] = {"post": _op(
            f"{who} signs the current draft (the last signature settles the case)", "201", PAGE,
            ("400", "401", "404", "409", "422"), [SERIAL_PARAM], ref["Signature"])}
        paths[base + "/refuse_signing"] = {"post": _op(
            f"{who} refuses to sign: the case ends as failed (refused_to_sign)", "200", PAGE,
            ("401", "404", "409", "422"), [SERIAL_PARAM], ref["Refusal"])}
        paths[base + "/performance"] = {"post": _op(
            f"{who} reports on a term's performance", "200",
            {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}},
            ("401", "404", "409", "422"), [SERIAL_PARAM], ref["PerformanceReport"])}
        paths[base + "/papers/{kind}"] = {"post": _op(
            "One tap: the document of a route open to the caller", "201", ref["Issued"],
            ("401", "404", "409"), [SERIAL_PARAM, PAPER_KIND_PARAM])}
        paths[base + "/extension_consent"] = {"post": _op(
            f"A delegated case: {who} consents to extending the court's period (the last consent extends it)", "200",
            PAGE, ("401", "404", "409"), [SERIAL_PARAM])}
        paths[base + "/applications/{application}"] = {"post": _op(
            f"A settled case: {who} applies for judicial confirmation (30 days) or arbitral review (15 days), "
            "jointly: the second application goes to the court / institute", "200", PAGE, ("401", "404", "409"),
            [SERIAL_PARAM, {"name": "application", "in": "path", "required": True, "schema": {
                "type": "string", "enum": ["judicial_confirmation", "arbitral_review"]}}])}
    respondent = "/api/mp/respondent/cases/{serial}"
    paths[respondent] = {"get": _op("One case as its respondent reads it", "200", PAGE, ("401", "404"), [SERIAL_PARAM])}
    paths[respondent + "/answer"] = {"post": _op(
        "The respondent's answer, once: agree, decline (optional reason) or agree and propose", "200",
        {"type": "object"}, ("401", "404", "409", "422"), [SERIAL_PARAM], ref["Answer"])}
    paths[respondent + "/evidence"] = {"post": _op(
        "Attach files the respondent uploaded (POST /api/mp/files) as their evidence", "200", PAGE,
        ("401", "404", "409", "422"), [SERIAL_PARAM],
        {"type": "object", "required": ["file_ids"], "properties": {"file_ids": {"type": "array",
                                                                                  "items": {"type": "string"}}}})}
    paths[respondent + "/documents"] = {"get": _op(
        "The case's documents, every version", "200",
        {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}},
        ("401", "404"), [SERIAL_PARAM])}
    paths[respondent + "/documents/{document_id}"] = {"get": _document_download()}
    return paths


# What each stored evidence file or generated document is sent back as (services/intake/evidence.py).
FILE_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf", "application/zip", "application/msword",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document")  # fmt: skip
DOCUMENT_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/pdf")


def _binary(*types: str) -> dict[str, Any]:
    return {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in types}}


def _document_download() -> dict[str, Any]:
    """A party's download of one of their case's documents (the applicant's and the respondent's alike)."""
    return {
        "summary": "Download a document (.docx as issued; ?format=pdf where LibreOffice is installed)",
        "security": BEARER,
        "parameters": [SERIAL_PARAM, DOCUMENT_PARAM,
                       {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["docx", "pdf"]}}],
        "responses": {
            "200": {"description": "the file", **_binary(*DOCUMENT_TYPES)},
            "400": {"description": "a format other than docx or pdf", **_json(ERROR)},
            "404": {"description": ERROR_TEXT["404"], **_json(ERROR)},
            "503": {"description": "PDF not available here; the .docx still works", **_json(ERROR)},
        },
    }  # fmt: skip


def _complete(document: dict[str, Any]) -> dict[str, Any]:
    """What every operation of a kind can answer, said once: a bearer operation 401; a JSON body 400
    (malformed, invalid Unicode), 413 and 415 (handlers/base.py's json_body)."""
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            statuses = ["401"] if operation.get("security") in (BEARER, DOCKING_SECURITY) else []
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                statuses += ["400", "413", "415"]
            for status in statuses:
                responses.setdefault(status, {"description": ERROR_TEXT[status], **_json(ERROR)})
    return document


def openapi_document() -> dict[str, Any]:
    return _complete(_document())


def _document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "劳动人事争议在线调解 — 小程序接口", "version": "1.0.0"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, **DOCKING_SCHEMES},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {"$ref": "#/components/schemas/FieldError"},
                        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
                    },
                },
                "FieldError": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "field": {"type": "string"},
                    },
                },
                "Application": {
                    "type": "object",
                    "required": ["kind", "applicant", "respondent", "claim", "consent"],
                    "description": "See the worker and employer bodies in api.md; unknown fields are refused.",
                    "properties": {
                        "kind": {"type": "string", "enum": ["worker", "employer"]},
                        "applicant": {"type": "object", "description": "an employer's `address` is an Address"},
                        "respondent": {"type": "object", "description": "an employer's `address` is an Address; "
                                       "phones in any country's notation (stored E.164)"},
                        "claim": {
                            "type": "object",
                            "properties": {
                                "amount": {"type": "string"},
                                "venue": {"type": "string", "enum": ["employer_location", "work_location"]},
                                "requests": {"type": "string"},
                                "facts": {"type": "string"},
                                "employment_started": {"type": "string", "format": "date"},
                                "employment_ended": {"type": "string", "format": "date"},
                                "dispute_known_on": {"type": "string", "format": "date"},
                            },
                        },
                        "evidence": {"type": "array", "items": {"type": "string"}},
                        "consent": {
                            "type": "object",
                            "properties": {"version": {"type": "string"}, "accepted": {"type": "boolean"}},
                        },
                    },
                },
                "Address": {
                    "type": "object",
                    "description": "a domicile: a GB/T 2260 county or township code (GET /api/regions) and the street; "
                                   "wave 1's `street` text is still accepted instead",
                    "properties": {"region_code": {"type": "string", "pattern": "^(\\d{6}|\\d{9})$"},
                                   "detail": {"type": "string", "maxLength": 200}},
                },  # fmt: skip
                "CaseSummary": {
                    "type": "object",
                    "properties": {
                        k: {"type": "string", "nullable": True}
                        for k in (
                            "serial",
                            "kind",
                            "status",
                            "status_label",
                            "cause",
                            "mediator",
                            "next_session_at",
                            "centre",
                            "respondent_name",
                            "created_at",
                            "updated_at",
                        )
                    },
                },
                "Case": {
                    "allOf": [
                        {"$ref": "#/components/schemas/CaseSummary"},
                        {
                            "type": "object",
                            "properties": {
                                "applicant": {"type": "object", "description": "personal numbers masked"},
                                "respondent": {"type": "object"},
                                "claim": {"type": "object"},
                                "evidence": {"type": "array", "items": {"type": "string"}},
                                "timeline": {"type": "array", "items": {"type": "object"}},
                                "role": {"type": "string", "enum": ["applicant", "respondent"]},
                                "respondent_access": {"type": "object", "nullable": True, "description":
                                                      "the invitation: answer_due, claimed, answer, silent"},
                                "agreement": {"type": "object", "description": "the draft to sign or the signed "
                                              "agreement: version, terms, signatures (name, at), missing"},
                                "performance": {"type": "array", "items": {"type": "object"},
                                                "description": "per term: due_date, state, reports"},
                                "outcome": {"type": "object", "nullable": True,
                                            "description": "kind, at, closure_reason (法释〔2021〕23号 art. 25)"},
                            },
                        },
                    ],
                },
                "Regions": {
                    "type": "object",
                    "properties": {
                        "parent": {"type": "string", "nullable": True},
                        "source": {"type": "string", "description": "the data package and its version"},
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "code": {"type": "string", "pattern": "^(\\d{6}|\\d{9})$"},
                                    "name": {"type": "string"},
                                    "level": {"type": "string", "enum": ["province", "city", "county", "township"]},
                                    "leaf": {"type": "boolean", "description": "no regions below it"},
                                },
                            },
                        },
                    },
                },
                "Centres": {
                    "type": "object",
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "string"},
                                    "name": {"type": "string"},
                                    "level": {"type": "string", "enum": ["province", "city", "district", "township",
                                                                         "enterprise", "industry"]},
                                    "parent_id": {"type": "string", "nullable": True,
                                                  "description": "the centre above, which manages this one"},
                                    "regions": {"type": "array", "description": "GB/T 2260 regions it serves",
                                                "items": {"type": "object", "properties": {
                                                    "code": {"type": "string"}, "name": {"type": "string"}}}},
                                    "address": {"type": "string"},
                                    "phone": {"type": "string"},
                                    "courts": {"type": "array", "items": {"type": "string"},
                                               "description": "the courts that invited it (特邀调解)"},
                                },
                            },
                        },
                    },
                },
                "Taxonomy": {
                    "type": "object",
                    "properties": {
                        "version": {"type": "string"},
                        "causes": {"type": "array", "items": {"$ref": "#/components/schemas/Cause"}},
                    },
                },
                "Cause": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "label": {"type": "string"},
                        "arbitrable": {"type": "boolean", "description": "false: arbitration will not accept it"},
                        "library": {"type": "string", "description": "its laws, policies and typical cases"},
                        "warning": {"type": "string", "description": "shown when chosen"},
                        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Cause"}},
                    },
                },
                "StoredFile": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": ["image", "pdf", "word", "zip"]},
                        "size": {"type": "integer"},
                        "created_at": {"type": "string"},
                        "captured_at": {
                            "type": "string", "nullable": True,
                            "description": "a photo's capture time from its EXIF, as the camera recorded it "
                            "(ISO 8601; with the UTC offset where the camera wrote one); the stored copy has no EXIF",
                        },
                    },
                },
                **PARTY_SCHEMAS,
                **DOCKING_SCHEMAS,
                "Progress": {
                    "type": "object",
                    "properties": {
                        k: {"type": "string", "nullable": True}
                        for k in ("serial", "status", "status_label", "submitted_at", "updated_at", "next_session_at")
                    },
                },
            },
        },
        "paths": {
            "/api/mp/session": {
                "post": {
                    "summary": "Exchange a wx.login code for our bearer token",
                    "requestBody": {
                        "required": True,
                        **_json({"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}),
                    },
                    "responses": _responses(
                        "200",
                        {
                            "type": "object",
                            "properties": {"token": {"type": "string"}, "expires_in": {"type": "integer"}},
                        },
                        "signed in",
                        "400",
                        "429",
                        "503",
                    ),
                },
                "delete": {
                    "operationId": "signOut",
                    "summary": "Sign out: every bearer token of the caller stops working (on every device)",
                    "security": BEARER,
                    "responses": {"204": {"description": "signed out"},
                                  "401": {"description": ERROR_TEXT["401"], **_json(ERROR)}},
                },
            },
            "/api/mp/applications": {
                "get": {
                    "summary": "我的申请: the caller's cases",
                    "security": BEARER,
                    "responses": _responses(
                        "200",
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": {"$ref": "#/components/schemas/CaseSummary"}}
                            },
                        },
                        "the cases",
                        "401",
                        "503",
                    ),
                },
                "post": {
                    "summary": "Submit an application",
                    "security": BEARER,
                    "parameters": [IDEMPOTENCY_PARAM],
                    "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/Application"})},
                    "responses": _responses(
                        "201", CASE, "the case (again, for a repeated key)", "400", "401", "422", "503"
                    ),
                },
            },
            "/api/mp/applications/{serial}": {
                "get": {
                    "summary": "One of the caller's cases with its timeline",
                    "security": BEARER,
                    "parameters": [SERIAL_PARAM],
                    "responses": _responses("200", CASE, "the case", "401", "404", "503"),
                }
            },
            "/api/mp/applications/{serial}/withdraw": {
                "post": {
                    "summary": "Withdraw one's own application",
                    "security": BEARER,
                    "parameters": [SERIAL_PARAM],
                    "requestBody": {
                        "required": True,
                        **_json({"type": "object", "properties": {"reason": {"type": "string"}}}),
                    },
                    "responses": _responses("200", CASE, "withdrawn", "401", "404", "409", "422", "503"),
                }
            },
            "/api/mp/applications/{serial}/documents": {
                "get": {
                    "summary": "The documents generated for one of the caller's cases, every version, newest first",
                    "security": BEARER,
                    "parameters": [SERIAL_PARAM],
                    "responses": _responses(
                        "200",
                        {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}},
                        "the documents (id, kind, title, version, sm3, size, issued_at, download)",
                        "401",
                        "404",
                        "503",
                    ),  # fmt: skip
                }
            },
            "/api/mp/applications/{serial}/documents/{document_id}": {"get": _document_download()},
            "/api/mp/applications/{serial}/clarified": {
                "post": {
                    "summary": "Confirm the request items the mediator pushed, or ask for a change with a comment",
                    "security": BEARER,
                    "parameters": [SERIAL_PARAM],
                    "requestBody": {
                        "required": True,
                        **_json(
                            {
                                "type": "object",
                                "required": ["version", "decision"],
                                "properties": {
                                    "version": {"type": "integer", "minimum": 1},
                                    "decision": {"type": "string", "enum": ["confirm", "change"]},
                                    "comment": {"type": "string", "maxLength": 1000},
                                },
                            }
                        ),
                    },
                    "responses": _responses("200", CASE, "answered", "400", "401", "404", "409", "422", "503"),
                }
            },
            "/api/mp/drafts/{kind}": {
                "get": {
                    "summary": "The saved draft (personal numbers masked)",
                    "security": BEARER,
                    "parameters": [KIND_PARAM],
                    "responses": _responses("200", {"type": "object"}, "the draft", "401", "404", "503"),
                },
                "put": {
                    "summary": "Save a step: the whole draft so far; a mask sent back keeps the stored number",
                    "security": BEARER,
                    "parameters": [KIND_PARAM],
                    "requestBody": {"required": True, **_json({"type": "object"})},
                    "responses": _responses("200", {"type": "object"}, "saved", "400", "401", "404", "422", "503"),
                },
                "delete": {
                    "summary": "Drop the draft",
                    "security": BEARER,
                    "parameters": [KIND_PARAM],
                    "responses": {"204": {"description": "dropped"},
                                  "404": {"description": "no such kind of application", **_json(ERROR)}},
                },
            },
            "/api/mp/drafts/{kind}/submit": {
                "post": {
                    "summary": "Submit the saved draft as the application",
                    "security": BEARER,
                    "parameters": [KIND_PARAM, IDEMPOTENCY_PARAM],
                    "responses": _responses("201", CASE, "the case", "401", "404", "422", "503"),
                }
            },
            "/api/progress": {
                "get": {
                    "summary": "Public progress by serial and the last four digits of the applicant's phone",
                    "parameters": [
                        {"name": "serial", "in": "query", "required": True, "schema": {"type": "string"}},
                        {
                            "name": "phone_last4",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^\\d{4}$"},
                        },
                    ],
                    "responses": _responses(
                        "200",
                        {"$ref": "#/components/schemas/Progress"},
                        "status and dates only",
                        "404",
                        "422",
                        "429",
                        "503",
                    ),
                }
            },
            "/api/mp/files": {
                "post": {
                    "summary": "Upload one evidence file (wx.uploadFile): photo, PDF, Word or .zip, kept encrypted",
                    "security": BEARER,
                    "parameters": [
                        {
                            "name": "X-File-Name",
                            "in": "header",
                            "required": False,
                            "description": "raw-body uploads only: the file's name, percent-encoded UTF-8",
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                }
                            },
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    "responses": {
                        **_responses("201", {"$ref": "#/components/schemas/StoredFile"}, "stored", "400", "401", "413",
                                     "415", "422"),
                        "413": {"description": "file larger than the limit (20 MB)", **_json(ERROR)},
                        "415": {"description": "not a photo, PDF, Word file or .zip (by content)", **_json(ERROR)},
                        "503": {"description": ERROR_TEXT["503"], **_json(ERROR)},
                    },
                }
            },
            "/api/mp/files/{file_id}": {
                "get": {
                    "summary": "Download a stored file (its owner; case parties and staff later)",
                    "security": BEARER,
                    "parameters": [
                        {
                            "name": "file_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "the file (Content-Disposition: attachment)", **_binary(*FILE_TYPES)},
                        **_responses("404", ERROR, "not found (or not yours)", "401", "503"),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}
            },
            "/api/regions": {
                "get": {
                    "summary": "GB/T 2260 regions for cascading lists: the children of `parent` (none: the provinces)",
                    "parameters": [{"name": "parent", "in": "query", "required": False,
                                    "schema": {"type": "string", "pattern": "^(\\d{6}|\\d{9})$"}}],
                    "responses": _responses("200", {"$ref": "#/components/schemas/Regions"}, "the children", "422"),
                }
            },
            "/api/centres": {
                "get": {
                    "summary": "The active mediation centres: level, the centre above, regions served, address, phone",
                    "responses": _responses("200", {"$ref": "#/components/schemas/Centres"}, "the centres", "503"),
                }
            },
            "/api/taxonomy": {
                "get": {
                    "summary": "The two-level dispute-cause taxonomy of a centre (the default centre's without one)",
                    "parameters": [{"name": "centre", "in": "query", "required": False, "schema": {"type": "string"}}],
                    "responses": _responses(
                        "200", {"$ref": "#/components/schemas/Taxonomy"}, "version and causes", "404"
                    ),
                }
            },
            **_party_paths(),
            **guidance_paths(),
            **_docking_paths(),
            "/api/mp/subscriptions": {
                "get": {
                    "summary": "The applicant's one-time subscribe-message grants left, by template id",
                    "security": BEARER,
                    "responses": _responses("200", GRANTS, "grants", "401", "503"),
                },
                "post": {
                    "summary": "Record the template ids wx.requestSubscribeMessage accepted (one send each)",
                    "security": BEARER,
                    "requestBody": {
                        "required": True,
                        **_json({
                            "type": "object",
                            "required": ["template_ids"],
                            "properties": {
                                "template_ids": {"type": "array", "minItems": 1, "maxItems": 20,
                                                 "items": {"type": "string", "pattern": "^[A-Za-z0-9_\\-]{1,64}$"}},
                            },
                        }),
                    },
                    "responses": _responses("200", GRANTS, "grants after recording", "400", "401", "422", "503"),
                },
            },
        },
    }
