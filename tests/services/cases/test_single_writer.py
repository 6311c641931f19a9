"""One module writes cases, by construction: the service database holds `cases` read-only (store/guard.py).

- Who asks for a writable handle (`writable_cases`, or the engine under the guard, `engine_of`) is read from the
  code (ast) of the whole repository, tests included, and must be exactly the list below.
- Every disguise a write to cases could take through the service database fails at once, on both engines: the
  collection by name, by a constant, by `get_collection`, as an attribute, through a helper that takes the
  collection's name, through a handle kept or reached from another collection, an aggregation that writes
  (`$out`, `$merge`), a command, a rename, a drop.
- The writer's hooks (the statistics, the court's news) are in every context app.service_context builds, and a
  context without them refuses to write.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient, UpdateOne

from app import CASE_HOOKS, service_context
from services.accounts import lockout
from services.cases import moves, workflow
from services.court import events
from services.intake.submission import submit_application
from services.stats import counters
from store.guard import CASES, ReadOnlyCases, WriteRefused, guard
from tests.support.samples import worker_body

ROOT = Path(__file__).resolve().parents[3]
ASKING = ("writable_cases", "engine_of")  # the functions that hand out a writable handle on cases
PRIVATE = ("_engine", "_writable")  # what they read: nobody else reaches under the guard by these names
# Exactly who asks, and for what: the case writer, the store's upkeep (indexes; GridFS wants PyMongo's own
# database), the tests' own helpers. A new caller is a decision: add it here with its reason, or write the
# change as a function of services/cases/moves.py.
WHO_ASKS = {
    "services/cases/moves.py": {"writable_cases"},
    "store/indexes.py": {"writable_cases"},
    "store/blobs.py": {"engine_of"},
    "tests/support/store.py": {"writable_cases", "engine_of"},
}
WRITE_METHODS = (
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
    "bulk_write",
    "drop",
    "rename",
    "create_index",
    "create_indexes",
    "drop_index",
    "drop_indexes",
)


def _sources() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "var", "node_modules", "miniprogram") or relative.parts[0].startswith("."):
            continue
        found[relative.as_posix()] = path
    return found


def asks_for_writable(source: str) -> set[str]:
    """The asking functions (and private names under the guard) a module names: imported, called or passed on."""
    named = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            named |= {alias.name for alias in node.names if alias.name in ASKING}
        elif isinstance(node, ast.Name) and node.id in ASKING:
            named.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in ASKING + PRIVATE:
            named.add(node.attr)
    return named


def test_exactly_the_listed_modules_ask_for_a_writable_handle_on_cases():
    asking = {}
    for name, path in _sources().items():
        if name == "store/guard.py" or name == "tests/services/cases/test_single_writer.py":
            continue  # where they are defined, and this list
        named = asks_for_writable(path.read_text(encoding="utf-8"))
        if named:
            asking[name] = named
    assert asking == WHO_ASKS


def test_the_scan_sees_every_way_of_naming_the_handle():
    source = """
from store.guard import writable_cases
from store import guard as g
import store.guard
async def f(ctx):
    await writable_cases(ctx.db).update_one({}, {})
    handle = g.engine_of(ctx.db)
    keep = store.guard.writable_cases
    raw = ctx.db._engine
"""
    assert asks_for_writable(source) == {"writable_cases", "engine_of", "_engine"}
    assert asks_for_writable("async def f(ctx):\n    await ctx.db['cases'].find_one({})\n") == set()


# ---------------------------------------------------------------------------------------------------------------
# The disguises, on the embedded engine (the `ctx` fixture) and, where no server is needed, on PyMongo's own.


async def _a_case(ctx: Any) -> str:
    case, _ = await submit_application(
        ctx, "person-writer", "key-single-writer-1", worker_body() | {"evidence": []}, "mp"
    )
    return case["serial"]


async def _unchanged(ctx: Any, serial: str, before: dict[str, Any]) -> None:
    assert await ctx.db["cases"].find_one({"_id": serial}) == before


@pytest.mark.gen_test
@pytest.mark.parametrize("method", WRITE_METHODS)
async def test_the_read_only_handle_has_no_write_method(ctx, method):
    for handle in (ctx.db["cases"], ctx.db[CASES], ctx.db[moves_cases()], ctx.db.get_collection("cases")):
        assert isinstance(handle, ReadOnlyCases)
        with pytest.raises(AttributeError, match="read-only.*services/cases/moves.py"):
            getattr(handle, method)


def moves_cases() -> str:
    """The collection's name as another module would spell it: built, not written as one literal."""
    return "".join(["ca", "ses"])


