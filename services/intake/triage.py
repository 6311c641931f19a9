"""The triage before applying: a question tree kept as data (data/triage_default.yaml, a centre's own copy in
the database), walked anonymously one question per page, ending in plain information with its articles and
what to do next (apply with the answers carried, a letter to the employer, labour inspection, legal aid).

The tree is checked whenever it is saved: every node named exists, every question leads on, nothing loops
(a cycle would keep a worker answering forever) and nothing is left unreachable. The answers travel with the
pages (query parameters), so nobody is asked a name until applying and nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from docgen.context import zh_date
from docgen.letter import Letter, render_letter
from i18n import DEFAULT_LOCALE, Msg, day, money, msg, text
from services.accounts import rosters
from services.accounts.staff import StaffMember
from services.cases.limitation import one_year_after
from services.core.amounts import optional_amount, parse_amount, read_amount
from services.core.context import SHANGHAI, ServiceContext
from services.core.dates import parse_date, read_date
from services.core.errors import FieldError, Forbidden, NotFound, ValidationFailed, field_error
from services.core.laws import LAWS, Article, art
from services.core.numbers import read_whole
from services.core.work_calendar import WorkCalendar, load_work_calendar
from services.directory import centres, local_figures
from services.directory.regions import regions
from services.intake.calculator import KINDS as CALCULATOR_KINDS

TREES = "triage_trees"
DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "triage_default.yaml"
NODE_KINDS = ("choice", "date", "region", "amount", "end")
ACTIONS = ("apply", "letter", "inspection", "legal_aid", "calculator")
BRANCHES = {"date": ("within", "beyond"), "amount": ("within", "above", "unknown")}
RULES = {"date": "limitation", "amount": "final_award"}
LANGUAGES = ("zh", "en")
MAX_NODES, MAX_OPTIONS, MAX_TEXT, MAX_YAML = 100, 12, 1000, 100_000
# What a statement of the facts may name: the day answered, the place, the amount, and the employer as the text
# addresses it (贵单位 in the letter, 用人单位 in the application).
STATEMENT_VALUES = ("known_date", "place", "amount", "unit")
NODE_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Tree:
    version: str
    start: str
    escape: str
    nodes: dict[str, dict[str, Any]]

    def node(self, node_id: str) -> dict[str, Any]:
        found = self.nodes.get(node_id)
        if found is None:
            raise NotFound("triage_node_not_found")
        return found


def words(value: Any, locale: str) -> str:
    """A text of the tree ({zh, en}) in the page's language."""
    if not isinstance(value, dict):
        return str(value or "")
    return str(value.get("en" if locale == "en" else "zh") or value.get("zh") or "")


def articles_of(node: dict[str, Any]) -> list[Article]:
    out = []
    for ref in node.get("articles") or ():
        law, _, number = str(ref).partition(":")
        out.append(art(law, read_whole(number) or 0))  # checked when the tree was saved (`check_tree`)
    return out


# ---------------------------------------------------------------------------------------------
# Checking a tree (as a centre saves it)


