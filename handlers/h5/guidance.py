"""Guidance pages before applying, for anyone (no sign-in, no name asked): the triage, the claim calculator and
the library of laws, policies and typical cases; and the step that carries their answers into an application.

What the triage and the calculator found travels to the application as a signed token in the link
(`carry`), so nothing is stored about an anonymous visitor; signing in comes only when applying.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import tornado.web

from handlers.access import public
from handlers.pages import PageHandler
from handlers.urls import LIBRARY_ENTRY, TRIAGE_NODE
from services.core.codes import read_cause_code
from services.core.errors import ServiceError, ValidationFailed
from services.intake import calculator, drafts, triage
from services.library import entries, search

CARRY = "carry"
CARRY_DAYS = 1  # a result carried into an application is good for a day
ANSWER_PREFIX = "a_"


def carry_token(handler: PageHandler, seed: dict[str, Any] | None) -> str:
    if not seed:
        return ""
    return handler.create_signed_value(CARRY, json.dumps(seed, ensure_ascii=False)).decode()


def read_carry(handler: PageHandler, token: str) -> dict[str, Any] | None:
    raw = tornado.web.decode_signed_value(
        handler.application.settings["cookie_secret"], CARRY, token, max_age_days=CARRY_DAYS
    )
    try:
        seed = json.loads(raw) if raw else None
    except ValueError:
        return None
    return seed if isinstance(seed, dict) else None


class GuidancePage(PageHandler):
    """Anonymous pages (each method @public): a session is read only to show "signed in" (nothing here needs it)."""


# ---------------------------------------------------------------------------------------------
# The claim calculator


def _calculator_body(handler: PageHandler, carried: dict[str, Any]) -> dict[str, Any]:
    arg = handler.get_query_argument
    kind = arg("kind", "")
    body: dict[str, Any] = {"kind": kind}
    for name in calculator.FIELDS.get(kind, ()):
        if name == "overtime_hours":
            body[name] = {h: arg(f"hours_{h}", "").strip() or "0" for h in calculator.HOUR_KINDS}
        elif name.startswith("local_"):
            continue  # the page uses the place's configured figures
        elif arg(name, "").strip():
            body[name] = arg(name).strip()
    place = arg("region_code", "") or str(carried.get("place_code") or "")  # the triage's place: its figures
    if place:
        body["region_code"] = place
    return body


class CalculatorPageHandler(GuidancePage):
    """`GET /h5/calculator?kind=…`: choose a claim, type a few figures, see the amount, the steps and the articles."""

    @public
    async def get(self) -> None:
        kind = self.get_query_argument("kind", "")
        values = {k: self.get_query_argument(k) for k in self.request.query_arguments}
        carried = read_carry(self, self.get_query_argument(CARRY, "")) or {}
        result, errors, status = None, {}, 200
        figures_sent = kind in calculator.KINDS and self.get_query_argument("go", "")
        # 下一步 pressed with no claim chosen: the service's own refusal says what is missing.
        nothing_chosen = kind not in calculator.KINDS and self.get_query_argument("chose", "")
        if figures_sent or nothing_chosen:
            try:
                result = await calculator.calculate(self.ctx, _calculator_body(self, carried))
            except ServiceError as exc:
                problem = self.form_problem(exc)
                errors = {k.replace("overtime_hours.", "hours_"): v for k, v in problem.by_field().items()}
                status = problem.status
        seed = result.carry if result else {}
        if seed and carried.get("claim", {}).get("facts"):  # the triage's answers come along
            seed = seed | {"claim": {**carried["claim"], **seed["claim"]}, "place_code": carried.get("place_code", "")}
        self.render_page(
            "h5/calculator.html",
            status,
            kinds=calculator.KINDS,
            kind=kind if kind in calculator.KINDS else "",
            fields=[f for f in calculator.FIELDS.get(kind, ()) if not f.startswith("local_")],
            required=calculator.REQUIRED.get(kind, ()),
            grounds=calculator.GROUNDS,
            values=values,
            errors=errors,
            result=result.as_json(self.language) if result else None,
            carry=carry_token(self, seed),
            carried=self.get_query_argument(CARRY, ""),
        )


# ---------------------------------------------------------------------------------------------
# The triage


def _answers(handler: PageHandler) -> dict[str, str]:
    return {
        k[len(ANSWER_PREFIX) :]: handler.get_query_argument(k)
        for k in handler.request.query_arguments
        if k.startswith(ANSWER_PREFIX)
    }


def _query(answers: dict[str, str], **extra: str) -> str:
    params = {f"{ANSWER_PREFIX}{k}": v for k, v in answers.items()} | {k: v for k, v in extra.items() if v}
    return ("?" + urlencode(params)) if params else ""


class TriageStartHandler(GuidancePage):
    @public
    async def get(self) -> None:
        tree = await triage.tree_for(self.ctx, self.get_query_argument("centre", ""))
        self.redirect(f"/h5/triage/{tree.start}" + _query({}, centre=self.get_query_argument("centre", "")))


class TriageNodeHandler(GuidancePage):
    """`GET /h5/triage/{node}?a_…`: one question (or the end reached), the answers so far carried in the link;
    `?value=` answers it and moves on."""

    @public
    async def get(self, node: str) -> None:
        centre = self.get_query_argument("centre", "")
        answers = _answers(self)
        error, status = "", 200
        # `asked` comes with every press of 下一步: a choice left empty sends no `value`, and is refused as such.
        if "value" in self.request.query_arguments or self.get_query_argument("asked", ""):
            try:
                moved = await triage.step(self.ctx, centre, node, answers, self.get_query_argument("value", ""))
            except ValidationFailed as exc:
                error, status = self.form_problem(exc).message, 422
            else:
                self.redirect(f"/h5/triage/{moved.next}" + _query(moved.answers, centre=centre))
                return
        shown = await triage.page(self.ctx, centre, node, answers)
        steps = [n for n in answers if n != node]
        back = (
            f"/h5/triage/{steps[-1]}" + _query({k: v for k, v in answers.items() if k not in steps[-1:]}, centre=centre)
            if steps
            else ""
        )
        carry = carry_token(self, shown.seed)
        self.render_page(
            "h5/triage.html",
            status,
            page=shown,
            node_id=node,
            answers=answers,
            centre=centre,
            error=error,
            hidden=[(f"{ANSWER_PREFIX}{k}", v) for k, v in answers.items()],
            back=back,
            escape=f"/h5/triage/{shown.tree.escape}" + _query(answers, centre=centre),
            words=lambda value: triage.words(value, self.language),
            carry=carry,
            calculator_link="/h5/calculator?" + urlencode({"kind": shown.calculator_kind or "", CARRY: carry}),
        )


class TriageLetterHandler(GuidancePage):
    """`POST /h5/triage/letter`: the letter to the employer to negotiate, as a .docx (names typed are not kept)."""

    @public
    async def post(self) -> None:
        arg = self.get_body_argument
        seed = read_carry(self, arg(CARRY, "")) or {}
        document = await triage.negotiation_letter(
            self.ctx, seed, worker=arg("worker", ""), employer=arg("employer", ""), requests=arg("requests", "")
        )
        self.set_header("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        self.set_header(
            "Content-Disposition",
            "attachment; filename=\"negotiation-letter.docx\"; filename*=UTF-8''%E5%8D%8F%E5%95%86%E5%87%BD.docx",
        )
        self.finish(document)


# ---------------------------------------------------------------------------------------------
# Carrying into an application


class PrefillHandler(PageHandler):
    """`GET /h5/apply/prefill?carry=…`: after signing in, the triage's or the calculator's answers go into the draft."""

    async def get(self) -> None:
        seed = read_carry(self, self.get_query_argument(CARRY, ""))
        if seed:
            await drafts.prefill(self.ctx, self.person_id, "worker", seed)
        self.redirect("/h5/apply/worker/notice")


# ---------------------------------------------------------------------------------------------
# The library


class LibraryPageHandler(GuidancePage):
    """`GET /h5/library?q=…&kind=&cause=`: search in everyday words, or browse by kind and cause."""

    @public
    async def get(self) -> None:
        arg = self.get_query_argument
        q, kind, cause = arg("q", ""), arg("kind", ""), arg("cause", "")
        found, listed, error, status = None, [], "", 200
        try:
            if q.strip():
                found = await search.search(self.ctx, q, kind, cause)
            else:
                cause = read_cause_code(cause) or ""
                listed = await entries.list_entries(self.ctx, kind if kind in entries.KINDS else "", cause)
        except ValidationFailed as exc:
            error, status = self.form_problem(exc).message, 422
        self.render_page(
            "h5/library.html",
            status,
            q=q,
            kind=kind,
            cause=cause,
            found=found,
            listed=listed,
            kinds=entries.KINDS,
            error=error,
        )


class LibraryEntryPageHandler(GuidancePage):
    @public
    async def get(self, library_entry: str) -> None:
        entry = await entries.get_entry(self.ctx, library_entry)
        self.render_page("h5/library_entry.html", entry=entry, passages=entry.passages())


routes = [
    (r"/h5/calculator", CalculatorPageHandler),
    (r"/h5/triage", TriageStartHandler),
    (r"/h5/triage/letter", TriageLetterHandler),
    (rf"/h5/triage/{TRIAGE_NODE}", TriageNodeHandler),
    (r"/h5/apply/prefill", PrefillHandler),
    (r"/h5/library", LibraryPageHandler),
    (rf"/h5/library/{LIBRARY_ENTRY}", LibraryEntryPageHandler),
]