UPDATE = {"$set": {"status": workflow.SETTLED}}
KEPT: dict[str, Any] = {}  # a handle another module kept (at import, say), by database
# Each way a write to cases could be disguised, and how it fails: at once, before the engine is asked anything.
DISGUISES: dict[str, tuple[Callable[[Any, str], Any], type[Exception]]] = {
    "by name": (lambda db, s: db["cases"].update_one({"_id": s}, UPDATE), AttributeError),
    "by a constant": (lambda db, s: db[CASES].delete_one({"_id": s}), AttributeError),
    "by get_collection": (
        lambda db, s: db.get_collection("cases").find_one_and_update({"_id": s}, UPDATE),
        AttributeError,
    ),
    "as an attribute": (lambda db, s: db.cases.update_one({"_id": s}, UPDATE), AttributeError),
    "in a bulk": (lambda db, s: db["cases"].bulk_write([UpdateOne({"_id": s}, UPDATE)]), AttributeError),
    "through a helper taking the name": (lambda db, s: lockout.lift(db, "staff", "cases", s), AttributeError),
    "through a kept handle": (lambda db, s: KEPT[db.name].replace_one({"_id": s}, {"_id": s}), AttributeError),
    "back from the handle": (
        lambda db, s: db["cases"].database["cases"].update_one({"_id": s}, UPDATE),
        AttributeError,
    ),
    "back from another collection": (
        lambda db, s: db["stats"].database["cases"].update_one({"_id": s}, UPDATE),
        AttributeError,
    ),
    "up to the client": (lambda db, s: db.client["mediation"]["cases"].drop(), AttributeError),
    "dropped": (lambda db, s: db["cases"].drop(), AttributeError),
    "an aggregation over cases that writes": (
        lambda db, s: db["cases"].aggregate([{"$match": {}}, {"$merge": {"into": "elsewhere"}}]),
        WriteRefused,
    ),
    "$merge into cases from another collection": (
        lambda db, s: db["stats"].aggregate([{"$project": {"status": "settled"}}, {"$merge": {"into": "cases"}}]),
        WriteRefused,
    ),
    "$out into cases": (
        lambda db, s: db["stats"].aggregate([{"$out": {"db": db.name, "coll": "cases"}}]),
        WriteRefused,
    ),
    "$merge from the database's own pipeline": (
        lambda db, s: db.aggregate([{"$documents": [{"_id": s}]}, {"$merge": "cases"}]),
        WriteRefused,
    ),
    "a rename over cases": (lambda db, s: db["stats"].rename("cases", dropTarget=True), WriteRefused),
    "an update command": (
        lambda db, s: db.command({"update": "cases", "updates": [{"q": {"_id": s}, "u": UPDATE}]}),
        WriteRefused,
    ),
    "a drop command": (lambda db, s: db.command("drop", "cases"), WriteRefused),
    "a rename command": (
        lambda db, s: db.command({"renameCollection": "x.stats", "to": f"{db.name}.cases", "dropTarget": True}),
        WriteRefused,
    ),
    "an aggregate command with $out": (
        lambda db, s: db.command({"aggregate": "stats", "pipeline": [{"$out": "cases"}], "cursor": {}}),
        WriteRefused,
    ),
    "drop_collection": (lambda db, s: db.drop_collection("cases"), WriteRefused),
    "create_collection": (lambda db, s: db.create_collection("cases"), WriteRefused),
}


async def _attempt(db: Any, serial: str, name: str) -> None:
    disguise, refusal = DISGUISES[name]
    KEPT[db.name] = db["cases"]
    with pytest.raises(refusal):
        result = disguise(db, serial)
        if inspect.isawaitable(result):
            await result


