"""Local figures the rules need, kept by administrators per city: the average monthly wage (the 3x cap of
劳动合同法 art. 47) and the monthly minimum wage (the floor of 实施条例 art. 27, the final-award threshold of
调解仲裁法 art. 47), each with the day it applies from and where it was published.

A figure belongs to a region (a city's GB/T 2260 code; a municipality's is its province code, 310000); the
figure in force on a day for a place is the newest one applying by that day, of the most specific region
of the place's lineage that has one, unless it is too old to be taken as still in force: a minimum wage is
adjusted at least every two years (最低工资规定 art. 10), an average wage is the previous year's, published once a
year (劳动合同法 art. 47 para. 2: 上年度职工月平均工资; three months more for a late publication). Past that, the
newer figure has simply not been entered, and the rules say so rather than use the old one. Read at most every
CACHE_SECONDS per process (a handful of documents).

The figures shipped in data/local_figures.yaml are published ones, each with where it was read and when; a
database gets each once (an administrator's removal stays removed), beside what administrators enter.
"""

from __future__ import annotations

import calendar
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pymongo.errors import DuplicateKeyError

from services.core.amounts import parse_amount
from services.core.codes import read_region_code
from services.core.context import ServiceContext
from services.core.dates import read_date
from services.core.errors import FieldError, NotFound, ValidationFailed, field_error
from services.directory.regions import regions

FIGURES = "local_figures"
META = "local_figures_meta"  # {_id: "shipped", keys: [...]}: the shipped figures a database has been given
KINDS = ("average_monthly_wage", "minimum_monthly_wage")
# How long after the day it applies from a figure is still taken as in force (see the module's docstring).
HORIZON_MONTHS = {"minimum_monthly_wage": 24, "average_monthly_wage": 15}
CACHE_SECONDS = 5.0
MAX_SOURCE = 500
DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "local_figures.yaml"


@dataclass(frozen=True)
class Figure:
    id: str
    region_code: str
    kind: str
    amount: Decimal
    applies_from: date
    source: str

    @property
    def region_name(self) -> str:
        return regions().full_name(self.region_code) or self.region_code

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "region_code": self.region_code,
            "region_name": self.region_name,
            "kind": self.kind,
            "amount": f"{self.amount:.2f}",
            "applies_from": self.applies_from.isoformat(),
            "source": self.source,
        }


def _figure(doc: dict[str, Any]) -> Figure:
    return Figure(
        doc["_id"],
        doc["region_code"],
        doc["kind"],
        Decimal(doc["amount"]),
        date.fromisoformat(doc["applies_from"]),
        doc.get("source", ""),
    )


async def all_figures(ctx: ServiceContext) -> list[Figure]:
    cache = ctx.caches.setdefault(FIGURES, {})
    if cache.get("figures") is not None and time.monotonic() - cache["at"] < CACHE_SECONDS:
        return cache["figures"]
    docs = await ctx.db[FIGURES].find({}).to_list(None)
    figures = sorted((_figure(d) for d in docs), key=lambda f: (f.region_code, f.kind, f.applies_from))
    cache.update(figures=figures, at=time.monotonic())
    return figures


def _forget(ctx: ServiceContext) -> None:
    ctx.caches.pop(FIGURES, None)


def newest(figures: list[Figure], kind: str, place_code: str, on: date) -> Figure | None:
    """The newest figure of `kind` applying by `on` for the place, of the most specific region with one."""
    for region in reversed(regions().lineage(place_code)):
        found = [f for f in figures if f.kind == kind and f.region_code == region.code and f.applies_from <= on]
        if found:
            return max(found, key=lambda f: f.applies_from)
    return None


