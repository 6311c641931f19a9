"""Rosters: who keeps the centres and the mediators' records, and what they read.

Centres are created, edited and deactivated by the administrators of the level above: a city
administrator keeps its districts' and their townships' centres (anything below their own centre);
system administrators keep every centre. A mediator's record (qualifications, expertise, training) is
kept by whoever manages their account (staff.can_manage); their performance is read from the
statistics counters (cases accepted, settled, average days). Every change is in the audit trail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from i18n import msg
from services.accounts import audit
from services.accounts.staff import (
    CENTRE_ADMIN,
    MEDIATOR,
    SYSTEM_ADMIN,
    StaffMember,
    can_manage,
    centre_filter,
    normalise_login,
    visible_centres,
)
from services.core.context import ServiceContext
from services.core.dates import read_date
from services.core.errors import FieldError, NotFound, ServiceError, ValidationFailed, field_error
from services.core.numbers import read_quantity
from services.directory import centres, local_figures
from services.directory.centres import Centre, Directory
from services.directory.local_figures import Figure
from services.directory.regions import regions

MAX_LINES, MAX_LINE = 20, 200
MAX_HOURS = Decimal("9999.9")  # a course's hours: 8, 8h, 8 学时, 7.5 小时


def _hours(text: str) -> float | None:
    """The hours a training line ends with ("8", "8h", "7.5学时"; a unit of up to two letters), or None."""
    number = text
    while number and number[-1].isalpha():
        number = number[:-1]
    hours = read_quantity(number) if len(text) - len(number) <= 2 else None
    if hours is None or hours > MAX_HOURS or hours != hours.quantize(Decimal("0.1")):
        return None
    return float(hours)


def _training(line: str) -> dict[str, Any] | None:
    """A training line, "YYYY-MM-DD course [hours]", as stored; None when it is not one."""
    parts = line.split(None, 1)
    day = read_date(parts[0]) if parts else None
    if day is None or len(parts) < 2:
        return None
    course, hours = parts[1].strip(), None
    for split in (2, 1):  # "course 8 学时", then "course 8h" / "course 8"
        words = course.rsplit(None, split)
        if len(words) == split + 1 and (found := _hours("".join(words[1:]))) is not None:
            course, hours = words[0], found
            break
    return {"date": day.isoformat(), "course": course, "hours": hours}


def _forbidden(what: str) -> ServiceError:
    return ServiceError(403, "forbidden", msg(f"error.forbidden.{what}"))


def manages_centre(known: Directory, member: StaffMember, centre_id: str | None) -> bool:
    """Whether `member` may keep the centre `centre_id` (None: a centre at the top, system administrators only)."""
    if member.role == SYSTEM_ADMIN:
        return True
    if member.role != CENTRE_ADMIN or not centre_id:
        return False
    return known.is_below(centre_id, member.centre_id)


def administers_centre(known: Directory, member: StaffMember, centre_id: str) -> bool:
    """Whether `member` keeps what belongs to the centre itself (its templates, its triage): an administrator of
    that centre or of one above it; a system administrator everywhere."""
    if member.role == SYSTEM_ADMIN:
        return True
    own = centre_id == member.centre_id
    return member.role == CENTRE_ADMIN and (own or known.is_below(centre_id, member.centre_id))


def _may_hang_under(known: Directory, member: StaffMember, parent_id: str | None) -> bool:
    """A new or moved centre may go under the member's own centre or any centre they keep."""
    if member.role == SYSTEM_ADMIN:
        return True
    if member.role != CENTRE_ADMIN or not parent_id:
        return False
    return parent_id == member.centre_id or known.is_below(parent_id, member.centre_id)


async def centre_list(ctx: ServiceContext, member: StaffMember) -> list[dict[str, Any]]:
    """The centres the member sees (their own and those below; all for system administrators), as a tree."""
    if member.role not in (CENTRE_ADMIN, SYSTEM_ADMIN):
        raise _forbidden("centres")
    known = await centres.directory(ctx)
    visible = await visible_centres(ctx, member)
    rows = []

    def walk(centre: Centre) -> None:
        rows.append(centres.describe(centre, known) | {"manageable": manages_centre(known, member, centre.id)})
        for child in known.children(centre.id):
            walk(child)

    roots = [c for c in known.centres if not c.parent_id or c.parent_id not in known]
    if visible is not None:
        own = known.get(member.centre_id)
        roots = [own] if own is not None else []
    for root in roots:
        walk(root)
    return rows


async def parents_for(ctx: ServiceContext, member: StaffMember) -> list[Centre]:
    """The active centres a new centre may go under for this member."""
    known = await centres.directory(ctx)
    return [c for c in known.centres if c.active and c.geographic and _may_hang_under(known, member, c.id)]