def check_tree(data: Any) -> Tree:
    """A tree as edited: every problem at once (422, field `tree`, each message naming the node)."""
    errors: list[FieldError] = []

    def bad(key: str, **params: Any) -> None:
        errors.append(field_error("tree", "invalid", key, **params))

    if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict):
        raise ValidationFailed([field_error("tree", "invalid", "error.invalid.triage_shape")])
    nodes: dict[str, dict[str, Any]] = data["nodes"]
    if not 1 <= len(nodes) <= MAX_NODES:
        bad("error.invalid.triage_size", limit=MAX_NODES)
    start, escape = str(data.get("start") or ""), str(data.get("escape") or "")
    if start not in nodes:
        bad("error.invalid.triage_start", node=start[:40])
    if escape not in nodes or (nodes.get(escape) or {}).get("kind") != "end":
        bad("error.invalid.triage_escape", node=escape[:40])
    edges: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        name = str(node_id)[:40]
        if not NODE_ID.match(str(node_id)) or not isinstance(node, dict):
            bad("error.invalid.triage_node_id", node=name)
            continue
        kind = node.get("kind")
        if kind not in NODE_KINDS:
            bad("error.invalid.triage_kind", node=name)
            continue
        _check_texts(node, ("title", "text") if kind == "end" else ("question",), name, bad)
        _check_statements(node, name, bad)
        for option in node.get("options") or () if kind == "choice" else ():
            if isinstance(option, dict):
                _check_statements(option, name, bad)
        for ref in node.get("articles") or ():
            law, _, number = str(ref).partition(":")
            if law not in LAWS or read_whole(number) is None:
                bad("error.invalid.triage_article", node=name, article=str(ref)[:40])
        targets: list[str] = []
        if kind == "choice":
            options = node.get("options")
            if not isinstance(options, list) or not 1 <= len(options) <= MAX_OPTIONS:
                bad("error.invalid.triage_options", node=name, limit=MAX_OPTIONS)
                options = []
            values = set()
            for option in options:
                if not isinstance(option, dict):
                    bad("error.invalid.triage_options", node=name, limit=MAX_OPTIONS)
                    continue
                value = str(option.get("value") or "")
                if not value or value in values:
                    bad("error.invalid.triage_option_value", node=name)
                values.add(value)
                _check_texts(option, ("label",), name, bad)
                if option.get("calculator") and option["calculator"] not in CALCULATOR_KINDS:
                    bad("error.invalid.triage_calculator", node=name)
                targets.append(str(option.get("next") or ""))
        elif kind in BRANCHES:
            branches = node.get("next")
            if node.get("rule") != RULES[kind]:
                bad("error.invalid.triage_rule", node=name, rule=RULES[kind])
            if not isinstance(branches, dict) or set(branches) != set(BRANCHES[kind]):
                bad("error.invalid.triage_branches", node=name, branches="、".join(BRANCHES[kind]))
            else:
                targets.extend(str(branches[b] or "") for b in BRANCHES[kind])
        elif kind == "region":
            targets.append(str(node.get("next") or ""))
        else:
            actions = node.get("actions")
            if not isinstance(actions, list) or not actions or any(a not in ACTIONS for a in actions):
                bad("error.invalid.triage_actions", node=name)
        for target in targets:
            if target not in nodes:
                bad("error.invalid.triage_dead_end", node=name, target=target[:40] or "—")
        edges[str(node_id)] = [t for t in targets if t in nodes]
    if not errors:
        loop = _find_loop(edges, start)
        if loop:
            bad("error.invalid.triage_loop", path=" → ".join(loop))
        unreachable = sorted(set(nodes) - _reachable(edges, start) - {escape})
        if unreachable:
            bad("error.invalid.triage_unreachable", nodes="、".join(unreachable[:5]))
    if errors:
        raise ValidationFailed(errors)
    return Tree(str(data.get("version") or ""), start, escape, nodes)


def _check_texts(node: dict[str, Any], names: tuple[str, ...], where: str, bad: Any) -> None:
    for name in names:
        value = node.get(name)
        for language in LANGUAGES:
            text = value.get(language) if isinstance(value, dict) else None
            if not isinstance(text, str) or not text.strip():
                bad("error.invalid.triage_text", node=where, name=name, language=language)
            elif len(text) > MAX_TEXT:
                bad("error.too_long.triage_text", node=where, name=name, limit=MAX_TEXT)


def _check_statements(part: dict[str, Any], where: str, bad: Any) -> None:
    """A node's or an option's `statement` (and `statement_undated`): Chinese text (the letter and the application
    are Chinese), naming only the answers a statement may use (STATEMENT_VALUES); `former` a boolean."""
    for name in ("statement", "statement_undated"):
        value = part.get(name)
        if value is None:
            continue
        zh = value.get("zh") if isinstance(value, dict) else None
        if not isinstance(zh, str) or not zh.strip() or len(zh) > MAX_TEXT:
            bad("error.invalid.triage_statement", node=where)
            continue
        try:
            zh.format(**dict.fromkeys(STATEMENT_VALUES, ""))
        except (KeyError, IndexError, ValueError):
            bad("error.invalid.triage_statement", node=where)
    if "former" in part and not isinstance(part["former"], bool):
        bad("error.invalid.triage_statement", node=where)


