"""The OpenAPI description of the guidance routes (calculator, library, triage): joined into openapi.py's document."""

from __future__ import annotations

from typing import Any

from services.core import amounts
from services.core.text import UNSEEN_CLASS
from services.intake.calculator import GROUNDS

ERROR = {"$ref": "#/components/schemas/Error"}
_TEXT = {"type": "string"}
_AMOUNT = {"type": "string", "pattern": "^-?\\d+(\\.\\d+)?$", "description": "decimal, e.g. 8000.00"}
_AMOUNT_IN = {
    "type": "string",
    "pattern": amounts.OPTIONAL_PATTERN,
    "description": "yuan, e.g. 8000.00 or 8,000.00 (full-width digits read as ASCII); more than 0",
}
_DATE = {"type": "string", "format": "date"}
LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "en for English words (messages, steps, articles); Chinese otherwise",
    "schema": {"type": "string"},
}
CALCULATOR_KINDS = [
    "economic_compensation",
    "unlawful_termination",
    "no_written_contract",
    "overtime",
    "annual_leave",
    "notice_pay",
]
ARTICLE = {"type": "object", "properties": {"law": _TEXT, "article": {"type": "integer"}, "title": _TEXT, "url": _TEXT}}
ENTRY_SUMMARY: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{k: _TEXT for k in ("id", "title", "title_en", "issuer", "number", "url")},
        "kind": {"type": "string", "enum": ["law", "regulation", "rule", "interpretation", "policy", "case"]},
        "status": {"type": "string", "enum": ["effective", "amended", "repealed", "not_yet_effective"]},
        "date": _TEXT,
        "effective_date": _TEXT,
        "causes": {"type": "array", "items": _TEXT},
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_json(ERROR)}


def guidance_paths() -> dict[str, Any]:
    return {
        "/api/calculator": {
            "post": {
                "summary": "The claim calculator: one claim's amount with its steps, articles and assumptions",
                "parameters": [LANGUAGE],
                "requestBody": {
                    "required": True,
                    **_json(
                        {
                            "type": "object",
                            "required": ["kind"],
                            "properties": {
                                "kind": {"type": "string", "enum": CALCULATOR_KINDS},
                                "monthly_wage": _AMOUNT_IN,
                                "start_date": _DATE,
                                "end_date": _DATE,
                                "contract_signed_date": _DATE,
                                "ground": {
                                    "type": "string",
                                    "enum": ["", *GROUNDS],
                                    "description": "how the contract ended (economic_compensation; required when "
                                    "start_date is before 2008-01-01: Labour Contract Law art. 97 para. 3)",
                                },
                                "local_average_monthly_wage": _AMOUNT_IN,
                                "local_minimum_monthly_wage": _AMOUNT_IN,
                                "overtime_hours": {
                                    "type": "object",
                                    "properties": {
                                        k: {"type": "number", "minimum": 0} for k in ("workday", "rest_day", "holiday")
                                    },
                                },
                                "cumulative_service_years": {"type": "number", "minimum": 0},
                                "leave_days_taken": {"type": "number", "minimum": 0},
                                "region_code": {
                                    "type": "string",
                                    "pattern": "^(\\d{6}|\\d{9})$",
                                    "description": "whose local figures apply (default: the centre's)",
                                },
                                "centre": _TEXT,
                            },
                        }
                    ),
                },
                "responses": {
                    "200": {
                        "description": "the amount",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "kind": _TEXT,
                                    "amount": _AMOUNT,
                                    "months": {"type": ["string", "null"]},
                                    "basis": {"type": "array", "items": _TEXT},
                                    "articles": {"type": "array", "items": ARTICLE},
                                    "steps": {"type": "array", "items": _TEXT},
                                    "assumptions": {"type": "array", "items": _TEXT},
                                    "missing_figures": {
                                        "type": "array",
                                        "items": _TEXT,
                                        "description": "a local figure the rule needed and none is on file for the "
                                        "place (no cap or floor applied): to show apart from the assumptions",
                                    },
                                    "claim_item": {
                                        "type": "string",
                                        "description": "the request item it seeds (Chinese)",
                                    },
                                },
                            }
                        ),
                    },
                    "400": _error("not a JSON object"),
                    "413": _error("body too large"),
                    "415": _error("not JSON"),
                    "422": _error("field errors, all listed (a negative wage, an end before its start, ...)"),
                    "503": _error("the database is down"),
                },
            }
        },
        "/api/library": {
            "get": {
                "summary": "Laws, policies and typical cases: a search in everyday Chinese (`q`), or the list",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,  # unseen characters: 400 (handlers/base.py)
                        "schema": {
                            "type": "string",
                            "maxLength": 100,  # a character one sees, else 422 required
                            "pattern": rf"^[^{UNSEEN_CLASS}]*[^\s{UNSEEN_CLASS}][^{UNSEEN_CLASS}]*$",
                        },
                    },
                    # empty: no filter
                    {
                        "name": "kind",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["", *ENTRY_SUMMARY["properties"]["kind"]["enum"]]},
                    },
                    {
                        "name": "cause",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": "^([0-9]{2}(-[0-9]{2})?)?$"},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 50},
                    },
                    LANGUAGE,
                ],
                "responses": {
                    "200": {
                        "description": "the entries found (each with its best article and a snippet)",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "q": _TEXT,
                                    "also_searched": {"type": "array", "items": _TEXT},
                                    "items": {"type": "array", "items": ENTRY_SUMMARY},
                                },
                            }
                        ),
                    },
                    "422": _error("an empty or too long query, an unknown kind or cause"),
                    "503": _error("the database is down"),
                },
            }
        },
        "/api/library/{library_entry}": {
            "get": {
                "summary": "One entry with its full text, articles and source",
                "parameters": [
                    {
                        "name": "library_entry",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[a-z0-9_-]{1,80}$"},
                    },
                    LANGUAGE,
                ],
                "responses": {
                    "200": {
                        "description": "the entry",
                        **_json(
                            ENTRY_SUMMARY
                            | {
                                "properties": {
                                    **ENTRY_SUMMARY["properties"],
                                    "text": _TEXT,
                                    "summary_en": _TEXT,
                                    "source": {"type": "object"},
                                    "articles": {"type": "array", "items": {"type": "object"}},
                                }
                            }
                        ),
                    },
                    "404": _error("no such entry"),
                    "503": _error("the database is down"),
                },
            }
        },
        "/api/triage": {
            "get": {
                "summary": "The triage's question tree of a centre (the default centre's without one), for a client "
                "that walks it itself; texts in Chinese (zh) and English (en)",
                "parameters": [
                    {
                        "name": "centre",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": "^[a-z0-9-]{0,40}$"},
                    }
                ],
                "responses": {
                    "200": {"description": "start, escape and nodes", **_json({"type": "object"})},
                    "404": _error("no such centre"),
                    "503": _error("the database is down"),
                },
            }
        },
    }