async def create_centre(ctx: ServiceContext, member: StaffMember, form: Mapping[str, Any]) -> Centre:
    known = await centres.directory(ctx)
    parent_id = str(form.get("parent_id") or "").strip() or None
    if not _may_hang_under(known, member, parent_id):
        raise _forbidden("centre_level")
    centre = centres.check_centre(ctx, known, form)
    await centres.insert(ctx, centre, member.login)
    await audit.record(ctx, member, "centre_create", "", subject_centre=centre.id)
    return centre


async def _kept(ctx: ServiceContext, member: StaffMember, centre_id: str) -> tuple[Directory, Centre]:
    known = await centres.directory(ctx)
    centre = known.get(centre_id)
    visible = await visible_centres(ctx, member)
    if centre is None or (visible is not None and centre.id not in visible):
        raise NotFound("centre_not_found")
    if not manages_centre(known, member, centre.id):
        raise _forbidden("centre_level")
    return known, centre


async def centre_for_edit(ctx: ServiceContext, member: StaffMember, centre_id: str) -> Centre:
    return (await _kept(ctx, member, centre_id))[1]


async def update_centre(ctx: ServiceContext, member: StaffMember, centre_id: str, form: Mapping[str, Any]) -> Centre:
    known, existing = await _kept(ctx, member, centre_id)
    parent_id = str(form.get("parent_id") or "").strip() or None
    if parent_id != existing.parent_id and not _may_hang_under(known, member, parent_id):
        raise _forbidden("centre_level")
    centre = centres.check_centre(ctx, known, form, existing)
    await centres.replace(ctx, centre, member.login)
    await audit.record(ctx, member, "centre_update", "", subject_centre=centre.id)
    return centre


async def set_centre_active(ctx: ServiceContext, member: StaffMember, centre_id: str, active: bool) -> Centre:
    """Deactivate (no case is routed or transferred to it; its cases and records stay) or reactivate."""
    known, existing = await _kept(ctx, member, centre_id)
    if not active and any(c.active for c in known.children(existing.id)):
        raise ServiceError(409, "centre_has_active_children", field="centre")
    centre = Centre(**{**existing.__dict__, "active": active})
    await centres.replace(ctx, centre, member.login)
    await audit.record(ctx, member, "centre_activate" if active else "centre_deactivate", "", subject_centre=centre.id)
    return centre


async def public_centres(ctx: ServiceContext) -> dict[str, Any]:
    """`GET /api/centres`: every active centre's public part (name, level, regions, address, phone, courts)."""
    known = await centres.directory(ctx)
    return {"items": [c.public() for c in known.centres if c.active]}


# ---------------------------------------------------------------------------------------------
# Mediators' records and performance.


def _lines(value: Any, field_name: str, errors: list[FieldError]) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").splitlines()
    out = [s.strip() for s in items if isinstance(s, str) and s.strip()]
    if len(out) > MAX_LINES or any(len(s) > MAX_LINE for s in out):
        errors.append(
            field_error(field_name, "too_long", "error.too_long.profile_lines", lines=MAX_LINES, limit=MAX_LINE)
        )
    return out[:MAX_LINES]


def check_profile(form: Mapping[str, Any]) -> dict[str, Any]:
    """A mediator's record: qualifications and expertise one a line, training as "YYYY-MM-DD course [hours]"."""
    errors: list[FieldError] = []
    training = []
    for i, line in enumerate(_lines(form.get("training"), "training", errors)):
        entry = _training(line)
        if entry is None:
            errors.append(field_error("training", "invalid", "error.invalid.training_line", number=i + 1))
            continue
        training.append(entry)
    profile = {
        "qualifications": _lines(form.get("qualifications"), "qualifications", errors),
        "expertise": _lines(form.get("expertise"), "expertise", errors),
        "training": training,
        "alerts_opt_in": str(form.get("alerts_opt_in") or "") in ("1", "on", "true", "yes"),
    }
    if errors:
        raise ValidationFailed(errors)
    return profile