def _find_loop(edges: dict[str, list[str]], start: str) -> list[str]:
    """A path that comes back to a node it passed (depth first from every node), or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in [start, *edges]:
        if node not in state and (found := visit(node)):
            return found
    return []


def _reachable(edges: dict[str, list[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# ---------------------------------------------------------------------------------------------
# The trees kept


@lru_cache(maxsize=1)
def default_tree() -> Tree:
    return check_tree(yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8")))


async def tree_for(ctx: ServiceContext, centre_id: str = "") -> Tree:
    """The centre's own tree, else the default one; a centre not in the directory is not found (404)."""
    if centre_id and centre_id not in await centres.directory(ctx):
        raise NotFound("unknown_centre", centre=centre_id[:40])
    doc = await ctx.db[TREES].find_one({"_id": centre_id or ctx.settings.default_centre})
    if doc is None:
        return default_tree()
    return Tree(doc["tree"].get("version", ""), doc["tree"]["start"], doc["tree"]["escape"], doc["tree"]["nodes"])


async def tree_source(ctx: ServiceContext, centre_id: str) -> str:
    """The YAML a centre edits (its own, or the default file to start from)."""
    doc = await ctx.db[TREES].find_one({"_id": centre_id})
    return doc["source"] if doc else DEFAULT_FILE.read_text(encoding="utf-8")


async def save_tree(ctx: ServiceContext, centre_id: str, source: str, by: str) -> Tree:
    """Keeps a centre's edited tree; refused (422) when it is not YAML, loops, or leaves a question with no way on.
    Who may is decided by the caller (services/accounts/rosters.py)."""
    if len(source) > MAX_YAML:
        raise ValidationFailed([field_error("tree", "too_long", "error.too_long.triage_yaml", limit=MAX_YAML)])
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
        raise ValidationFailed([field_error("tree", "invalid", "error.invalid.triage_yaml", line=line)]) from None
    tree = check_tree(data)
    await ctx.db[TREES].update_one(
        {"_id": centre_id},
        {"$set": {"tree": data, "source": source, "updated_by": by, "updated_at": ctx.clock()}},
        upsert=True,
    )
    return tree


async def reset_tree(ctx: ServiceContext, centre_id: str) -> None:
    await ctx.db[TREES].delete_one({"_id": centre_id})


# ---------------------------------------------------------------------------------------------
# Walking it


@dataclass
class Step:
    """Where an answer leads: the next node, the answers so far (what the pages carry), or the problem with it."""

    next: str
    answers: dict[str, str]


def answer(
    tree: Tree, node_id: str, answers: dict[str, str], value: str, today: date, calendar: WorkCalendar | None = None
) -> Step:
    """The next node after answering `node_id` with `value` (422 naming `value` when it cannot be read); `calendar`:
    the working days a limitation's last day moves over (none given: weekends and the statutory holidays)."""
    node = tree.node(node_id)
    kind = node["kind"]
    value = value.strip()
    out = {k: v for k, v in answers.items() if k in tree.nodes and k != node_id}
    if kind == "choice":
        option = next((o for o in node["options"] if str(o["value"]) == value), None)
        if option is None:
            raise ValidationFailed([field_error("value", "required", "error.required.triage_choice")])
        out[node_id] = value
        return Step(str(option["next"]), out)
    if kind == "date":
        known = parse_date(value, "value", "error.invalid.triage_date")
        if known > today or known.year < 1950:
            raise ValidationFailed([field_error("value", "out_of_range", "error.out_of_range.triage_date")])
        out[node_id] = known.isoformat()
        # 调解仲裁法 art. 27: one year from the day the person knew or should have known; a last day that is not a
        # working day moves to the next one (services/cases/limitation.py), as the case's limitation counts it.
        last_day, _ = one_year_after(known, calendar or WorkCalendar())
        branch = "within" if last_day >= today else "beyond"
        return Step(str(node["next"][branch]), out)
    if kind == "region":
        if regions().get(value) is None:
            raise ValidationFailed([field_error("value", "required", "error.required.triage_region")])
        out[node_id] = value
        return Step(str(node["next"]), out)
    if kind == "amount":
        amount = optional_amount(value, "triage", path="value")
        if amount is None:
            return Step(str(node["next"]["unknown"]), out)
        out[node_id] = f"{amount:.2f}"
        return Step(node_id, out)  # the threshold needs the place's figure: decided by `decide_amount`
    raise ValidationFailed([field_error("value", "invalid", "error.invalid.triage_end")])


