"""Staff accounts: mediators and administrators of a centre, argon2id passwords, lockout, who manages whom."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pymongo.errors import DuplicateKeyError

from i18n import DEFAULT_LOCALE, msg, text
from services.accounts import lockout, web_sessions
from services.accounts.lockout import LOCK_PERIOD, MAX_FAILURES, Verdict, is_locked, verify_sign_in
from services.accounts.passwords import hash_password, needs_rehash
from services.core.context import ServiceContext, shanghai_iso
from services.core.errors import (
    Conflict,
    FieldError,
    ServiceError,
    Unauthorized,
    ValidationFailed,
    field_error,
    invalid,
)
from services.core.idnumbers import NumberInvalid
from services.core.personal_data import mask_phone
from services.core.phones import parse_phone
from services.core.text import one_line
from services.core.work_calendar import YearCalendar, get_year_calendar, set_year_calendar
from services.directory import centres
from settings import SettingsError

MEDIATOR, CENTRE_ADMIN, SYSTEM_ADMIN = "mediator", "centre_admin", "system_admin"
ROLES = (MEDIATOR, CENTRE_ADMIN, SYSTEM_ADMIN)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128  # argon2 takes any length; a cap keeps one request from hashing megabytes
LOGIN_PATTERN = re.compile(r"^[a-z0-9_.-]{3,32}$")
MAX_NAME_LENGTH = 50
PHONE_FIELD = "staff.phone"  # the authenticated data of the sealed phone


# The same words for every wrong pair, whatever the account's state; the lock is named only to the right password.
# The same words for every refusal, a temporarily locked account included (see lockout.verify_sign_in).
BAD_CREDENTIALS = msg("error.bad_credentials", failures=MAX_FAILURES, minutes=LOCK_PERIOD.seconds // 60)


def role_label(role: str, locale: str = DEFAULT_LOCALE) -> str:
    """The words for a role (`staff.role.<role>`); an unknown role as it is."""
    return text(f"staff.role.{role}", locale) if role in ROLES else role


def role_labels(locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """Every role with its words, in the order of ROLES (the back office's choice of role)."""
    return {role: role_label(role, locale) for role in ROLES}


@dataclass(frozen=True)
class StaffMember:
    """A signed-in staff member: what a back-office session carries."""

    login: str
    name: str
    role: str
    centre_id: str
    # Set by `authenticate` from the document read before the password check (web_sessions.current_stamp).
    session_stamp: str = field(default="", compare=False, repr=False)


async def visible_centres(ctx: ServiceContext, member: StaffMember) -> set[str] | None:
    """The centres whose cases `member` sees: None for every centre (system administrators); a centre
    administrator their centre and every centre below it (a district's townships); a mediator their own."""
    if member.role == SYSTEM_ADMIN:
        return None
    if member.role == CENTRE_ADMIN:
        return (await centres.directory(ctx)).subtree(member.centre_id)
    return {member.centre_id}


async def sees_centre(ctx: ServiceContext, member: StaffMember, centre_id: str) -> bool:
    """Whether `member` sees the cases (and staff) of `centre_id`; reads the directory only when it must."""
    if member.role == SYSTEM_ADMIN or member.centre_id == centre_id:
        return True
    visible = await visible_centres(ctx, member)
    return visible is None or centre_id in visible


def centre_filter(visible: set[str] | None, field_name: str = "centre.id") -> dict[str, Any]:
    """The query fragment of `visible_centres` (an equality where one centre, so an index serves it)."""
    if visible is None:
        return {}
    if len(visible) == 1:
        return {field_name: next(iter(visible))}
    return {field_name: {"$in": sorted(visible)}}


async def can_manage(ctx: ServiceContext, actor: StaffMember, role: str, centre_id: str) -> bool:
    """Whether `actor` may create, reset or (de)activate an account of `role` at `centre_id`: system
    administrators anyone; a centre administrator the mediators of their centre and of the centres below
    it, and the administrators of the centres below (a city administrator staffs its districts)."""
    if actor.role == SYSTEM_ADMIN:
        return True
    if actor.role != CENTRE_ADMIN:
        return False
    if role == MEDIATOR and centre_id == actor.centre_id:
        return True
    below = (await centres.directory(ctx)).is_below(centre_id, actor.centre_id)
    return below and role in (MEDIATOR, CENTRE_ADMIN)


def normalise_login(login: str) -> str:
    return login.strip().lower()


def password_problems(password: str, login: str, field: str = "password") -> list[FieldError]:
    """Every rule the password breaks (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(field_error(field, "password_too_short", length=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(field_error(field, "password_too_long", length=MAX_PASSWORD_LENGTH))
    classes = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        # Anything else is a symbol: punctuation, spaces, and also Chinese characters.
        any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
    )
    if sum(classes) < 3:
        problems.append(field_error(field, "password_too_simple"))
    if login and normalise_login(login) in password.lower():
        problems.append(field_error(field, "password_contains_login"))
    return problems


def check_password(password: str, login: str, field: str = "password") -> None:
    problems = password_problems(password, login, field)
    if problems:
        raise ValidationFailed(problems)


def _member(doc: dict[str, Any]) -> StaffMember:
    return StaffMember(login=doc["_id"], name=doc["name"], role=doc["role"], centre_id=doc["centre_id"])


def _login_key(login: str) -> str:
    """What the address count of a sign-in is keyed on: the login, or a digest of text that cannot be one."""
    return login if LOGIN_PATTERN.match(login) else "h:" + hashlib.sha256(login.encode()).hexdigest()[:32]


async def authenticate(ctx: ServiceContext, login: str, password: str, address: str = "") -> StaffMember:
    """The member for a login and password from client `address`: 401 for any wrong pair and for any
    refused attempt (lockout.verify_sign_in), 403 if inactive. `session_stamp` comes from the document
    read before the password check."""
    staff = ctx.db["staff"]
    login = normalise_login(login)
    doc = await staff.find_one({"_id": login}) if LOGIN_PATTERN.match(login) else None
    now = ctx.real_clock()  # lockouts run on real time
    verdict = await verify_sign_in(ctx.db, "staff", "staff", doc, _login_key(login), address, password, now)
    if verdict is Verdict.WRONG or doc is None:
        raise Unauthorized("bad_credentials", BAD_CREDENTIALS)
    # Checked only after the password, so a guesser cannot tell an inactive account from a wrong pair.
    if not doc.get("active", False):
        raise ServiceError(403, "account_inactive")
    update: dict[str, Any] = {**lockout.CLEARED, "last_login_at": now}
    if needs_rehash(doc["password_hash"]):  # parameters raised since: upgrade while we hold it
        update["password_hash"] = await hash_password(password)
    await staff.update_one({"_id": login}, {"$set": update})
    return replace(_member(doc), session_stamp=doc.get(web_sessions.STAMP) or "")


async def session_member(ctx: ServiceContext, session: str) -> StaffMember | None:
    """The member of a back-office session as stored now, re-checked each request; None once the session
    ended or the account is gone or inactive. One read: the session's stamp comes with the member."""
    doc = await web_sessions.check(ctx, web_sessions.STAFF, session, ("name", "role", "centre_id", "active"))
    if doc is None or not doc.get("active", False):
        return None
    return _member(doc)


async def _check_account_fields(
    ctx: ServiceContext, login: str, name: str, role: str, centre_id: str
) -> list[FieldError]:
    problems = []
    if not LOGIN_PATTERN.match(login):
        problems.append(field_error("login", "invalid_login"))
    if not name.strip() or len(name.strip()) > MAX_NAME_LENGTH:
        problems.append(field_error("name", "invalid_name", "error.invalid_name.staff", length=MAX_NAME_LENGTH))
    if role not in ROLES:
        problems.append(field_error("role", "invalid_role"))
    centre = (await centres.directory(ctx)).get(centre_id)
    if centre is None or not centre.active:
        problems.append(field_error("centre_id", "unknown_centre", centre=centre_id))
    return problems


def _forbidden(what: str = "staff") -> ServiceError:
    """403 `forbidden`, in the words of `error.forbidden.<what>`."""
    return ServiceError(403, "forbidden", msg(f"error.forbidden.{what}"))


async def create_staff(
    ctx: ServiceContext,
    actor: StaffMember | None,
    login: str,
    name: str,
    role: str,
    centre_id: str,
    password: str,
    phone: str | None = None,
) -> StaffMember:
    """Create an account; `actor` None only for the first administrator (manage.py, bootstrap)."""
    login, name = normalise_login(login), one_line(name)
    if actor is not None and not await can_manage(ctx, actor, role, centre_id):
        raise _forbidden("create_mediator" if actor.role == CENTRE_ADMIN else "create_staff")
    problems = await _check_account_fields(ctx, login, name, role, centre_id)
    if phone and phone.strip():
        try:
            phone = parse_phone(phone).e164  # every phone the service may text is stored in E.164
        except NumberInvalid:
            problems.append(field_error("phone", "invalid_phone"))
    else:
        phone = ""
    problems += password_problems(password, login)
    if problems:
        raise ValidationFailed(problems)
    now = ctx.clock()
    doc: dict[str, Any] = {
        "_id": login,
        "name": name.strip(),
        "role": role,
        "centre_id": centre_id,
        "password_hash": await hash_password(password),
        "failed_attempts": 0,
        "locked_until": None,
        "active": True,
        "created_at": now,
        "created_by": actor.login if actor else None,
        "password_changed_at": now,
    }
    if phone:
        doc["phone"] = ctx.cipher.encrypt(phone, PHONE_FIELD) | {"masked": mask_phone(phone)}
    try:
        await ctx.db["staff"].insert_one(doc)
    except DuplicateKeyError as exc:
        raise Conflict("login_taken", field="login", login=login) from exc
    return _member(doc)


async def list_staff(ctx: ServiceContext, actor: StaffMember) -> list[dict[str, Any]]:
    """The accounts `actor` manages: all for a system administrator; a centre admin's centre and those below."""
    if actor.role not in (SYSTEM_ADMIN, CENTRE_ADMIN):
        raise _forbidden()
    query = centre_filter(await visible_centres(ctx, actor), "centre_id")
    now = ctx.real_clock()  # a lockout, in real time
    docs = await ctx.db["staff"].find(query, {"password_hash": 0}).sort([("centre_id", 1), ("_id", 1)]).to_list()
    known = await centres.directory(ctx)
    return [
        {
            "login": d["_id"],
            "name": d["name"],
            "role": d["role"],
            "role_label": role_label(d["role"]),
            "centre_id": d["centre_id"],
            "centre_name": centre.name if (centre := known.get(d["centre_id"])) else d["centre_id"],
            "phone": (d.get("phone") or {}).get("masked", ""),
            "active": d.get("active", False),
            "locked": is_locked(d, now),
            "created_at": shanghai_iso(d.get("created_at")),
            "last_login_at": shanghai_iso(d.get("last_login_at")),
        }
        for d in docs
    ]


async def staffable_centres(ctx: ServiceContext, actor: StaffMember) -> list[centres.Centre]:
    """The active centres `actor` may create accounts at (the staff page's choice of centre)."""
    known = await centres.directory(ctx)
    visible = await visible_centres(ctx, actor)
    return [c for c in known.centres if c.active and (visible is None or c.id in visible)]


async def password_helpers(ctx: ServiceContext) -> tuple[list[dict[str, Any]], list[str]]:
    """Who resets a forgotten password, for the sign-in page's help: each active centre of the directory
    with the names of its active administrators and its public phone, and the system administrators' names."""
    docs = (
        await ctx.db["staff"]
        .find({"role": {"$in": [CENTRE_ADMIN, SYSTEM_ADMIN]}, "active": True}, {"name": 1, "role": 1, "centre_id": 1})
        .to_list(None)
    )
    known = await centres.directory(ctx)
    helpers = [
        {
            "name": c.name,
            "phone": c.phone,
            "admins": sorted(d["name"] for d in docs if d["role"] == CENTRE_ADMIN and d["centre_id"] == c.id),
        }
        for c in known.centres
        if c.active
    ]
    return helpers, sorted(d["name"] for d in docs if d["role"] == SYSTEM_ADMIN)


async def _managed_account(ctx: ServiceContext, actor: StaffMember, login: str) -> dict[str, Any]:
    """The target account if `actor` may manage it; another centre's accounts are not even found (404)."""
    if actor.role not in (SYSTEM_ADMIN, CENTRE_ADMIN):
        raise _forbidden()
    doc = await ctx.db["staff"].find_one({"_id": normalise_login(login)}, {"role": 1, "centre_id": 1})
    if doc is None or not await sees_centre(ctx, actor, doc["centre_id"]):
        raise ServiceError(404, "staff_not_found", login=login)
    if not await can_manage(ctx, actor, doc["role"], doc["centre_id"]):
        raise _forbidden()
    return doc


async def set_active(ctx: ServiceContext, actor: StaffMember, login: str, active: bool) -> None:
    """Enable or disable an account; nobody disables their own (the last administrator would lock all out)."""
    login = normalise_login(login)
    if login == actor.login and not active:
        raise ServiceError(409, "cannot_deactivate_self")
    await _managed_account(ctx, actor, login)
    update: dict[str, Any] = {"active": active}
    if not active:  # its open sessions end with it: re-enabling later revives none of them
        update |= web_sessions.new_stamp()
    await ctx.db["staff"].update_one({"_id": login}, {"$set": update})
    if active:  # re-enabling also lifts a lockout
        await lockout.lift(ctx.db, "staff", "staff", login)


async def unlock(ctx: ServiceContext, actor: StaffMember, login: str) -> None:
    """An administrator lifts the lockout of an account they manage (the owner proved themselves to them)."""
    login = normalise_login(login)
    await _managed_account(ctx, actor, login)
    await lockout.lift(ctx.db, "staff", "staff", login)


async def reset_password(ctx: ServiceContext, actor: StaffMember, login: str, new_password: str) -> None:
    """An administrator sets another account's password (and lifts its lockout); its open sessions end."""
    login = normalise_login(login)
    if login == actor.login:  # one's own password needs the old one: see change_own_password
        raise _forbidden("reset_own_password")
    await _managed_account(ctx, actor, login)
    check_password(new_password, login)
    password_hash = await hash_password(new_password)
    await ctx.db["staff"].update_one(
        {"_id": login},
        {
            "$set": {
                "password_hash": password_hash,
                "password_changed_at": ctx.clock(),
                **web_sessions.new_stamp(),
            }
        },
    )
    await lockout.lift(ctx.db, "staff", "staff", login)


async def change_own_password(ctx: ServiceContext, login: str, old: str, new: str, address: str = "") -> str:
    """A member changes their password; the old one is checked like a sign-in (it counts towards the lock).

    Every open session of the member ends; returns a new session for the browser that made the change
    (the member just proved both passwords there), to put in its cookie.
    """
    try:
        member = await authenticate(ctx, login, old, address)
    except Unauthorized as exc:
        raise invalid("old_password", "wrong_password") from exc
    problems = password_problems(new, member.login, "new_password")
    if new == old:
        problems.append(field_error("new_password", "password_unchanged"))
    if problems:
        raise ValidationFailed(problems)
    password_hash = await hash_password(new)
    await ctx.db["staff"].update_one(
        {"_id": member.login},
        {"$set": {"password_hash": password_hash, "password_changed_at": ctx.clock(), **web_sessions.new_stamp()}},
    )
    return await web_sessions.issue(ctx, web_sessions.STAFF, member.login)


async def create_first_admin(ctx: ServiceContext, login: str, name: str, centre_id: str, password: str) -> StaffMember:
    """The first system administrator; refused (409) once any system administrator exists."""
    if await ctx.db["staff"].count_documents({"role": SYSTEM_ADMIN}) > 0:
        raise Conflict("admin_exists")
    return await create_staff(ctx, None, login, name, SYSTEM_ADMIN, centre_id, password)


async def ensure_bootstrap_admin(ctx: ServiceContext, spec: str) -> StaffMember | None:
    """`BOOTSTRAP_ADMIN=login:password`: create the first system administrator at start, if none exists yet.

    For the embedded engine, whose data lives in the server's process only; never changes an
    existing account, so leaving the variable set does no harm. Returns the account if created.
    """
    login, sep, password = spec.partition(":")
    if not sep or not login.strip() or not password:
        raise SettingsError("BOOTSTRAP_ADMIN must look like login:password")
    if await ctx.db["staff"].count_documents({"role": SYSTEM_ADMIN}) > 0:
        return None
    try:
        name = role_label(SYSTEM_ADMIN)  # named after its role
        return await create_staff(ctx, None, login, name, SYSTEM_ADMIN, ctx.settings.default_centre, password)
    except ValidationFailed as exc:
        details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        raise SettingsError(f"BOOTSTRAP_ADMIN refused: {details}") from exc
    except Conflict:  # another process created it at the same moment
        return None


# ---------------------------------------------------------------------------------------------
# The working-day calendar of years chinese-calendar does not know: administrators keep it.


def calendar_scope(member: StaffMember) -> str:
    """Which calendar an administrator edits: the national arrangement is the system administrator's
    (""); a centre administrator edits only their own centre's entries (local holidays and working days)."""
    if member.role == SYSTEM_ADMIN:
        return ""
    if member.role == CENTRE_ADMIN:
        return member.centre_id
    raise _forbidden("calendar")


async def calendar_year(ctx: ServiceContext, member: StaffMember, year: int) -> YearCalendar | None:
    """One year's entries of the calendar `member` edits (calendar_scope)."""
    return await get_year_calendar(ctx, year, calendar_scope(member))


async def save_calendar_year(
    ctx: ServiceContext, member: StaffMember, year: Any, holidays: Sequence[str], working_days: Sequence[str]
) -> YearCalendar:
    """Replace one year's entries of the calendar `member` edits (checked by work_calendar)."""
    return await set_year_calendar(ctx, year, holidays, working_days, member.login, calendar_scope(member))
