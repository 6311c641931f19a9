"""Statistics for administrators, scoped to their level, read from the counters the case writer keeps.

No case is scanned: a report reads the counter documents of the centres in scope, for the months asked
(one command: their ids are known), sums them and lays the figures out as tables. The first table has
the rows of the national labour dispute table (中国劳动统计年鉴 "劳动争议处理情况"), word for word; the
others break the same figures down by cause, industry (GB/T 4754), region, month, channel, outcome and
duration. Filters: a period of months, a centre (with the centres below it), a region or a mediator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from i18n import Words, text
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember, visible_centres
from services.cases import workflow
from services.cases.taxonomy import Taxonomies
from services.core.context import SHANGHAI, ServiceContext
from services.core.dates import read_month
from services.core.errors import ServiceError, ValidationFailed, field_error, invalid
from services.directory import centres
from services.directory.regions import regions
from services.stats import counters

MAX_MONTHS = 120
# The national table's causes (since 2011 rescission and termination are one row), from the first-level
# causes of the default list (data/causes_default.yaml); a centre's own codes not named here count as 其他.
NATIONAL_CAUSE = {
    "05": "pay",
    "06": "pay",
    "07": "social_insurance",
    "08": "social_insurance",
    "03": "change",
    "04": "termination",
    "15": "termination",
}
NATIONAL_CAUSES = ("pay", "social_insurance", "change", "termination", "other")
CHANNELS = ("mp", "h5", "portal", "docking", "backoffice")
OUTCOMES = ("settled", "failed", "withdrawn")
ENDED = ("rejected", "withdrawn", "returned")
INDUSTRIES = tuple("ABCDEFGHIJKLMNOPQRST")


@dataclass(frozen=True)
class Filters:
    month_from: str
    month_to: str
    centre: str = ""
    region: str = ""
    mediator: str = ""

    def query(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (
                ("from", self.month_from),
                ("to", self.month_to),
                ("centre", self.centre),
                ("region", self.region),
                ("mediator", self.mediator),
            )
            if v
        }


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("2026-01" to "2026-03"), as checked by `parse_filters`."""
    start = read_month(first)
    if start is None:
        return []
    year, month = start.year, start.month
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def parse_filters(query: Mapping[str, str], today: date) -> Filters:
    """The report's filters as a page or an export link gives them; the year so far when no period is given."""
    errors = []
    months = []
    for name, default in (("from", date(today.year, 1, 1)), ("to", today)):
        given = query.get(name)
        month = read_month(given) if given else default
        if month is None:
            errors.append(field_error(name, "invalid", "error.invalid.stats_month"))
        months.append(f"{month or default:%Y-%m}")
    first, last = months
    if not errors and first > last:
        errors.append(field_error("to", "invalid", "error.invalid.stats_period"))
    if not errors and len(months_between(first, last)) > MAX_MONTHS:
        errors.append(field_error("from", "too_long", "error.too_long.stats_period", limit=MAX_MONTHS))
    region = (query.get("region") or "").strip()
    if region and region not in regions():
        errors.append(field_error("region", "unknown_region", given=region[:20]))
    mediator = (query.get("mediator") or "").strip().lower()[:32]
    if region and mediator:
        errors.append(field_error("mediator", "not_allowed", "error.not_allowed.stats_region_and_mediator"))
    if errors:
        raise ValidationFailed(errors)
    return Filters(first, last, (query.get("centre") or "").strip()[:40], region, mediator)


async def scope(ctx: ServiceContext, member: StaffMember, filters: Filters) -> set[str]:
    """The centres the figures cover: the member's level (a centre filter narrows it to a centre and those below)."""
    if member.role not in (CENTRE_ADMIN, SYSTEM_ADMIN):
        raise ServiceError(403, "forbidden", text("error.forbidden.stats"))
    known = await centres.directory(ctx)
    visible = await visible_centres(ctx, member)
    allowed = {c.id for c in known.centres} if visible is None else visible
    if filters.centre:
        if filters.centre not in allowed:
            raise invalid("centre", "not_allowed", "error.not_allowed.stats_centre")
        return known.subtree(filters.centre) & allowed
    return allowed


def _dimension(filters: Filters) -> str:
    if filters.region:
        return f"r:{filters.region}"
    if filters.mediator:
        return f"m:{filters.mediator}"
    return "all"


@dataclass
class Figures:
    """The summed counters of a report: per month, over the period, and the open balance before it."""

    months: list[str]
    by_month: dict[str, Counter[str]]
    period: Counter[str]
    carried: int


