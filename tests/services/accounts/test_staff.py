"""Staff accounts: argon2id off the loop, one error for any bad pair, lockout, rules, who manages whom."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Literal

import pytest
from argon2 import PasswordHasher

from services.accounts import passwords, staff, web_sessions
from services.accounts.staff import (
    BAD_CREDENTIALS,
    CENTRE_ADMIN,
    MEDIATOR,
    SYSTEM_ADMIN,
    StaffMember,
    authenticate,
    change_own_password,
    create_first_admin,
    create_staff,
    ensure_bootstrap_admin,
    list_staff,
    reset_password,
    sees_centre,
    session_member,
    set_active,
)
from services.core.errors import ServiceError
from settings import SettingsError
from tests.support.cases import Clock
from tests.support.queries import assert_database_commands

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Mediate-2026x"
CITY, PUDONG = "sh-city", "sh-pudong"
ROOT_ADMIN = StaffMember("root", "系统管理员", SYSTEM_ADMIN, CITY)


class SpyHasher(PasswordHasher):
    """argon2id with cheap parameters (tests run many), recording which thread did each hash and verify."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        self.calls: list[tuple[str, str]] = []

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.calls.append(("hash", threading.current_thread().name))
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.calls.append(("verify", threading.current_thread().name))
        return super().verify(hash, password)


@pytest.fixture(autouse=True)
def hasher(monkeypatch: pytest.MonkeyPatch) -> SpyHasher:
    spy = SpyHasher()
    monkeypatch.setattr(passwords, "HASHER", spy)
    return spy


@pytest.fixture
def ctx(app: Any) -> Any:
    return app.settings["services"].ctx


async def make(ctx: Any, login: str, role: str = MEDIATOR, centre: str = CITY, **extra: Any) -> StaffMember:
    return await create_staff(ctx, None, login, f"{login}姓名", role, centre, PASSWORD, **extra)


