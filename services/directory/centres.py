"""Mediation centres as data: their level, the regions (GB/T 2260) they serve, who sits above whom, routing by region.

config.yaml's `centres:` only seeds a fresh database (`seed`); afterwards administrators keep the
`centres` collection (services/accounts/rosters.py decides who may). Every submission routes and every
staff read checks visibility, while centres change a few times a year: each process keeps a snapshot
(`directory`) for a few seconds, and a change made through this module drops it at once. A change made
in another process is seen within CACHE_SECONDS.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.core.codes import read_region_code
from services.core.context import ServiceContext
from services.core.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from services.core.idnumbers import NumberInvalid, check_uscc
from services.core.phones import check_written_phone
from services.core.text import one_line
from services.directory.regions import regions
from settings import placeholder_phone

CENTRES = "centres"
LEVELS = ("province", "city", "district", "township", "enterprise", "industry")
GEOGRAPHIC = ("province", "city", "district", "township")
# Lower is higher up. Enterprise and industry centres hang under a geographic centre, never the reverse.
RANK = {"province": 0, "city": 1, "district": 2, "township": 3, "enterprise": 4, "industry": 4}
# The deepest region level a centre of a level may serve from: a township centre serves townships only.
REGION_RANK = {"province": 0, "city": 1, "county": 2, "township": 3}
MIN_REGION_RANK = {"district": 2, "township": 3}
CACHE_SECONDS = 5.0
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
INDUSTRIES = tuple("ABCDEFGHIJKLMNOPQRST")  # GB/T 4754-2017 sections
MAX_NAME, MAX_ADDRESS, MAX_COURTS, MAX_CODES, MAX_MATCH = 100, 200, 10, 200, 20
DEFAULT_TAXONOMY = "default"


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    level: str
    parent_id: str | None = None
    region_codes: tuple[str, ...] = ()
    match: tuple[str, ...] = ()  # place names that route a case here when no region code is known
    address: str = ""
    phone: str = ""
    demo: bool = False  # address and phone are the demo's examples, until an administrator writes real ones
    courts: tuple[str, ...] = ()  # the courts that invited the centre (特邀调解组织)
    taxonomy: str = DEFAULT_TAXONOMY  # which cause list it files under: "default" or a list config.yaml names
    templates_dir: str = ""  # its own document templates; empty: docgen's defaults
    enterprise_uscc: str = ""  # an enterprise centre's employer
    industry: str = ""  # an industry centre's GB/T 4754 section
    active: bool = True
    settings: Mapping[str, Any] = field(default_factory=dict)  # per-centre settings (court, periods, ...)

    @property
    def geographic(self) -> bool:
        return self.level in GEOGRAPHIC

    def public(self) -> dict[str, Any]:
        """What anyone may read (`GET /api/centres`)."""
        known = regions()
        return {
            "id": self.id,
            "name": self.name,
            "level": self.level,
            "parent_id": self.parent_id,
            "regions": [{"code": c, "name": known.full_name(c) or c} for c in self.region_codes],
            "address": self.address,
            "phone": self.phone,
            "demo": self.demo,
            "courts": list(self.courts),
        }

    def as_doc(self) -> dict[str, Any]:
        doc = dataclasses.asdict(self)
        doc["_id"] = doc.pop("id")
        for name in ("region_codes", "match", "courts"):
            doc[name] = list(doc[name])
        doc["settings"] = dict(self.settings)
        return doc


def _centre(doc: Mapping[str, Any]) -> Centre:
    return Centre(
        id=doc["_id"],
        name=doc["name"],
        level=doc["level"],
        parent_id=doc.get("parent_id"),
        region_codes=tuple(doc.get("region_codes") or ()),
        match=tuple(doc.get("match") or ()),
        address=doc.get("address", ""),
        phone=doc.get("phone", ""),
        demo=bool(doc.get("demo", False)),
        courts=tuple(doc.get("courts") or ()),
        taxonomy=doc.get("taxonomy") or DEFAULT_TAXONOMY,
        templates_dir=doc.get("templates_dir", ""),
        enterprise_uscc=doc.get("enterprise_uscc", ""),
        industry=doc.get("industry", ""),
        active=doc.get("active", True),
        settings=doc.get("settings") or {},
    )


@dataclass(frozen=True)
class Routed:
    """Where a case goes and why: the rule (region, text, match, uscc, default), the place and the code that decided."""

    centre: Centre
    rule: str
    venue: str
    place_code: str = ""  # the region code of the chosen place, when known
    matched_code: str = ""  # the code the centre serves that decided

    def as_case_fields(self) -> dict[str, Any]:
        known = regions()
        codes = [r.code for r in known.lineage(self.place_code)] if self.place_code else list(self.centre.region_codes)
        routing = {
            "rule": self.rule,
            "venue": self.venue,
            "place_code": self.place_code,
            "place_name": known.full_name(self.place_code) if self.place_code else "",
            "matched_code": self.matched_code,
        }
        rule = f"{self.rule}:{self.venue}" if self.rule != "default" else "default"
        return {
            "centre": {"id": self.centre.id, "name": self.centre.name},
            "region_codes": codes,
            "routing_rule": rule,
            "routing": routing,
        }


class Directory:
    """A snapshot of every centre: lookups, the tree of who sits above whom, and who serves a region."""

    def __init__(self, centres: Iterable[Centre], default_id: str) -> None:
        self.centres = sorted(centres, key=lambda c: (RANK.get(c.level, 9), c.id))
        self._by_id = {c.id: c for c in self.centres}
        self._children: dict[str | None, list[Centre]] = {}
        for centre in self.centres:
            self._children.setdefault(centre.parent_id, []).append(centre)
        self._serving: dict[str, list[Centre]] = {}
        for centre in self.centres:
            if centre.active and centre.geographic:
                for code in centre.region_codes:
                    self._serving.setdefault(code, []).append(centre)
        self.default_id = default_id

    def get(self, centre_id: str) -> Centre | None:
        return self._by_id.get(centre_id)

    def __contains__(self, centre_id: object) -> bool:
        return centre_id in self._by_id

    def children(self, centre_id: str | None) -> list[Centre]:
        return list(self._children.get(centre_id, ()))

    def subtree(self, centre_id: str) -> set[str]:
        """The centre and every centre below it (a district administrator sees its townships' cases)."""
        out, todo = set(), [centre_id]
        while todo:
            current = todo.pop()
            if current in out:
                continue  # a broken tree (data from elsewhere) must not loop
            out.add(current)
            todo.extend(c.id for c in self._children.get(current, ()))
        return out

    def ancestors(self, centre_id: str) -> list[Centre]:
        """The centres above, nearest first."""
        out: list[Centre] = []
        centre = self._by_id.get(centre_id)
        while centre is not None and centre.parent_id and len(out) < len(self._by_id):
            centre = self._by_id.get(centre.parent_id)
            if centre is not None:
                out.append(centre)
        return out

    def is_below(self, centre_id: str, above_id: str) -> bool:
        """Whether `centre_id` sits (strictly) below `above_id`."""
        return any(c.id == above_id for c in self.ancestors(centre_id))

    @property
    def default(self) -> Centre:
        centre = self._by_id.get(self.default_id)
        if centre is None or not centre.active:  # a deactivated default: the highest active centre takes over
            centre = next((c for c in self.centres if c.active and c.geographic), centre)
        if centre is None:
            raise NotFound("no_centre")
        return centre

    def serving(self, code: str) -> Centre | None:
        """The most specific active centre serving exactly `code` (ties: the lowest id)."""
        found = self._serving.get(code)
        return max(found, key=lambda c: (RANK[c.level], _neg(c.id))) if found else None

    def route(self, place_code: str, venue: str) -> Routed | None:
        """The most specific centre serving the place or, failing that, a region above it."""
        for region in reversed(regions().lineage(place_code)):
            centre = self.serving(region.code)
            if centre is not None:
                return Routed(centre, "region", venue, place_code, region.code)
        return None

    def match_text(self, place: str) -> Centre | None:
        """The old rule: a centre one of whose place names appears in the address text (most specific first)."""
        for centre in sorted(self.centres, key=lambda c: -RANK.get(c.level, 0)):
            if centre.active and any(name and name in place for name in centre.match):
                return centre
        return None


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


# ---------------------------------------------------------------------------------------------
# The snapshot each process keeps.


def _cache(ctx: ServiceContext) -> dict[str, Any]:
    return ctx.caches.setdefault("directory", {})


async def directory(ctx: ServiceContext) -> Directory:
    """Every centre, read at most every CACHE_SECONDS per process (one command when read)."""
    cache = _cache(ctx)
    snapshot = cache.get("snapshot")
    if snapshot is not None and time.monotonic() - cache["at"] < CACHE_SECONDS:
        return snapshot
    docs = await ctx.db[CENTRES].find({}).to_list(None)
    snapshot = Directory([_centre(d) for d in docs], ctx.settings.default_centre)
    cache.update(snapshot=snapshot, at=time.monotonic())
    return snapshot


def cached(ctx: ServiceContext) -> Directory | None:
    """The last snapshot read by this process, without reading (for code that cannot wait: cause lists)."""
    return _cache(ctx).get("snapshot")


def forget(ctx: ServiceContext) -> None:
    _cache(ctx).pop("at", None)
    _cache(ctx)["at"] = float("-inf")


async def seed(ctx: ServiceContext) -> int:
    """A fresh database gets config.yaml's centres (with any per-centre setting in `settings`); returns how many."""
    if await ctx.db[CENTRES].count_documents({}) > 0:
        return 0
    now, added = ctx.clock(), 0
    mapped = {
        "id",
        "name",
        "level",
        "region_codes",
        "match",
        "address",
        "phone",
        "demo",
        "taxonomy_file",
        "templates_dir",
        "parent",
        "courts",
    }
    for centre in ctx.settings.centres:
        seeded = dataclasses.asdict(centre)
        doc = Centre(
            id=centre.id,
            name=centre.name,
            level=centre.level or "city",
            parent_id=seeded.get("parent") or None,
            region_codes=tuple(centre.region_codes),
            match=tuple(centre.match),
            address=centre.address,
            phone=centre.phone,
            demo=centre.demo,
            courts=tuple(seeded.get("courts") or ()),
            taxonomy=centre.taxonomy_file or DEFAULT_TAXONOMY,
            templates_dir=centre.templates_dir,
            settings={k: v for k, v in seeded.items() if k not in mapped},
        ).as_doc() | {"created_at": now, "created_by": "config.yaml", "updated_at": now, "updated_by": "config.yaml"}
        try:
            await ctx.db[CENTRES].insert_one(doc)
            added += 1
        except DuplicateKeyError:  # another process seeded it at the same moment
            pass
    forget(ctx)
    return added


# ---------------------------------------------------------------------------------------------
# Checking and writing a centre (who may is decided by services/accounts/rosters.py).


def taxonomy_keys(ctx: ServiceContext) -> list[str]:
    """The cause lists a centre may file under: the default and the files config.yaml names."""
    return [DEFAULT_TAXONOMY, *sorted({c.taxonomy_file for c in ctx.settings.centres if c.taxonomy_file})]


def _lines(value: Any, limit: int, length: int, field_name: str, errors: list[FieldError]) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else re.split(r"[\n,，、;；]+", str(value or ""))
    out = tuple(dict.fromkeys(s.strip() for s in items if isinstance(s, str) and s.strip()))
    if len(out) > limit:
        errors.append(field_error(field_name, "too_many", "error.too_many.centre_list", limit=limit))
    if any(len(s) > length for s in out):
        errors.append(field_error(field_name, "too_long", "error.too_long.centre_list", limit=length))
    return out


def check_centre(
    ctx: ServiceContext, known: Directory, form: Mapping[str, Any], existing: Centre | None = None
) -> Centre:
    """The centre a form describes (new, or `existing` changed), every problem listed at once."""
    errors: list[FieldError] = []
    centre_id = existing.id if existing else str(form.get("id") or "").strip().lower()
    if existing is None:
        if not ID_PATTERN.match(centre_id):
            errors.append(field_error("id", "invalid", "error.invalid.centre_id"))
        elif centre_id in known:
            errors.append(field_error("id", "taken", "error.taken.centre_id", centre=centre_id))
    name = one_line(str(form.get("name") or "")).strip()  # names and addresses are one line (a tab spoofs a column)
    if not name or len(name) > MAX_NAME:
        errors.append(field_error("name", "invalid", "error.invalid.centre_name", limit=MAX_NAME))
    level = str(form.get("level") or (existing.level if existing else "")).strip()
    if level not in LEVELS:
        errors.append(field_error("level", "not_allowed", "error.not_allowed.centre_level"))
    parent_id = str(form.get("parent_id") or "").strip() or None
    parent = known.get(parent_id) if parent_id else None
    if parent_id and (parent is None or not parent.active):
        errors.append(field_error("parent_id", "unknown", "error.unknown.centre_parent"))
    elif parent and level in RANK and RANK[parent.level] >= RANK[level]:
        errors.append(field_error("parent_id", "not_allowed", "error.not_allowed.centre_parent"))
    elif parent is None and level not in ("province", "city") and level in RANK:
        errors.append(field_error("parent_id", "required", "error.required.centre_parent"))
    if existing and parent_id and (parent_id == existing.id or known.is_below(parent_id, existing.id)):
        errors.append(field_error("parent_id", "not_allowed", "error.not_allowed.centre_parent"))
    codes = _region_codes(form.get("region_codes"), level, parent, errors)
    uscc = str(form.get("enterprise_uscc") or "").strip()
    if uscc:
        try:
            uscc = check_uscc(uscc).value  # a failing check character is kept, as for an application's respondent
        except NumberInvalid:
            errors.append(field_error("enterprise_uscc", "invalid", "error.invalid.centre_uscc"))
    if level == "enterprise" and not uscc:
        errors.append(field_error("enterprise_uscc", "required", "error.required.centre_uscc"))
    if not codes and level != "enterprise" and not any(e.field == "region_codes" for e in errors):
        errors.append(field_error("region_codes", "required", "error.required.centre_regions"))
    industry = str(form.get("industry") or "").strip().upper()
    if industry and industry not in INDUSTRIES:
        errors.append(field_error("industry", "not_allowed", "error.not_allowed.centre_industry"))
    if level == "industry" and not industry:
        errors.append(field_error("industry", "required", "error.required.centre_industry"))
    address = one_line(str(form.get("address") or "")).strip()
    if len(address) > MAX_ADDRESS:
        errors.append(field_error("address", "too_long", "error.too_long.centre_address", limit=MAX_ADDRESS))
    phone = str(form.get("phone") or "").strip()
    if phone:
        written = check_written_phone(phone)
        if written is None:
            errors.append(field_error("phone", "invalid", "error.invalid.centre_phone"))
        phone = written or phone
    courts = _lines(form.get("courts"), MAX_COURTS, MAX_NAME, "courts", errors)
    match = _lines(form.get("match"), MAX_MATCH, 30, "match", errors)
    taxonomy = str(form.get("taxonomy") or (existing.taxonomy if existing else DEFAULT_TAXONOMY)).strip()
    if taxonomy not in taxonomy_keys(ctx):
        errors.append(field_error("taxonomy", "not_allowed", "error.not_allowed.centre_taxonomy"))
    if errors:
        raise ValidationFailed(errors)
    return Centre(
        id=centre_id,
        name=name,
        level=level,
        parent_id=parent_id,
        region_codes=codes,
        match=match,
        address=address,
        phone=phone,
        # The demo's example contact stays marked until an administrator writes another address or phone.
        demo=bool(existing and existing.demo and (address, phone) == (existing.address, existing.phone)),
        courts=courts,
        taxonomy=taxonomy,
        templates_dir=existing.templates_dir if existing else "",
        enterprise_uscc=uscc,
        industry=industry,
        active=existing.active if existing else True,
        settings=existing.settings if existing else {},
    )


def _region_codes(value: Any, level: str, parent: Centre | None, errors: list[FieldError]) -> tuple[str, ...]:
    raw = value if isinstance(value, list | tuple) else re.split(r"[\s,，、;；]+", str(value or ""))
    typed = [c.strip() for c in raw if isinstance(c, str) and c.strip()]
    codes = tuple(dict.fromkeys(read_region_code(c) or c for c in typed))  # ３１０１１５ is 310115
    if len(codes) > MAX_CODES:
        errors.append(field_error("region_codes", "too_many", "error.too_many.centre_regions", limit=MAX_CODES))
        return ()
    known = regions()
    for code in codes:
        region = known.get(code)
        if region is None:
            errors.append(field_error("region_codes", "unknown_region", given=code[:20]))
            continue
        if REGION_RANK[region.level] < MIN_REGION_RANK.get(level, 0):
            errors.append(
                field_error("region_codes", "not_allowed", "error.not_allowed.centre_region_level", region=code)
            )
        elif parent and parent.region_codes and not any(r.code in parent.region_codes for r in known.lineage(code)):
            errors.append(
                field_error("region_codes", "outside_parent", "error.outside_parent.centre_region", region=code)
            )
    return codes


async def insert(ctx: ServiceContext, centre: Centre, by: str) -> Centre:
    now = ctx.clock()
    doc = centre.as_doc() | {"created_at": now, "created_by": by, "updated_at": now, "updated_by": by}
    try:
        await ctx.db[CENTRES].insert_one(doc)
    except DuplicateKeyError as exc:
        raise Conflict("centre_taken", field="id", centre=centre.id) from exc
    forget(ctx)
    await directory(ctx)  # this process's snapshot (cause lists read it without waiting) has it at once
    return centre


async def replace(ctx: ServiceContext, centre: Centre, by: str, now: datetime | None = None) -> Centre:
    fields = centre.as_doc()
    fields.pop("_id")
    await ctx.db[CENTRES].update_one(
        {"_id": centre.id}, {"$set": fields | {"updated_at": now or ctx.clock(), "updated_by": by}}
    )
    forget(ctx)
    await directory(ctx)
    return centre


def describe(centre: Centre, known: Directory) -> dict[str, Any]:
    """A centre as the back office lists it: its place in the tree and its regions in words."""
    parent = known.get(centre.parent_id) if centre.parent_id else None
    names = regions()
    return dataclasses.asdict(centre) | {
        "parent_name": parent.name if parent else "",
        "region_names": [names.full_name(c) or c for c in centre.region_codes],
        "depth": len(known.ancestors(centre.id)),
        "children": [c.id for c in known.children(centre.id)],
    }


def example_contacts(known: Directory) -> list[str]:
    """The active centres whose contact is still the demo's (marked `demo`, or a phone of zeros): a production
    start refuses them, since parties would call the number (app.start)."""
    return [f"{c.id} ({c.phone or '-'})" for c in known.centres if c.active and (c.demo or placeholder_phone(c.phone))]