async def step(ctx: ServiceContext, centre_id: str, node_id: str, answers: dict[str, str], value: str) -> Step:
    """One answer of the triage (the pages' single service call): the next node and the answers carried."""
    tree = await tree_for(ctx, centre_id)
    today = ctx.clock().astimezone(SHANGHAI).date()
    result = answer(tree, node_id, answers, value, today, await load_work_calendar(ctx))
    node = tree.node(node_id)
    if node["kind"] == "amount" and result.next == node_id:
        threshold = await final_award_threshold(ctx, tree, result.answers, today)
        amount = parse_amount(result.answers[node_id], "triage", path="value")  # as `answer` just wrote it
        branch = "unknown" if threshold is None else "within" if amount <= threshold[0] else "above"
        result.next = str(node["next"][branch])
    return result


async def final_award_threshold(
    ctx: ServiceContext, tree: Tree, answers: dict[str, str], today: date
) -> tuple[Decimal, local_figures.Figure] | None:
    """12 x the local monthly minimum wage in force (调解仲裁法 art. 47 (一)), of the place answered."""
    place = _place(tree, answers)
    if not place:
        return None
    figure = await local_figures.figure_in_force(ctx, "minimum_monthly_wage", place, today)
    return (figure.amount * 12, figure) if figure else None


async def _missing_minimum(ctx: ServiceContext, place: str, today: date) -> Msg:
    """The place has no minimum wage in force on file: the final-award threshold cannot be told (said visibly)."""
    stale = local_figures.newest(await local_figures.all_figures(ctx), "minimum_monthly_wage", place, today)
    if stale is None:
        return msg("triage.missing.minimum_monthly_wage", place=regions().full_name(place))
    return msg(
        "triage.missing.minimum_monthly_wage.stale",
        place=stale.region_name,
        amount=_money(stale.amount),
        since=_day(stale.applies_from),
        until=_day(local_figures.good_until(stale)),
    )


def _place(tree: Tree, answers: dict[str, str]) -> str:
    return next((answers[n] for n, node in tree.nodes.items() if node.get("kind") == "region" and n in answers), "")


@dataclass
class Page:
    """What a triage page shows: the node, its words, the articles, and at an end what follows from the answers."""

    node_id: str
    node: dict[str, Any]
    tree: Tree
    answers: dict[str, str]
    notes: list[Msg]
    centre: centres.Centre | None = None
    calculator_kind: str = ""
    seed: dict[str, Any] | None = None
    missing: list[Msg] = field(default_factory=list)  # a local figure the end needs and none on file: shown apart

    def text(self, name: str, locale: str) -> str:
        return words(self.node.get(name), locale)

    @property
    def articles(self) -> list[Article]:
        return articles_of(self.node)