async def refusal(awaitable: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await awaitable
    return caught.value


async def stored(ctx: Any, login: str) -> dict[str, Any]:
    return await ctx.db["staff"].find_one({"_id": login})


@pytest.mark.gen_test(timeout=30)
async def test_passwords_are_argon2id_with_the_library_defaults(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher())  # the production parameters
    await make(ctx, "li.ming")
    doc = await stored(ctx, "li.ming")
    assert doc["password_hash"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in repr(doc)
    assert (await authenticate(ctx, "li.ming", PASSWORD)).login == "li.ming"


@pytest.mark.gen_test
async def test_hashing_and_verifying_run_off_the_event_loop(ctx: Any, hasher: SpyHasher) -> None:
    await make(ctx, "li.ming")
    await authenticate(ctx, "li.ming", PASSWORD)
    await refusal(authenticate(ctx, "nobody", PASSWORD))
    kinds = {kind for kind, _ in hasher.calls}
    assert kinds == {"hash", "verify"}
    main = threading.main_thread().name
    assert all(name != main and name.startswith("argon2") for _, name in hasher.calls), hasher.calls


@pytest.mark.gen_test
async def test_wrong_password_and_unknown_login_answer_the_same(ctx: Any, hasher: SpyHasher) -> None:
    await make(ctx, "li.ming")
    wrong = await refusal(authenticate(ctx, "li.ming", "Wrong-password-1"))
    hasher.calls.clear()
    unknown = await refusal(authenticate(ctx, "zhang.san", "Wrong-password-1"))
    malformed = await refusal(authenticate(ctx, "NO SUCH LOGIN!", "x"))
    for refused in (wrong, unknown, malformed):
        assert (refused.status, refused.code, refused.message) == (401, "bad_credentials", str(BAD_CREDENTIALS))
    # An unknown login still costs a verification, so timing does not tell logins apart.
    assert [kind for kind, _ in hasher.calls if kind == "verify"] == ["verify", "verify"]


@pytest.mark.gen_test
async def test_logins_are_case_insensitive(ctx: Any) -> None:
    await create_staff(ctx, None, " Li.Ming ", "李明", MEDIATOR, CITY, PASSWORD)
    assert (await authenticate(ctx, "LI.MING", PASSWORD)) == StaffMember("li.ming", "李明", MEDIATOR, CITY)


@pytest.mark.gen_test
async def test_five_failures_lock_for_fifteen_minutes(ctx: Any) -> None:
    clock = Clock.on(ctx)
    await make(ctx, "li.ming")
    for _ in range(5):  # the failure that locks answers like any other
        assert (await refusal(authenticate(ctx, "li.ming", "Wrong-password-1"))).status == 401
    # Locked, even the right password answers like a wrong pair: a different answer to the right
    # one would let guessing go on through the lock.
    right = await refusal(authenticate(ctx, "li.ming", PASSWORD))
    assert (right.status, right.code, right.message) == (401, "bad_credentials", str(BAD_CREDENTIALS))
    assert "锁定15分钟" in str(BAD_CREDENTIALS)  # the words say a lock may be why
    clock.advance(minutes=14, seconds=59)
    assert (await refusal(authenticate(ctx, "li.ming", PASSWORD))).status == 401
    clock.advance(seconds=2)
    assert (await authenticate(ctx, "li.ming", PASSWORD)).login == "li.ming"
    doc = await stored(ctx, "li.ming")
    assert doc["failed_attempts"] == 0 and doc["locked_until"] is None


@pytest.mark.gen_test
async def test_a_locked_out_address_answers_like_any_wrong_pair_and_spends_no_hash(ctx: Any, hasher: SpyHasher) -> None:
    Clock.on(ctx)
    await make(ctx, "li.ming")
    for _ in range(5):
        await refusal(authenticate(ctx, "li.ming", "Wrong-password-1", "10.0.0.9"))
        await refusal(authenticate(ctx, "zhang.san", "Wrong-password-1", "10.0.0.9"))  # no such login
    locked_until = (await stored(ctx, "li.ming"))["locked_until"]
    hasher.calls.clear()
    locked_wrong = await refusal(authenticate(ctx, "li.ming", "Wrong-password-2", "10.0.0.9"))
    unknown = await refusal(authenticate(ctx, "zhang.san", "Wrong-password-2", "10.0.0.9"))
    for refused in (locked_wrong, unknown):
        assert (refused.status, refused.code, refused.message) == (401, "bad_credentials", str(BAD_CREDENTIALS))
    # The same work for both (none): an unknown login is counted and refused like a real one.
    assert [kind for kind, _ in hasher.calls if kind == "verify"] == []
    assert (await stored(ctx, "li.ming"))["locked_until"] == locked_until  # refused guesses never prolong it


@pytest.mark.gen_test
async def test_an_expired_lock_starts_a_fresh_count(ctx: Any) -> None:
    clock = Clock.on(ctx)
    await make(ctx, "li.ming")
    for _ in range(5):
        await refusal(authenticate(ctx, "li.ming", "Wrong-password-1"))
    clock.advance(minutes=16)
    assert (await refusal(authenticate(ctx, "li.ming", "Wrong-password-1"))).status == 401
    assert (await stored(ctx, "li.ming"))["failed_attempts"] == 1


@pytest.mark.gen_test
async def test_success_resets_the_counter(ctx: Any) -> None:
    await make(ctx, "li.ming")
    for _ in range(3):
        await refusal(authenticate(ctx, "li.ming", "Wrong-password-1"))
    await authenticate(ctx, "li.ming", PASSWORD)
    for _ in range(4):
        assert (await refusal(authenticate(ctx, "li.ming", "Wrong-password-1"))).status == 401
    assert (await stored(ctx, "li.ming"))["failed_attempts"] == 4
    assert (await authenticate(ctx, "li.ming", PASSWORD)).login == "li.ming"  # the 5th attempt: not locked


@pytest.mark.gen_test(timeout=30)
async def test_a_burst_from_one_address_is_refused_from_its_sixth_guess(ctx: Any) -> None:
    """30 guesses at once, the right password last: each is counted before its slow check."""
    await make(ctx, "li.ming")
    guesses = [f"Wrong-password-{i}" for i in range(29)] + [PASSWORD]
    results = await asyncio.gather(
        *(authenticate(ctx, "li.ming", g, "10.0.0.9") for g in guesses), return_exceptions=True
    )
    assert all(isinstance(r, ServiceError) and r.status == 401 for r in results), results[-1]
    assert (await stored(ctx, "li.ming"))["locked_until"] is not None
    assert (await refusal(authenticate(ctx, "li.ming", PASSWORD, "10.0.0.9"))).status == 401


@pytest.mark.gen_test(timeout=30)
async def test_a_burst_from_many_addresses_gets_five_guesses_and_one_more_per_half_minute(ctx: Any) -> None:
    clock = Clock.on(ctx)
    await make(ctx, "li.ming")
    guesses = [authenticate(ctx, "li.ming", f"Wrong-password-{i}", f"10.0.1.{i}") for i in range(29)]
    results = await asyncio.gather(
        *guesses, authenticate(ctx, "li.ming", PASSWORD, "10.0.1.99"), return_exceptions=True
    )
    assert all(isinstance(r, ServiceError) and r.status == 401 for r in results), results[-1]
    # Locked: the right password from a clean address passes once the half-minute lane is free again.
    assert (await refusal(authenticate(ctx, "li.ming", PASSWORD, "10.0.2.1"))).status == 401
    clock.advance(seconds=31)
    assert (await authenticate(ctx, "li.ming", PASSWORD, "10.0.2.1")).login == "li.ming"


@pytest.mark.gen_test
async def test_a_strangers_guesses_do_not_lock_the_owner_out(ctx: Any) -> None:
    """Five wrong guesses from one address lock the account; the owner elsewhere still signs in."""
    clock = Clock.on(ctx)
    await make(ctx, "li.ming")
    for _ in range(5):
        await refusal(authenticate(ctx, "li.ming", "Wrong-password-1", "203.0.113.7"))
    assert (await stored(ctx, "li.ming"))["locked_until"] is not None
    member = await authenticate(ctx, "li.ming", PASSWORD, "198.51.100.20")  # the office: never failed here
    assert member.login == "li.ming"
    doc = await stored(ctx, "li.ming")
    assert doc["failed_attempts"] == 0 and doc["locked_until"] is None
    # The stranger's address stays out for its window, whatever it types; after it, a fresh count.
    assert (await refusal(authenticate(ctx, "li.ming", PASSWORD, "203.0.113.7"))).status == 401
    clock.advance(minutes=15, seconds=1)
    assert (await authenticate(ctx, "li.ming", PASSWORD, "203.0.113.7")).login == "li.ming"


@pytest.mark.gen_test
async def test_an_address_that_failed_does_not_pass_the_lock_but_an_administrator_lifts_it(ctx: Any) -> None:
    await make(ctx, "li.ming")
    for _ in range(5):
        await refusal(authenticate(ctx, "li.ming", "Wrong-password-1", "10.0.0.1"))
    locked = [a for a in await list_staff(ctx, ROOT_ADMIN) if a["login"] == "li.ming"][0]
    assert locked["locked"]
    assert (await refusal(authenticate(ctx, "li.ming", PASSWORD, "10.0.0.1"))).status == 401
    admin = await make(ctx, "chen.admin", CENTRE_ADMIN)
    await staff.unlock(ctx, admin, "li.ming")
    assert not [a for a in await list_staff(ctx, ROOT_ADMIN) if a["login"] == "li.ming"][0]["locked"]
    assert (await authenticate(ctx, "li.ming", PASSWORD, "10.0.0.1")).login == "li.ming"
    other = await make(ctx, "pd.admin", CENTRE_ADMIN, PUDONG)
    assert (await refusal(staff.unlock(ctx, other, "li.ming"))).status == 404  # another centre's: not found


@pytest.mark.gen_test
async def test_inactive_accounts_are_refused(ctx: Any, db_commands: Any) -> None:
    await make(ctx, "li.ming")
    session = await web_sessions.issue(ctx, web_sessions.STAFF, "li.ming")
    with assert_database_commands(db_commands, 1):  # the session's stamp comes with the member: no read of its own
        assert await session_member(ctx, session) == StaffMember("li.ming", "li.ming姓名", MEDIATOR, CITY)
    await set_active(ctx, ROOT_ADMIN, "li.ming", False)
    inactive = await refusal(authenticate(ctx, "li.ming", PASSWORD))
    assert (inactive.status, inactive.code) == (403, "account_inactive")
    # A wrong password says nothing about the account's state.
    assert (await refusal(authenticate(ctx, "li.ming", "Wrong-password-1"))).status == 401
    assert await session_member(ctx, session) is None
    await set_active(ctx, ROOT_ADMIN, "li.ming", True)
    assert await session_member(ctx, session) is None  # re-enabling revives no session
    assert (await authenticate(ctx, "li.ming", PASSWORD)).login == "li.ming"
    revived = await session_member(ctx, await web_sessions.issue(ctx, web_sessions.STAFF, "li.ming"))
    assert revived is not None and revived.login == "li.ming"


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Ab1!xyzuv", ["password_too_short"]),
        ("abcdefgh12345", ["password_too_simple"]),
        ("ABCDEFGHIJKL", ["password_too_simple"]),
        ("Li.Ming-2026x", ["password_contains_login"]),
        ("short", ["password_too_short", "password_too_simple"]),
        ("Abcdefgh12345", []),  # lower, upper, digit
        ("abcdefgh-12345", []),  # lower, digit, symbol
        ("调解员调解员调解员ab1", []),  # Chinese characters count as symbols
        ("调解员调解员调解员abc", ["password_too_simple"]),
    ],
)
def test_password_rules(password: str, codes: list[str]) -> None:
    problems = staff.password_problems(password, "li.ming")
    assert [p.code for p in problems] == codes
    assert all(p.field == "password" for p in problems)