async def figures(ctx: ServiceContext, in_scope: set[str], filters: Filters) -> Figures:
    """One read: the counter documents of every centre in scope, for each month and for the balance."""
    months = months_between(filters.month_from, filters.month_to)
    dim = _dimension(filters)
    ids = [f"{c}|{m}|{dim}" for c in sorted(in_scope) for m in months] + [f"{c}|bal|{dim}" for c in sorted(in_scope)]
    docs = await ctx.db[counters.STATS].find({"_id": {"$in": ids}}).to_list(None)
    by_month: dict[str, Counter[str]] = {m: Counter() for m in months}
    carried = 0
    for doc in docs:
        fields = counters.stored_fields(doc)
        if doc["month"] == "bal":
            carried += sum(n for f, n in fields.items() if f.startswith("od.") and f[3:] < filters.month_from)
        else:
            by_month[doc["month"]].update(fields)
    period: Counter[str] = Counter()
    for counts in by_month.values():
        period.update(counts)
    return Figures(months, by_month, period, carried)


def _group(fields: Counter[str], prefix: str) -> dict[str, int]:
    return {f[len(prefix) :].replace("%2E", "."): n for f, n in fields.items() if f.startswith(prefix) and n}


def durations(fields: Counter[str]) -> dict[str, float | None]:
    """Median, 90th percentile and average days from receipt to closing (of accepted cases closed)."""
    histogram = sorted((int(d), n) for d, n in _group(fields, "dur.").items())
    total = sum(n for _, n in histogram)
    if not total:
        return {"median": None, "p90": None, "average": None, "count": 0}

    def quantile(q: float) -> float:
        rank, seen = q * total, 0
        for days, n in histogram:
            seen += n
            if seen >= rank:
                return float(days)
        return float(histogram[-1][0])

    average = sum(d * n for d, n in histogram) / total
    return {"median": quantile(0.5), "p90": quantile(0.9), "average": round(average, 1), "count": total}


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def national_rows(fig: Figures, taxonomies: Taxonomies) -> list[tuple[str, int | None]]:
    """The national form's rows: each label with its figure, None on a header row."""
    p = fig.period
    causes: Counter[str] = Counter()
    for code, n in _group(p, "l1.").items():
        causes[NATIONAL_CAUSE.get(code, "other")] += n
    closed_other = p["closed"] - p["closed_as.settled"]
    rows = [
        ("carried", fig.carried),
        ("accepted_header", None),
        ("accepted", p["accepted"]),
        ("accepted_collective", p["accepted_collective"]),
        ("accepted_worker", p["accepted_worker"]),
        ("workers", p["workers"]),
        ("workers_collective", p["workers_collective"]),
        ("cause_header", None),
        *((f"cause_{c}", causes[c]) for c in NATIONAL_CAUSES),
        ("closed_header", None),
        ("closed", p["closed"]),
        ("method_header", None),
        ("method_mediation", p["closed_as.settled"]),
        ("method_award", 0),
        ("method_other", closed_other),
        ("result_header", None),
        ("result_employer", p["result.employer"]),
        ("result_worker", p["result.worker"]),
        ("result_both", p["result.both"]),
        ("open_at_end", fig.carried + p["accepted"] - p["closed"]),
    ]
    return [(text(f"stats.national.{key}"), value) for key, value in rows]


def _cause_labels(taxonomies: Taxonomies) -> dict[str, str]:
    labels = {}
    for first in taxonomies.default.first_level:
        labels[first.code] = first.label
        labels.update({c.code: c.label for c in first.children})
    return labels


def _region_rows(p: Counter[str], within: str) -> list[list[Any]]:
    """Accepted cases by region: the county-level regions, or the regions below the one filtered on."""
    known = regions()
    rows = []
    for code, n in sorted(_group(p, "region.").items()):
        region = known.get(code)
        if within:
            if code == within or within not in {r.code for r in known.lineage(code)}:
                continue
        elif region is None or region.level != "county":
            continue
        rows.append([code, known.full_name(code) or code, n])
    return rows


def _reason_order(reason: str) -> int:
    """Closure reasons in the order of the law's list; cases closed before reasons were recorded last."""
    known = workflow.CLOSURE_REASONS
    return known.index(reason) if reason in known else len(known)


def table(key: str, columns: list[str], rows: list[list[Any]], chart: str = "bar") -> dict[str, Any]:
    return {"key": key, "title": text(f"stats.table.{key}"), "columns": columns, "rows": rows, "chart": chart}