def profile_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A member's record in its full shape: what was never saved is empty (a new account has no record at all, a
    mediator who set only their own opt-in has only that)."""
    empty: dict[str, Any] = {"qualifications": [], "expertise": [], "training": [], "alerts_opt_in": False}
    return empty | (doc.get("profile") or {})


async def save_profile(ctx: ServiceContext, member: StaffMember, login: str, form: Mapping[str, Any]) -> None:
    """Kept by whoever manages the account; a member may set their own opt-in to alert messages."""
    login = normalise_login(login)
    doc = await ctx.db["staff"].find_one({"_id": login}, {"role": 1, "centre_id": 1, "profile": 1})
    if doc is None:
        raise NotFound("staff_not_found", login=login)
    own = login == member.login
    if not own and not await can_manage(ctx, member, doc["role"], doc["centre_id"]):
        raise _forbidden("staff")
    profile = check_profile(form)
    if own and member.role == MEDIATOR:  # a mediator changes only their opt-in, not their own record
        profile = (doc.get("profile") or {}) | {"alerts_opt_in": profile["alerts_opt_in"]}
    await ctx.db["staff"].update_one({"_id": login}, {"$set": {"profile": profile}})
    await audit.record(ctx, member, "profile_update", "", login=login)


def performance(buckets: list[dict[str, Any]]) -> dict[str, Any]:
    """Cases accepted, settled, closed and the average days to close, from a mediator's counters."""
    totals: Counter[str] = Counter()
    for bucket in buckets:  # the shape services/stats/counters.py writes: f.<field> and f.<table>.<code>
        for name, value in (bucket.get("f") or {}).items():
            if isinstance(value, dict):
                totals.update({f"{name}.{code}": n for code, n in value.items()})
            else:
                totals[name] += value
    days = sum(int(f.split(".", 1)[1]) * n for f, n in totals.items() if f.startswith("dur."))
    closed = totals["closed"]
    return {
        "accepted": totals["accepted"],
        "settled": totals["closed_as.settled"],
        "closed": closed,
        "average_days": round(days / closed, 1) if closed else None,
    }


async def mediator_roster(ctx: ServiceContext, member: StaffMember) -> list[dict[str, Any]]:
    """The mediators (and administrators, who mediate too) the member sees, with record and performance."""
    if member.role not in (CENTRE_ADMIN, SYSTEM_ADMIN):
        raise _forbidden("staff")
    query = centre_filter(await visible_centres(ctx, member), "centre_id") | {"role": {"$ne": SYSTEM_ADMIN}}
    docs = (
        await ctx.db["staff"]
        .find(query, {"name": 1, "role": 1, "centre_id": 1, "active": 1, "profile": 1})
        .sort("_id", 1)
        .to_list(None)
    )
    dims = [f"m:{d['_id']}" for d in docs]
    buckets = await ctx.db["stats"].find({"dim": {"$in": dims}}).to_list(None) if dims else []
    by_dim: dict[str, list[dict[str, Any]]] = {}
    for bucket in buckets:
        if bucket["month"] != "bal":
            by_dim.setdefault(bucket["dim"], []).append(bucket)
    known = await centres.directory(ctx)
    return [
        {
            "login": d["_id"],
            "name": d["name"],
            "role": d["role"],
            "centre_id": d["centre_id"],
            "centre_name": c.name if (c := known.get(d["centre_id"])) else d["centre_id"],
            "active": d.get("active"),
            "profile": profile_of(d),
            "performance": performance(by_dim.get(f"m:{d['_id']}", [])),
        }
        for d in docs
    ]


# ---------------------------------------------------------------------------------------------
# Local figures (the average and minimum wages of a city): kept by administrators, each for the regions of
# the centres they keep (a system administrator: every region).


async def _region_kept(ctx: ServiceContext, member: StaffMember, region_code: str) -> bool:
    if member.role == SYSTEM_ADMIN:
        return True
    if member.role != CENTRE_ADMIN:
        return False
    known = await centres.directory(ctx)
    own = known.get(member.centre_id)
    codes = [r.code for r in regions().lineage(region_code)]
    return own is not None and any(code in codes for code in own.region_codes)


async def save_local_figure(ctx: ServiceContext, member: StaffMember, values: Mapping[str, Any]) -> Figure:
    """A figure typed by an administrator, for a region in (or below) their centre's; recorded in the audit log."""
    checked = local_figures.check_figure(dict(values))
    if not await _region_kept(ctx, member, checked["region_code"]):
        raise _forbidden("figures")
    figure = await local_figures.save_figure(ctx, checked, member.login)
    await audit.record(
        ctx,
        member,
        "figure.save",
        "",
        figure=figure.id,
        region=figure.region_code,
        kind=figure.kind,
        amount=f"{figure.amount:.2f}",
    )
    return figure


async def remove_local_figure(ctx: ServiceContext, member: StaffMember, figure_id: str) -> None:
    figure = await local_figures.get_figure(ctx, figure_id)
    if not await _region_kept(ctx, member, figure.region_code):
        raise _forbidden("figures")
    await local_figures.remove_figure(ctx, figure_id)
    await audit.record(ctx, member, "figure.remove", "", figure=figure_id, region=figure.region_code)


def may_keep_figures(member: StaffMember) -> bool:
    return member.role in (CENTRE_ADMIN, SYSTEM_ADMIN)