@pytest.mark.gen_test
async def test_create_reports_every_field_problem(ctx: Any) -> None:
    refused = await refusal(create_staff(ctx, ROOT_ADMIN, "x!", "", "boss", "nowhere", "weak", phone="12ab"))
    assert refused.status == 422
    fields = {(e.field, e.code) for e in refused.errors}
    assert fields == {
        ("login", "invalid_login"),
        ("name", "invalid_name"),
        ("role", "invalid_role"),
        ("centre_id", "unknown_centre"),
        ("phone", "invalid_phone"),
        ("password", "password_too_short"),
        ("password", "password_too_simple"),
    }
    messages = [e.message for e in refused.errors]
    assert "密码至少需要10个字符" in messages and "未知的调解中心：nowhere" in messages


@pytest.mark.gen_test
async def test_duplicate_login_is_a_409(ctx: Any) -> None:
    await make(ctx, "li.ming")
    refused = await refusal(create_staff(ctx, ROOT_ADMIN, "LI.MING", "另一个李明", MEDIATOR, CITY, PASSWORD))
    assert (refused.status, refused.code, refused.field) == (409, "login_taken", "login")


ACTORS = {
    "system_admin": StaffMember("root", "系统管理员", SYSTEM_ADMIN, CITY),
    "centre_admin": StaffMember("boss", "中心管理员", CENTRE_ADMIN, CITY),
    "mediator": StaffMember("med", "调解员", MEDIATOR, CITY),
}
ALLOWED = {
    ("system_admin", MEDIATOR, CITY),
    ("system_admin", MEDIATOR, PUDONG),
    ("system_admin", CENTRE_ADMIN, CITY),
    ("system_admin", CENTRE_ADMIN, PUDONG),
    ("system_admin", SYSTEM_ADMIN, CITY),
    ("system_admin", SYSTEM_ADMIN, PUDONG),
    ("centre_admin", MEDIATOR, CITY),
    # The city's administrator staffs the centres below it (Pudong): mediators and their administrators.
    ("centre_admin", MEDIATOR, PUDONG),
    ("centre_admin", CENTRE_ADMIN, PUDONG),
}
MATRIX = [(a, r, c) for a in ACTORS for r in (MEDIATOR, CENTRE_ADMIN, SYSTEM_ADMIN) for c in (CITY, PUDONG)]