async def page(ctx: ServiceContext, centre_id: str, node_id: str, answers: dict[str, str]) -> Page:
    """A node as a page; an end also names the centre of the place, the limitation, the final-award threshold,
    the calculator's kind chosen and what an application would be prefilled with."""
    tree = await tree_for(ctx, centre_id)
    node_id = node_id or tree.start
    node = tree.node(node_id)
    answers = {k: v for k, v in answers.items() if k in tree.nodes}
    result = Page(node_id, node, tree, answers, [])
    calendar: WorkCalendar | None = None
    if node["kind"] != "end":
        return result
    today = ctx.clock().astimezone(SHANGHAI).date()
    place = _place(tree, answers)
    if place:
        directory = await centres.directory(ctx)
        venue = "work_location"
        routed = directory.route(place, venue)
        result.centre = routed.centre if routed else directory.default
        result.notes.append(msg("triage.note.centre", centre=result.centre.name, place=regions().full_name(place)))
    for node_key, value in answers.items():
        kind = tree.nodes[node_key].get("kind")
        known = read_date(value) if kind == "date" else None
        if known is not None:  # answers come back from the page: one that is no day gives no note
            calendar = calendar or await load_work_calendar(ctx)
            until, _ = one_year_after(known, calendar)  # moved to the next working day, as the case counts it
            result.notes.append(msg("triage.note.limitation", known=_day(value), until=_day(until)))
        if kind == "choice":
            option: dict[str, Any] = next((o for o in tree.nodes[node_key]["options"] if str(o["value"]) == value), {})
            if option.get("calculator"):
                result.calculator_kind = option["calculator"]
    threshold = await final_award_threshold(ctx, tree, answers, today)
    if threshold is not None:
        result.notes.append(
            msg(
                "triage.note.final_award",
                threshold=_money(threshold[0]),
                minimum=_money(threshold[1].amount),
                source=threshold[1].source,
            )
        )
    elif place:
        result.missing.append(await _missing_minimum(ctx, place, today))
    result.seed = seed_of(tree, answers)
    return result


def statements(tree: Tree, answers: Mapping[str, str], unit: str) -> tuple[list[str], bool]:
    """The facts the answers establish, as the worker states them ("本人于二〇二六年十一月一日被贵单位解除劳动合同，…"),
    in the tree's order, and whether the worker has left the employer (an option marked `former`). Each answered
    node, or the option chosen, may carry a `statement` naming STATEMENT_VALUES; one naming an answer not given
    uses its `statement_undated`, or says nothing. The date answered is stated on its own only where no other
    statement names it. Never the questions themselves (the letter is served on the employer)."""
    values = {"unit": unit}
    for node_id, value in answers.items():
        kind = tree.nodes[node_id].get("kind") if node_id in tree.nodes else None
        if kind == "date" and read_date(value) is not None:
            values["known_date"] = zh_date(read_date(value))
        elif kind == "region" and regions().get(value) is not None:
            values["place"] = regions().full_name(value)
        elif kind == "amount" and (amount := read_amount(value)) is not None:
            values["amount"] = f"{amount:,.2f}"
    out: list[str] = []
    former, dated_at, date_named = False, -1, False
    for node_id, node in tree.nodes.items():
        if node_id not in answers:
            continue
        part: dict[str, Any] = node
        if node.get("kind") == "choice":
            part = next((o for o in node["options"] if str(o["value"]) == answers[node_id]), {})
            former = former or part.get("former") is True
        if node.get("kind") == "date":
            dated_at = len(out)  # stated here unless another statement names the day
            continue
        for name in ("statement", "statement_undated"):
            template = words(part.get(name), DEFAULT_LOCALE) if part.get(name) else ""
            try:
                line = template.format(**values)
            except KeyError:  # names an answer not given: the undated form, if any
                continue
            if line:
                date_named = date_named or "{known_date}" in template
                out.append(line.rstrip("。"))
            break
    date_node = next((n for n in tree.nodes.values() if n.get("kind") == "date"), {})
    if dated_at >= 0 and not date_named and date_node.get("statement"):
        out.insert(dated_at, words(date_node["statement"], DEFAULT_LOCALE).format(**values).rstrip("。"))
    return out, former