async def report(ctx: ServiceContext, member: StaffMember, taxonomies: Taxonomies, filters: Filters) -> dict[str, Any]:
    """Every table of the statistics page (and of its .xlsx), for the member's level and the filters."""
    in_scope = await scope(ctx, member, filters)
    fig = await figures(ctx, in_scope, filters)
    p = fig.period
    words = Words()
    causes = _cause_labels(taxonomies)
    none = text("stats.value.unclassified")  # a case whose causes are not clarified yet
    no_industry = text("stats.value.no_industry")  # an employer whose industry was not given
    no_reason = text("stats.value.no_closure_reason")
    count, name = text("stats.column.count"), text("stats.column.item")
    national = table(
        "national",
        [text("stats.column.row"), count],
        [[label, value] for label, value in national_rows(fig, taxonomies)],
        chart="none",
    )
    level1 = sorted(_group(p, "l1.").items(), key=lambda kv: (kv[0] == "none", kv[0]))
    level2 = sorted(_group(p, "l2.").items(), key=lambda kv: (kv[0] == "none", kv[0]))
    region_rows = _region_rows(p, filters.region)
    closed = p["closed"]
    settled, failed = p["closed_as.settled"], p["closed_as.failed"]
    spans = durations(p)
    tables = [
        national,
        table(
            "causes_l1",
            [text("stats.column.code"), name, count],
            [[c if c != "none" else "—", causes.get(c, none if c == "none" else c), n] for c, n in level1],
            "pie",
        ),
        table(
            "causes_l2",
            [text("stats.column.code"), name, count],
            [[c if c != "none" else "—", causes.get(c, none if c == "none" else c), n] for c, n in level2],
        ),
        table(
            "industries",
            [text("stats.column.code"), name, count],
            [
                [c if c != "none" else "—", words.label("industry", c) if c != "none" else no_industry, n]
                for c, n in sorted(_group(p, "industry.").items(), key=lambda kv: (kv[0] == "none", kv[0]))
            ],
        ),
        table("regions", [text("stats.column.code"), name, count], region_rows),
        table(
            "months",
            [
                text("stats.column.month"),
                text("stats.column.received"),
                text("stats.column.accepted"),
                text("stats.column.closed"),
                text("stats.column.settled"),
                text("stats.column.success"),
            ],
            [
                [
                    m,
                    c["received"],
                    c["accepted"],
                    c["closed"],
                    c["closed_as.settled"],
                    _rate(c["closed_as.settled"], c["closed_as.settled"] + c["closed_as.failed"]),
                ]
                for m, c in fig.by_month.items()
            ],
            "line",
        ),
        table(
            "channels",
            [text("stats.column.channel"), text("stats.column.received"), text("stats.column.accepted")],
            [
                [text(f"stats.channel.{ch}") if ch in CHANNELS else ch, p[f"received_ch.{ch}"], p[f"channel.{ch}"]]
                for ch in sorted({*_group(p, "received_ch."), *_group(p, "channel.")})
            ],
            "pie",
        ),
        table(
            "outcomes",
            [name, count],
            [[text(f"stats.outcome.{o}"), p[f"closed_as.{o}"]] for o in OUTCOMES]
            + [[text(f"stats.ended.{o}"), p[f"ended.{o}"]] for o in ENDED],
            "pie",
        ),
        table(
            "closure_reasons",
            [text("stats.column.code"), name, count],
            [
                [
                    r if r != "none" else "—",
                    text(f"label.closure_reason.{r}") if r in workflow.CLOSURE_REASONS else no_reason,
                    n,
                ]
                for r, n in sorted(_group(p, "closed_reason.").items(), key=lambda kv: _reason_order(kv[0]))
            ],
            "pie",
        ),
        table(
            "performance",
            [name, text("stats.column.value")],
            [
                [text("stats.figure.received"), p["received"]],
                [text("stats.figure.success_rate"), _rate(settled, settled + failed)],
                [text("stats.figure.closed"), closed],
                [text("stats.figure.median_days"), spans["median"] if spans["median"] is not None else "—"],
                [text("stats.figure.p90_days"), spans["p90"] if spans["p90"] is not None else "—"],
                [text("stats.figure.average_days"), spans["average"] if spans["average"] is not None else "—"],
                [text("stats.figure.overdue"), p["overdue"]],
                [text("stats.figure.closed_late"), p["closed_late"]],
                [text("stats.figure.claimed"), _yuan(p["claimed_fen"])],
                [text("stats.figure.agreed"), _yuan(p["agreed_fen"])],
            ],
            "none",
        ),
    ]
    known = await centres.directory(ctx)
    return {
        "filters": filters,
        "scope": sorted(centre.name for centre in map(known.get, in_scope) if centre),
        "tables": tables,
        "success_rate": _rate(settled, settled + failed),
        "durations": spans,
    }


def this_month(ctx: ServiceContext) -> date:
    return ctx.clock().astimezone(SHANGHAI).date()