@pytest.mark.parametrize(("actor", "role", "centre"), MATRIX)
@pytest.mark.gen_test
async def test_who_may_create_whom(ctx: Any, actor: str, role: str, centre: str) -> None:
    create = create_staff(ctx, ACTORS[actor], "new.one", "新同事", role, centre, PASSWORD)
    if (actor, role, centre) in ALLOWED:
        assert (await create).role == role
        assert (await stored(ctx, "new.one"))["created_by"] == ACTORS[actor].login
    else:
        assert (await refusal(create)).status == 403
        assert await stored(ctx, "new.one") is None


@pytest.mark.parametrize(("actor", "role", "centre"), MATRIX)
@pytest.mark.gen_test
async def test_who_may_reset_and_deactivate_whom(ctx: Any, actor: str, role: str, centre: str) -> None:
    clock = Clock.on(ctx)
    await make(ctx, "target", role, centre)
    for _ in range(5):  # locked: a reset also lifts the lock
        await refusal(authenticate(ctx, "target", "Wrong-password-1"))
    new_password = "Another-2026y"
    reset = reset_password(ctx, ACTORS[actor], "target", new_password)
    deactivate = set_active(ctx, ACTORS[actor], "target", False)
    if (actor, role, centre) in ALLOWED:
        await reset
        assert (await authenticate(ctx, "target", new_password)).login == "target"
        assert (await refusal(authenticate(ctx, "target", PASSWORD))).status == 401
        await deactivate
        assert (await stored(ctx, "target"))["active"] is False
    else:
        # A centre administrator manages their centre's mediators and the staff of the centres below: the
        # rest (system administrators anywhere, administrators of their own centre) is forbidden.
        expected = 403
        assert (await refusal(reset)).status == expected
        assert (await refusal(deactivate)).status == expected
        clock.advance(minutes=16)
        assert (await authenticate(ctx, "target", PASSWORD)).login == "target"  # unchanged