def good_until(figure: Figure) -> date:
    """The last day a figure is taken as still in force without a newer one on file (HORIZON_MONTHS)."""
    months = figure.applies_from.month - 1 + HORIZON_MONTHS[figure.kind]
    year, month = figure.applies_from.year + months // 12, months % 12 + 1
    day = min(figure.applies_from.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


def in_force(figures: list[Figure], kind: str, place_code: str, on: date) -> Figure | None:
    """The figure of `kind` in force on `on` for the place: the newest of the most specific region with one,
    unless it is too old to be taken as still in force (then none: `newest` names it)."""
    found = newest(figures, kind, place_code, on)
    return found if found is not None and on <= good_until(found) else None


async def figure_in_force(ctx: ServiceContext, kind: str, place_code: str, on: date) -> Figure | None:
    return in_force(await all_figures(ctx), kind, place_code, on)


def check_figure(values: dict[str, Any]) -> dict[str, Any]:
    """A figure as typed into the back office: every problem at once, 422 naming the fields."""
    errors: list[FieldError] = []
    code = str(values.get("region_code") or "").strip()
    code = read_region_code(code) or code  # typed on a Chinese keyboard: ３１０１１５ is 310115
    if not code:
        errors.append(field_error("region_code", "required", "error.required.figure_region"))
    elif regions().get(code) is None:
        errors.append(field_error("region_code", "unknown_region", "error.unknown_region.figure", given=code[:20]))
    kind = str(values.get("kind") or "")
    if kind not in KINDS:
        errors.append(field_error("kind", "not_allowed", "error.not_allowed.figure_kind"))
    amount: Decimal | None = None
    try:
        amount = parse_amount(values.get("amount"), "local_figure", path="amount")
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    applies = read_date(values.get("applies_from"))
    if applies is None or not 1990 <= applies.year <= 2100:
        errors.append(field_error("applies_from", "invalid", "error.invalid.figure_date"))
    source = " ".join(str(values.get("source") or "").split())
    if not source:
        errors.append(field_error("source", "required", "error.required.figure_source"))
    elif len(source) > MAX_SOURCE:
        errors.append(field_error("source", "too_long", "error.too_long.figure_source", limit=MAX_SOURCE))
    if errors:
        raise ValidationFailed(errors)
    assert amount is not None and applies is not None
    return {
        "region_code": code,
        "kind": kind,
        "amount": f"{amount:.2f}",
        "applies_from": applies.isoformat(),
        "source": source,
    }


async def save_figure(ctx: ServiceContext, values: dict[str, Any], by: str) -> Figure:
    """Adds a figure (who may is decided by the caller's room: services/accounts/rosters.py); the same region,
    kind and day again replaces the earlier one."""
    doc = check_figure(values)
    existing = await ctx.db[FIGURES].find_one(
        {"region_code": doc["region_code"], "kind": doc["kind"], "applies_from": doc["applies_from"]}
    )
    figure_id = existing["_id"] if existing else uuid.uuid4().hex
    await ctx.db[FIGURES].update_one(
        {"_id": figure_id}, {"$set": doc | {"updated_by": by, "updated_at": ctx.clock()}}, upsert=True
    )
    _forget(ctx)
    return _figure(doc | {"_id": figure_id})


async def remove_figure(ctx: ServiceContext, figure_id: str) -> Figure:
    doc = await ctx.db[FIGURES].find_one({"_id": figure_id})
    if doc is None:
        raise NotFound("figure_not_found")
    await ctx.db[FIGURES].delete_one({"_id": figure_id})
    _forget(ctx)
    return _figure(doc)


async def get_figure(ctx: ServiceContext, figure_id: str) -> Figure:
    doc = await ctx.db[FIGURES].find_one({"_id": figure_id})
    if doc is None:
        raise NotFound("figure_not_found")
    return _figure(doc)


# ---------------------------------------------------------------------------------------------
# The shipped figures


def _key(doc: dict[str, Any]) -> str:
    return f"{doc['region_code']}|{doc['kind']}|{doc['applies_from']}"


def shipped_figures(path: Path = DATA_FILE) -> list[dict[str, Any]]:
    """The published figures shipped with the code, each checked as an administrator's would be; each records
    where it was read and on which day (`read_on`, also written in its source)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for entry in data.get("figures") or []:
        doc = check_figure(entry)
        read_on = read_date(entry.get("read_on"))
        if read_on is None or read_on.isoformat() not in doc["source"]:
            raise ValueError(f"{path.name}: {_key(doc)} needs `read_on`, written in its source too")
        out.append(doc | {"read_on": read_on.isoformat()})
    return out


async def seed(ctx: ServiceContext) -> int:
    """Gives the database each shipped figure it has not had yet (one an administrator removed stays removed;
    one entered for the same place, kind and day is kept); returns how many were added."""
    meta = await ctx.db[META].find_one({"_id": "shipped"})
    given = set(meta["keys"]) if meta else set()
    added = 0
    for doc in shipped_figures():
        key = _key(doc)
        if key in given:
            continue
        existing = await ctx.db[FIGURES].find_one(
            {"region_code": doc["region_code"], "kind": doc["kind"], "applies_from": doc["applies_from"]}
        )
        if existing is None:
            try:
                await ctx.db[FIGURES].insert_one(
                    doc | {"_id": uuid.uuid4().hex, "updated_by": "data/local_figures.yaml", "updated_at": ctx.clock()}
                )
                added += 1
            except DuplicateKeyError:  # another process seeded it at the same moment
                pass
        await ctx.db[META].update_one({"_id": "shipped"}, {"$addToSet": {"keys": key}}, upsert=True)
    if added:
        _forget(ctx)
    return added
