"""Password accounts of the web portal: registration confirmed by SMS, sign-in with lockout, reset by SMS."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from i18n import msg
from services.accounts import lockout, web_sessions
from services.accounts import sms_codes as sms
from services.accounts.lockout import LOCK_PERIOD, MAX_FAILURES, Verdict, verify_sign_in
from services.accounts.passwords import hash_password, needs_rehash
from services.accounts.persons import identity_key, link_identity, new_person
from services.accounts.staff import password_problems
from services.core.context import SHANGHAI, ServiceContext
from services.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    ServiceError,
    Unauthorized,
    ValidationFailed,
    field_error,
)
from services.core.idnumbers import ID_TYPES, NumberInvalid, check_id_number, normalise_mobile, normalise_number
from services.core.personal_data import SEALED_FIELDS, mask_document_number, mask_field, mask_phone
from services.core.text import one_line

PROVIDER = "portal"  # identity `portal::<account id>`
MAX_NAME_LENGTH = 50
ID_FIELD, MOBILE_FIELD = "portal.id_number", "portal.mobile"  # authenticated data of the sealed values


# The same words for every wrong pair, whatever the account's state; the lock is named only to the right password.
# The same words for every refusal, a temporarily locked account included (see lockout.verify_sign_in).
BAD_CREDENTIALS = msg("error.bad_credentials.portal", failures=MAX_FAILURES, minutes=LOCK_PERIOD.seconds // 60)


def id_number_hash(ctx: ServiceContext, number: str) -> str:
    """The keyed hash of a normalised ID number: a portal account's `_id` and a verified person's lookup."""
    return ctx.cipher.lookup_hash(number, "id_number")


def mobile_hash(ctx: ServiceContext, mobile: str) -> str:
    return ctx.cipher.lookup_hash(mobile, "mobile")


def checked_mobile(text: str, field: str = "mobile") -> str:
    try:
        return normalise_mobile(text)
    except NumberInvalid as exc:
        raise ValidationFailed([FieldError(field, "invalid_mobile", exc.text)]) from exc


def _new_password_problems(password: str, confirm: str, field: str = "password") -> list[FieldError]:
    problems = password_problems(password, "", field)
    if password != confirm:
        problems.append(field_error(field + "_confirm", "password_mismatch"))
    return problems


async def _find_by_mobile(ctx: ServiceContext, mobile: str) -> dict[str, Any] | None:
    return await ctx.db["portal_accounts"].find_one({"mobile_hash": mobile_hash(ctx, mobile)})


async def send_code(ctx: ServiceContext, provider: sms.SmsProvider, mobile_text: str, purpose: str) -> int:
    """Send a registration or reset code; the answer never tells whether the mobile has an account.

    Where the purpose does not fit (registering a registered mobile, resetting one without an
    account) the phone gets a notice saying so instead of a code, under the same limits: its owner,
    who is nearly always the one asking, learns at once what to do, and anyone else learns nothing.
    """
    if purpose not in sms.PURPOSES:
        raise ServiceError(400, "sms_purpose_unknown")
    mobile = checked_mobile(mobile_text)
    account = await _find_by_mobile(ctx, mobile)
    notice = None
    if purpose == "register" and account is not None:
        notice = "already_registered"
    if purpose == "reset" and account is None:
        notice = "no_account"
    return await sms.send_code(ctx, provider, mobile, purpose, notice)


async def register(ctx: ServiceContext, form: dict[str, str], session_person: str | None) -> str:
    """Create an account from the registration form; returns the person to sign in.

    Nothing is written unless every check passes, except that a right SMS code is used up before
    an existing account is named (so each probe of an ID number costs a code sent to the prober's
    own phone). `session_person` is the person already signed in in this browser (e.g. through
    WeChat): the new account joins them (proof: one browser, one session), unless they already
    have an account or a different ID number.
    """
    name = one_line(form.get("name", "")).strip()
    problems: list[FieldError] = []
    if not name or len(name) > MAX_NAME_LENGTH:
        problems.append(field_error("name", "invalid_name", "error.invalid_name.portal", length=MAX_NAME_LENGTH))
    id_type, number, today = form.get("id_type", ""), "", ctx.clock().astimezone(SHANGHAI).date()
    try:
        number = check_id_number(id_type, form.get("id_number", ""), today=today).value
    except NumberInvalid as exc:
        problems.append(FieldError("id_type" if id_type not in ID_TYPES else "id_number", "invalid_id", exc.text))
    mobile = ""
    try:
        mobile = normalise_mobile(form.get("mobile", ""))
    except NumberInvalid as exc:
        problems.append(FieldError("mobile", "invalid_mobile", exc.text))
    problems += _new_password_problems(form.get("password", ""), form.get("password_confirm", ""))
    if not form.get("sms_code", "").strip():
        problems.append(field_error("sms_code", "sms_code_required"))
    if problems:
        raise ValidationFailed(problems)
    # The code first: only the owner of the mobile may learn whether an account exists (each code, once).
    await sms.consume_code(ctx, mobile, "register", form["sms_code"])
    account_id = id_number_hash(ctx, number)
    accounts = ctx.db["portal_accounts"]
    if await accounts.find_one({"_id": account_id}, {"_id": 1}):
        raise Conflict("id_number_taken", field="id_number")
    if await _find_by_mobile(ctx, mobile):
        raise Conflict("mobile_taken", field="mobile")
    password_hash = await hash_password(form["password"])
    person_id = await _person_for_new_account(ctx, session_person, account_id)
    now = ctx.clock()
    try:
        await accounts.insert_one(
            {
                "_id": account_id,
                "name": name,
                "id_type": id_type,
                "id_number": ctx.cipher.encrypt(number, ID_FIELD) | {"masked": mask_document_number(number)},
                "mobile": ctx.cipher.encrypt(mobile, MOBILE_FIELD) | {"masked": mask_phone(mobile)},
                "mobile_hash": mobile_hash(ctx, mobile),
                "password_hash": password_hash,
                "failed_attempts": 0,
                "locked_until": None,
                "person_id": person_id,
                "created_at": now,
                "password_changed_at": now,
            }
        )
    except DuplicateKeyError as exc:  # a concurrent registration with the same ID number or mobile won
        raise Conflict("account_taken", field="id_number") from exc
    await link_identity(ctx, PROVIDER, "", account_id, person_id)
    return person_id


async def _person_for_new_account(ctx: ServiceContext, session_person: str | None, account_id: str) -> str:
    if session_person:
        person = await ctx.db["persons"].find_one({"_id": session_person}) or {}
        has_account = await ctx.db["identities"].find_one({"person_id": session_person, "provider": PROVIDER})
        known = person.get("verified_id_hash") or person.get("claimed_id_hash")
        if person and not has_account and known in (None, account_id):
            await ctx.db["persons"].update_one({"_id": session_person}, {"$set": {"claimed_id_hash": account_id}})
            return session_person
    # A typed ID number is a claim, not proof: it never links to a person found by that number.
    return await new_person(ctx, claimed_id_hash=account_id)


async def _find_for_login(ctx: ServiceContext, login: str) -> dict[str, Any] | None:
    accounts = ctx.db["portal_accounts"]
    try:
        return await _find_by_mobile(ctx, normalise_mobile(login))
    except NumberInvalid:
        pass
    number = normalise_number(login)
    return await accounts.find_one({"_id": id_number_hash(ctx, number)}) if 5 <= len(number) <= 20 else None


async def authenticate(ctx: ServiceContext, login: str, password: str, address: str = "") -> tuple[str, str]:
    """The person of the account named by mobile or ID number, and the person's session stamp read
    before the password check (web_sessions.current_stamp); 401 for any wrong pair and any refused
    attempt from client `address` (lockout.verify_sign_in)."""
    if not login.strip() or not password:
        given = {"login": login.strip(), "password": password}
        raise ValidationFailed([field_error(n, "required", f"error.required.{n}") for n, v in given.items() if not v])
    doc = await _find_for_login(ctx, login)
    stamp = await web_sessions.current_stamp(ctx, web_sessions.PERSON, doc["person_id"]) if doc else ""
    now = ctx.real_clock()  # lockouts run on real time
    login_key = ctx.cipher.lookup_hash(login.strip()[:64], "portal_login")  # an unknown login's count
    verdict = await verify_sign_in(ctx.db, PROVIDER, "portal_accounts", doc, login_key, address, password, now)
    if verdict is Verdict.WRONG or doc is None:
        raise Unauthorized("bad_credentials", BAD_CREDENTIALS)
    update: dict[str, Any] = {**lockout.CLEARED, "last_login_at": now}
    if needs_rehash(doc["password_hash"]):
        update["password_hash"] = await hash_password(password)
    await ctx.db["portal_accounts"].update_one({"_id": doc["_id"]}, {"$set": update})
    return doc["person_id"], stamp


async def reset_password(ctx: ServiceContext, form: dict[str, str]) -> str:
    """Set a new password after the SMS code sent to the account's mobile; lifts a lock and ends the
    person's open web sessions (whoever knew the old password is out). Returns the person."""
    mobile = checked_mobile(form.get("mobile", ""))
    problems = _new_password_problems(form.get("password", ""), form.get("password_confirm", ""))
    if not form.get("sms_code", "").strip():
        problems.append(field_error("sms_code", "sms_code_required"))
    if problems:
        raise ValidationFailed(problems)
    # The code first: a mobile without an account got a notice, not a code, so it answers "wrong code" too.
    await sms.consume_code(ctx, mobile, "reset", form["sms_code"])
    doc = await _find_by_mobile(ctx, mobile)
    if doc is None:
        raise NotFound("account_not_found")
    password_hash = await hash_password(form["password"])
    await ctx.db["portal_accounts"].update_one(
        {"_id": doc["_id"]},
        {"$set": {"password_hash": password_hash, "password_changed_at": ctx.clock()}},
    )
    await lockout.lift(ctx.db, PROVIDER, "portal_accounts", doc["_id"])  # the SMS code proved the owner
    # After the new password is in place, so no session opened with the old one outlives it.
    await web_sessions.end_all(ctx, web_sessions.PERSON, doc["person_id"])
    return doc["person_id"]