@pytest.mark.gen_test
async def test_nobody_resets_or_deactivates_themselves_here(ctx: Any) -> None:
    await make(ctx, "root", SYSTEM_ADMIN)
    assert (await refusal(set_active(ctx, ROOT_ADMIN, "root", False))).status == 409
    assert (await refusal(reset_password(ctx, ROOT_ADMIN, "root", "Another-2026y"))).status == 403
    assert (await refusal(reset_password(ctx, ROOT_ADMIN, "ghost", "Another-2026y"))).status == 404


@pytest.mark.gen_test
async def test_list_staff_by_role_with_phones_sealed(ctx: Any) -> None:
    await make(ctx, "li.ming", phone="138 0013 8000")
    await make(ctx, "boss", CENTRE_ADMIN)
    await make(ctx, "pd.med", MEDIATOR, PUDONG)
    everyone = await list_staff(ctx, ACTORS["system_admin"])
    assert [s["login"] for s in everyone] == ["boss", "li.ming", "pd.med"]
    own = await list_staff(ctx, ACTORS["centre_admin"])  # the city's: its own and Pudong's, below it
    assert {s["login"] for s in own} == {"boss", "li.ming", "pd.med"}
    pudong = await list_staff(ctx, StaffMember("pd.admin", "浦东管理员", CENTRE_ADMIN, PUDONG))
    assert {s["login"] for s in pudong} == {"pd.med"}
    li = next(s for s in own if s["login"] == "li.ming")
    assert li["phone"] == "138****8000" and li["centre_name"] == "上海市劳动人事争议调解中心"
    assert li["role_label"] == "调解员" and li["active"] and not li["locked"]
    assert "password_hash" not in li
    assert (await refusal(list_staff(ctx, ACTORS["mediator"]))).status == 403

    sealed = (await stored(ctx, "li.ming"))["phone"]
    assert "13800138000" not in repr(sealed)
    assert ctx.cipher.decrypt(sealed, staff.PHONE_FIELD) == "+8613800138000"  # parsed and kept in E.164


@pytest.mark.gen_test
async def test_change_own_password(ctx: Any) -> None:
    await make(ctx, "li.ming")
    wrong = await refusal(change_own_password(ctx, "li.ming", "Wrong-password-1", "Another-2026y"))
    assert (wrong.status, wrong.field) == (422, "old_password")
    assert (await stored(ctx, "li.ming"))["failed_attempts"] == 1  # counts like a sign-in
    weak = await refusal(change_own_password(ctx, "li.ming", PASSWORD, "weak"))
    assert weak.status == 422 and {e.field for e in weak.errors} == {"new_password"}
    same = await refusal(change_own_password(ctx, "li.ming", PASSWORD, PASSWORD))
    assert same.code == "password_unchanged"
    elsewhere = await web_sessions.issue(ctx, web_sessions.STAFF, "li.ming")
    here = await change_own_password(ctx, "li.ming", PASSWORD, "Another-2026y")
    # Other sessions end; the browser that changed it gets a new session and stays signed in.
    assert await session_member(ctx, elsewhere) is None
    kept = await session_member(ctx, here)
    assert kept is not None and kept.login == "li.ming"
    assert (await authenticate(ctx, "li.ming", "Another-2026y")).login == "li.ming"
    assert (await refusal(authenticate(ctx, "li.ming", PASSWORD))).status == 401


@pytest.mark.gen_test
async def test_who_sees_which_centre_follows_the_tree(ctx: Any) -> None:
    # config.yaml seeds Pudong (a district) below the city centre.
    assert await sees_centre(ctx, ACTORS["mediator"], CITY) and not await sees_centre(ctx, ACTORS["mediator"], PUDONG)
    assert await sees_centre(ctx, ACTORS["centre_admin"], PUDONG)  # a city administrator: its districts too
    pudong_admin = StaffMember("pd.admin", "浦东管理员", CENTRE_ADMIN, PUDONG)
    assert await sees_centre(ctx, pudong_admin, PUDONG) and not await sees_centre(ctx, pudong_admin, CITY)
    assert await sees_centre(ctx, ACTORS["system_admin"], PUDONG)