def seed_of(tree: Tree, answers: dict[str, str]) -> dict[str, Any]:
    """What an application starts from after the triage: the facts as statements (the same the letter makes, the
    employer called 用人单位), the day the dispute became known, the place of work, the amount; and the letter's
    own statements (the employer called 贵单位), whether the worker has left."""
    claim: dict[str, Any] = {}
    for node_id, value in answers.items():
        kind = tree.nodes[node_id].get("kind")
        if kind == "date":
            claim["dispute_known_on"] = value
        if kind == "amount":
            claim["amount"] = value
    facts, former = statements(tree, answers, text("triage.statement_unit"))
    if facts:
        claim["facts"] = "。".join(facts) + "。"
    letter, _ = statements(tree, answers, text("letter.unit"))
    seed: dict[str, Any] = {"claim": claim, "letter": {"facts": letter, "former": former}}
    place = _place(tree, answers)
    if place:
        seed["place_code"] = place
    return seed


def _day(value: Any) -> Mapping[str, str]:
    return day(value)


def _money(value: Decimal) -> Mapping[str, str]:
    return money(value)


# ---------------------------------------------------------------------------------------------
# The letter to the employer


async def negotiation_letter(
    ctx: ServiceContext, seed: dict[str, Any], worker: str = "", employer: str = "", requests: str = ""
) -> bytes:
    """The negotiation letter as a .docx, from the triage's or the calculator's answers; the names typed go into the
    letter only (never stored). Chinese: it is sent to a Chinese employer (official texts stay Chinese). Its facts
    are statements ("本人于…被贵单位解除劳动合同"), never the questions: it is served on the employer and may be
    exhibited; serving it interrupts the limitation (调解仲裁法 art. 27 (2)), so it says the worker keeps a copy."""
    claim = seed.get("claim") or {}
    carried = seed.get("letter")
    letter: dict[str, Any] = carried if isinstance(carried, dict) else {}
    items = [line.strip() for line in (requests or claim.get("requests") or "").splitlines() if line.strip()]
    blank = text("letter.blank")
    worker = " ".join(worker.split())[:50] or blank
    employer = " ".join(employer.split())[:100] or blank
    today = ctx.clock().astimezone(SHANGHAI).date()
    facts = [str(line) for line in letter.get("facts") or [] if isinstance(line, str) and line.strip()][:20]
    started, ended = read_date(claim.get("employment_started") or ""), read_date(claim.get("employment_ended") or "")
    if started is not None:  # the calculator's dates
        key = "letter.employed_between" if ended is not None else "letter.employed_since"
        facts.insert(0, text(key, started=zh_date(started), ended=zh_date(ended) if ended else ""))
    former = letter.get("former") is True or ended is not None
    opening = text("letter.opening_former" if former else "letter.opening", worker=worker)
    letter_doc = Letter(
        title=text("letter.title"),
        salutation=text("letter.salutation", employer=employer),
        paragraphs=tuple(
            p for p in (opening, text("letter.facts", facts="。".join(facts) + "。") if facts else "") if p
        ),
        requests_heading=text("letter.requests"),
        requests=tuple(items[:20]) or (text("letter.requests_blank"),),
        closing=(text("letter.law"), text("letter.deadline"), text("letter.copies")),
        signature=text("letter.signature", worker=worker),
        dated=zh_date(today),
    )
    return await ctx.run_blocking(render_letter, letter_doc)


async def save_centre_tree(ctx: ServiceContext, member: StaffMember, centre_id: str, source: str) -> Tree:
    """An administrator keeps the triage of their centre and those below (rosters.administers_centre)."""
    if not rosters.administers_centre(await centres.directory(ctx), member, centre_id):
        raise Forbidden("triage_forbidden")
    return await save_tree(ctx, centre_id, source, member.login)


async def reset_centre_tree(ctx: ServiceContext, member: StaffMember, centre_id: str) -> None:
    if not rosters.administers_centre(await centres.directory(ctx), member, centre_id):
        raise Forbidden("triage_forbidden")
    await reset_tree(ctx, centre_id)