async def account_of(ctx: ServiceContext, person_id: str) -> dict[str, Any] | None:
    """The portal account linked to a person, if any."""
    link = await ctx.db["identities"].find_one({"person_id": person_id, "provider": PROVIDER}, {"_id": 1})
    if link is None:
        return None
    return await ctx.db["portal_accounts"].find_one({"_id": link["_id"].split(":", 2)[2]})


async def own_applicant_values(ctx: ServiceContext, person_id: str, kind: str) -> dict[str, str]:
    """The signed-in person's own identity as applicant-step values, numbers in clear (never sent out as
    such): the card-verified identity first, else the portal account. Empty when nothing is known."""
    person = await ctx.db["persons"].find_one({"_id": person_id}) or {}
    account = await account_of(ctx, person_id)
    name, id_type, number, mobile = "", "", "", ""
    if person.get("verified"):
        name, id_type = person.get("verified_name", ""), person.get("verified_id_type", "resident_id")
        number = ctx.cipher.decrypt(person["verified_id"], "person.verified_id") if person.get("verified_id") else ""
    if account is not None:
        if not name:
            name, id_type = account["name"], account["id_type"]
            number = ctx.cipher.decrypt(account["id_number"], ID_FIELD)
        mobile = ctx.cipher.decrypt(account["mobile"], MOBILE_FIELD)
    if not name:
        return {}
    values = {"name": name, "id_type": id_type, "id_number": number, "phone": mobile}
    if kind == "employer":  # the signed-in person applies as the company's contact
        values = {
            "contact_name": name,
            "contact_id_type": id_type,
            "contact_id_number": number,
            "contact_phone": mobile,
        }
    return {k: v for k, v in values.items() if v}


async def applicant_prefill(ctx: ServiceContext, person_id: str, kind: str) -> dict[str, str]:
    """Form values of the applicant step from the signed-in person, numbers masked like every other
    response; a mask sent back unchanged stands for the number (drafts.save_draft)."""
    values = await own_applicant_values(ctx, person_id, kind)
    return {k: mask_field(k, v) if k in SEALED_FIELDS else v for k, v in values.items()}


def account_key(account_id: str) -> str:
    return identity_key(PROVIDER, "", account_id)