@pytest.mark.gen_test
async def test_bootstrap_admin_is_created_once(ctx: Any) -> None:
    created = await ensure_bootstrap_admin(ctx, "Admin:Bootstrap-2026x")
    assert created == StaffMember("admin", "系统管理员", SYSTEM_ADMIN, ctx.settings.default_centre)
    first_hash = (await stored(ctx, "admin"))["password_hash"]
    # A restart with the variable still set changes nothing, even with another password.
    assert await ensure_bootstrap_admin(ctx, "admin:Changed-2026zz") is None
    assert await ensure_bootstrap_admin(ctx, "other:Changed-2026zz") is None
    assert (await stored(ctx, "admin"))["password_hash"] == first_hash
    assert await stored(ctx, "other") is None
    assert (await authenticate(ctx, "admin", "Bootstrap-2026x")).role == SYSTEM_ADMIN
    refused = await refusal(create_first_admin(ctx, "second", "第二个", CITY, PASSWORD))
    assert (refused.status, refused.code) == (409, "admin_exists")


@pytest.mark.parametrize(
    ("spec", "problem"),
    [("admin", "login:password"), (":Bootstrap-2026x", "login:password"), ("admin:weak", "密码至少需要10个字符")],
)
@pytest.mark.gen_test
async def test_bootstrap_admin_refuses_bad_specs(ctx: Any, spec: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        await ensure_bootstrap_admin(ctx, spec)
    assert await ctx.db["staff"].count_documents({}) == 0


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "ADMIN_PASSWORD")} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )


def test_manage_argument_errors() -> None:
    assert manage().returncode == 2
    missing = manage("create-admin", "--login", "admin")
    assert missing.returncode == 2 and "--name" in missing.stderr


def test_manage_refuses_the_memory_engine_and_uses_the_durable_one(tmp_path: Path) -> None:
    result = manage("create-admin", "--login", "admin", "--name", "管理员", MONGODB_URI="mongomock://")
    assert result.returncode == 2
    assert "memory-only engine" in result.stderr and "BOOTSTRAP_ADMIN" in result.stderr
    durable = {"MONGODB_URI": f"embedded:{tmp_path / 'db'}", "ADMIN_PASSWORD": "Secret-pass-2026"}
    made = manage("create-admin", "--login", "admin", "--name", "管理员", **durable)
    assert made.returncode == 0, made.stderr
    again = manage("create-admin", "--login", "admin2", "--name", "管理员", **durable)
    assert again.returncode == 1 and "refused" in again.stderr  # the first one was kept in the folder


def test_manage_recount_reads_the_durable_engine_and_refuses_the_memory_one(tmp_path: Path) -> None:
    memory = manage("recount", MONGODB_URI="mongomock://")
    assert memory.returncode == 2 and "memory-only engine" in memory.stderr and "recount" in memory.stderr
    durable = {"MONGODB_URI": f"embedded:{tmp_path / 'db'}", "ADMIN_PASSWORD": "Secret-pass-2026"}
    assert manage("create-admin", "--login", "admin", "--name", "管理员", **durable).returncode == 0
    counted = manage("recount", **durable)  # the folder as the server left it (stopped): no case, nothing differs
    assert counted.returncode == 0, counted.stderr
    assert "recounted 0 cases" in counted.stdout and "0 differ" in counted.stdout


def test_manage_checks_the_password_before_connecting() -> None:
    # Port 9 (discard) on localhost: nothing listens. Centres are data now: an unknown centre is refused by
    # create_staff once connected (tests above), like any other account field.
    nowhere = "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300"
    weak = manage("create-admin", "--login", "admin", "--name", "管理员", MONGODB_URI=nowhere, ADMIN_PASSWORD="weak")
    assert weak.returncode == 2 and "密码至少需要10个字符" in weak.stderr
    down = manage(
        "create-admin", "--login", "admin", "--name", "管理员", MONGODB_URI=nowhere, ADMIN_PASSWORD="Secret-pass-2026"
    )
    assert down.returncode == 1 and "did not answer" in down.stderr