@pytest.mark.gen_test
@pytest.mark.parametrize("name", DISGUISES)
async def test_a_disguised_write_fails_and_changes_nothing(ctx, name):
    serial = await _a_case(ctx)
    before = await ctx.db["cases"].find_one({"_id": serial})
    await _attempt(ctx.db, serial, name)
    await _unchanged(ctx, serial, before)


@pytest.mark.gen_test
@pytest.mark.parametrize("name", DISGUISES)
async def test_on_pymongos_own_database_a_disguised_write_fails_before_any_command(name):
    """No MongoDB answers here (port 9, a one-millisecond server selection): a refusal that came after the driver
    was asked would be a timeout instead."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        "mongodb://127.0.0.1:9/", connect=False, serverSelectionTimeoutMS=1
    )
    try:
        await _attempt(guard(client.get_database("mediation")), "20260302000017", name)
    finally:
        await client.close()


@pytest.mark.gen_test
async def test_pymongos_own_handles_stay_guarded_through_their_options():
    client: AsyncMongoClient[Any] = AsyncMongoClient("mongodb://127.0.0.1:9/", connect=False)
    try:
        db = guard(client.get_database("mediation"))
        for handle in (db["cases"], db.with_options()["cases"], db["stats"].with_options().database["cases"]):
            assert isinstance(handle, ReadOnlyCases)
            assert isinstance(handle.with_options(), ReadOnlyCases)
            for method in WRITE_METHODS:
                with pytest.raises(AttributeError):
                    getattr(handle, method)
    finally:
        await client.close()


@pytest.mark.gen_test
async def test_reads_and_other_collections_are_as_before(ctx):
    serial = await _a_case(ctx)
    assert await ctx.db["cases"].count_documents({"_id": serial}) == 1
    assert [d["_id"] async for d in ctx.db["cases"].find({"_id": serial}, {"_id": 1})] == [serial]
    assert (await ctx.db["cases"].find_one({"_id": serial}, {"status": 1}))["status"] == workflow.SUBMITTED
    assert (await ctx.db.command("ping"))["ok"] == 1.0
    await ctx.db["engine_other"].update_one({"_id": 1}, {"$set": {"v": 1}}, upsert=True)
    assert await ctx.db["engine_other"].find_one({"_id": 1}) == {"_id": 1, "v": 1}


# ---------------------------------------------------------------------------------------------------------------
# The writer's hooks


@pytest.mark.gen_test
async def test_every_built_context_has_the_writers_hooks(service_settings):
    client, ctx = service_context(service_settings)
    try:
        assert ctx.case_hooks == CASE_HOOKS
        assert counters.HOOK in ctx.case_hooks and events.HOOK in ctx.case_hooks
        assert isinstance(ctx.db["cases"], ReadOnlyCases)
    finally:
        ctx.executor.shutdown(wait=False)
        await client.close()


def test_the_tests_context_is_built_there_too(ctx):
    assert ctx.case_hooks == CASE_HOOKS and isinstance(ctx.db["cases"], ReadOnlyCases)


@pytest.mark.gen_test
async def test_a_context_without_hooks_refuses_to_write(ctx):
    serial = await _a_case(ctx)
    before = await ctx.db["cases"].find_one({"_id": serial})
    bare = dataclasses.replace(ctx, case_hooks=())
    with pytest.raises(RuntimeError, match="hooks"):
        await moves.apply_move(bare, serial, "accept", ("staff", "m1"), "backoffice")
    with pytest.raises(RuntimeError, match="hooks"):
        await moves.record_event(bare, serial, "assign", ("staff", "m1"), "backoffice", workflow.SUBMITTED)
    with pytest.raises(RuntimeError, match="hooks"):
        await moves.create(bare, dict(before, _id="20260101000099"))
    await _unchanged(ctx, serial, before)
    assert await ctx.db["cases"].count_documents({}) == 1


@pytest.mark.gen_test
async def test_an_end_names_the_case_it_ends(ctx):
    """The hooks read what an end owes (a delegating court's news) from the case as read: no end without it."""
    serial = await _a_case(ctx)
    with pytest.raises(TypeError, match="case="):
        await moves.apply_move(ctx, serial, "withdraw", ("applicant", "person-writer"), "mp")
    assert (await ctx.db["cases"].find_one({"_id": serial}))["status"] == workflow.SUBMITTED
