"""The behaviour the store relies on, pinned on whichever engine MONGODB_URI selects."""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from store import is_embedded
from tests.support.queries import assert_database_commands
from tests.support.store import engine


@pytest.mark.gen_test
async def test_duplicate_id_raises_pymongos_error(ctx):
    col = ctx.db["engine_dup"]
    await col.insert_one({"_id": "k", "v": 1})
    with pytest.raises(DuplicateKeyError):
        await col.insert_one({"_id": "k", "v": 2})
    assert (await col.find_one({"_id": "k"}))["v"] == 1


@pytest.mark.gen_test
async def test_upserted_counter_returns_the_document_after(ctx):
    col = ctx.db["engine_counter"]
    results = [
        await col.find_one_and_update(
            {"_id": "c"}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        for _ in range(3)
    ]
    assert [r["seq"] for r in results] == [1, 2, 3]


@pytest.mark.gen_test
async def test_conditional_update_with_push_is_all_or_nothing(ctx):
    col = ctx.db["engine_cond"]
    await col.insert_one({"_id": "a", "status": "submitted", "timeline": [1]})
    miss = await col.find_one_and_update(
        {"_id": "a", "status": {"$in": ["accepted"]}},
        {"$set": {"status": "x"}, "$push": {"timeline": 2}},
        return_document=ReturnDocument.AFTER,
    )
    assert miss is None
    hit = await col.find_one_and_update(
        {"_id": "a", "status": {"$in": ["submitted", "clarified"]}},
        {"$set": {"status": "accepted"}, "$push": {"timeline": 2}},
        return_document=ReturnDocument.AFTER,
    )
    assert hit == {"_id": "a", "status": "accepted", "timeline": [1, 2]}


@pytest.mark.gen_test
async def test_times_come_back_utc_aware(ctx):
    col = ctx.db["engine_time"]
    moment = datetime(2026, 11, 22, 1, 2, 3, 456000, tzinfo=UTC)
    await col.insert_one({"_id": 1, "at": moment})
    back = (await col.find_one({"_id": 1}))["at"]
    assert back.utcoffset() == timedelta(0) and back == moment


@pytest.mark.gen_test
async def test_find_sort_limit_and_dotted_projection(ctx):
    col = ctx.db["engine_find"]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(5):
        owner = "p1" if i % 2 == 0 else "p2"
        await col.insert_one(
            {"_id": str(i), "owner": owner, "at": base + timedelta(days=i), "party": {"name": f"n{i}", "x": 1}}
        )
    cursor = col.find({"owner": "p1"}, {"_id": 1, "party.name": 1, "at": 1})
    docs = await cursor.sort("at", -1).limit(2).to_list(2)
    assert [d["_id"] for d in docs] == ["4", "2"]
    assert docs[0]["party"] == {"name": "n4"}
    assert await col.count_documents({"_id": {"$in": ["0", "1", "9"]}, "owner": "p1"}) == 1
    await col.delete_one({"_id": "0"})
    assert await col.count_documents({}) == 4
    seen = [d["_id"] async for d in col.find({"owner": "p2"})]
    assert sorted(seen) == ["1", "3"]


@pytest.mark.gen_test
async def test_upsert_update_and_ping(ctx):
    db = ctx.db
    await db["engine_up"].update_one({"_id": "d"}, {"$set": {"v": 1}}, upsert=True)
    await db["engine_up"].update_one({"_id": "d"}, {"$set": {"v": 2}}, upsert=True)
    assert await db["engine_up"].find_one({"_id": "d"}) == {"_id": "d", "v": 2}
    assert (await db.command("ping"))["ok"] == 1.0


@pytest.mark.gen_test
async def test_every_call_is_one_counted_command(ctx, db_commands):
    col = ctx.db["engine_count"]
    with assert_database_commands(db_commands, 3) as sent:
        await col.insert_one({"_id": 1})
        await col.find_one({"_id": 1})
        await col.find({}).to_list(None)
    assert all(command.endswith(" engine_count") for command in sent), sent


@pytest.mark.gen_test
async def test_a_count_other_than_expected_fails_naming_every_command(ctx, db_commands):
    col = ctx.db["engine_count"]
    with pytest.raises(AssertionError) as wrong:
        with assert_database_commands(db_commands, 1):
            await col.insert_one({"_id": 1})
            await col.find_one({"_id": 1})
    assert str(wrong.value).startswith("2 database commands, 1 expected:")
    assert str(wrong.value).count(" engine_count") == 2


def _embedded_only(ctx):
    if not is_embedded(ctx.settings.mongodb_uri):
        pytest.skip("the narrowing is the embedded engine's own")


@pytest.mark.gen_test
async def test_embedded_reads_by_id_and_indexed_field_without_scanning(ctx, monkeypatch):
    _embedded_only(ctx)
    import mongomock.collection

    col = ctx.db["engine_narrow"]
    await col.create_index([("owner", 1), ("at", -1)])
    for i in range(300):
        await col.insert_one({"_id": f"c{i}", "owner": f"p{i % 30}", "at": i})
    checks = []
    import store.embedded

    real = store.embedded.filter_applies
    monkeypatch.setattr(store.embedded, "filter_applies", lambda f, d: checks.append(1) or real(f, d))
    monkeypatch.setattr(mongomock.collection, "filter_applies", lambda f, d: checks.append(1) or real(f, d))
    assert (await col.find_one({"_id": "c42"}))["owner"] == "p12"
    assert len(checks) <= 1
    checks.clear()
    mine = await col.find({"owner": "p7"}).sort("at", -1).to_list(None)
    assert [d["_id"] for d in mine] == [f"c{i}" for i in range(277, -1, -30)]
    assert len(checks) <= 10
    checks.clear()
    await col.update_one({"_id": "c7", "owner": "p7"}, {"$set": {"at": 1000}})
    assert len(checks) <= 1


@pytest.mark.gen_test
async def test_embedded_index_follows_updates_upserts_and_deletes(ctx):
    _embedded_only(ctx)
    col = ctx.db["engine_follow"]
    await col.create_index([("owner", 1)])
    await col.insert_one({"_id": 1, "owner": "a"})
    await col.insert_one({"_id": 2, "owner": "a"})
    assert len(await col.find({"owner": "a"}).to_list(None)) == 2
    await col.update_one({"_id": 1}, {"$set": {"owner": "b"}})
    assert [d["_id"] for d in await col.find({"owner": "b"}).to_list(None)] == [1]
    assert [d["_id"] for d in await col.find({"owner": "a"}).to_list(None)] == [2]
    await col.update_one({"_id": 3, "owner": "c"}, {"$set": {"x": 1}}, upsert=True)
    assert [d["_id"] for d in await col.find({"owner": "c"}).to_list(None)] == [3]
    await col.delete_one({"_id": 2})
    assert await col.find({"owner": "a"}).to_list(None) == []
    await col.insert_one({"_id": 2, "owner": "d"})
    assert await col.find({"owner": "a"}).to_list(None) == []
    assert await col.count_documents({"owner": "d"}) == 1


@pytest.mark.gen_test
async def test_outbox_update_by_array_position_is_conditional_on_version_and_length(ctx):
    # The notification sender's writes (services/notify/sender.py): positions, $size, a revision.
    col = ctx.db["engine_outbox"]
    due = datetime(2026, 3, 1, tzinfo=UTC)
    notes = [{"id": "x", "state": "pending", "attempts": 0}, {"id": "y", "state": "pending", "attempts": 0}]
    await col.insert_one({"_id": "a", "notifications": notes, "outbox_due_at": due})
    version = {"_id": "a", "outbox_rev": None, "notifications": {"$size": 2}}
    claim = {"$set": {"notifications.1.state": "claimed", "notifications.1.attempts": 1, "outbox_rev": 1}}
    won = await col.update_one(version | {"notifications.1.id": "y", "notifications.1.state": "pending"}, claim)
    lost = await col.update_one(version | {"notifications.1.id": "y", "notifications.1.state": "pending"}, claim)
    assert (won.matched_count, lost.matched_count) == (1, 0)
    doc = await col.find_one({"_id": "a"})
    assert [n["state"] for n in doc["notifications"]] == ["pending", "claimed"]
    assert doc["notifications"][1]["attempts"] == 1 and doc["outbox_rev"] == 1
    await col.update_one(
        {"_id": "a"}, {"$push": {"notifications": {"$each": [{"id": "z"}]}}, "$min": {"outbox_due_at": due}}
    )
    stale = await col.update_one(
        {"_id": "a", "outbox_rev": 1, "notifications": {"$size": 2}}, {"$unset": {"outbox_due_at": ""}}
    )
    assert stale.matched_count == 0  # a notification was pushed since: the write must be recomputed
    fresh = await col.update_one(
        {"_id": "a", "outbox_rev": 1, "notifications": {"$size": 3}}, {"$unset": {"outbox_due_at": ""}}
    )
    assert fresh.matched_count == 1 and "outbox_due_at" not in await col.find_one({"_id": "a"})
    await col.update_one({"_id": "a"}, {"$min": {"outbox_due_at": due}})
    found = await col.find({"outbox_due_at": {"$lte": due}}, {"outbox_rev": 1}).sort("outbox_due_at", 1).to_list(5)
    assert [d["_id"] for d in found] == ["a"]


@pytest.mark.gen_test
async def test_positional_update_one_changes_the_matched_element(ctx):
    col = ctx.db["engine_positional"]
    await col.insert_one({"_id": "a", "n": [{"id": "x", "s": "p"}, {"id": "y", "s": "p"}]})
    await col.update_one({"_id": "a", "n": {"$elemMatch": {"id": "y", "s": "p"}}}, {"$set": {"n.$.s": "c"}})
    assert [e["s"] for e in (await col.find_one({"_id": "a"}))["n"]] == ["p", "c"]


@pytest.mark.gen_test
async def test_embedded_refuses_positional_find_one_and_update(ctx):
    # mongomock 4.3 would update the first element instead of the matched one: refused loudly.
    _embedded_only(ctx)
    col = ctx.db["engine_positional_fau"]
    await col.insert_one({"_id": "a", "n": [{"id": "x", "s": "p"}, {"id": "y", "s": "p"}]})
    with pytest.raises(NotImplementedError):
        await col.find_one_and_update({"_id": "a", "n.id": "y"}, {"$set": {"n.$.s": "c"}})
    assert [e["s"] for e in (await col.find_one({"_id": "a"}))["n"]] == ["p", "p"]


@pytest.mark.gen_test
async def test_sorted_pages_match_the_full_sort(ctx):
    col = ctx.db["engine_pages"]
    await col.create_index([("centre", 1), ("at", -1)])
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(60):
        await col.insert_one(
            {
                "_id": f"d{i:02d}",
                "centre": "c1" if i % 3 else "c2",
                "at": base + timedelta(hours=i),
                "name": f"n{i}",
                "big": "x" * 100,
            }
        )
    everything = [d["_id"] for d in await col.find({"centre": "c1"}).to_list(None)]
    expected = sorted(everything, key=lambda i: int(i[1:]), reverse=True)
    pages = []
    for page in range(4):
        docs = await col.find({"centre": "c1"}, {"name": 1}).sort("at", -1).skip(page * 12).limit(12).to_list(12)
        assert all(set(d) == {"_id", "name"} for d in docs)
        pages += [d["_id"] for d in docs]
    assert pages == expected
    since = base + timedelta(hours=30)
    recent = await col.find({"centre": "c1", "at": {"$gte": since}}).sort("at", 1).limit(5).to_list(5)
    assert [d["_id"] for d in recent] == ["d31", "d32", "d34", "d35", "d37"]
    assert await col.count_documents({"centre": "c2"}) == 20


def _mongomock_insert(document):
    """What mongomock's own insert_one stores or raises, for comparison with the adapter's by-id insert."""
    import mongomock

    col = mongomock.MongoClient(tz_aware=True).db.reference  # as store/embedded.py opens it
    try:
        col.insert_one(document)
    except Exception as exc:  # noqa: BLE001 - the comparison is of the exception's type
        return type(exc)
    return col.find_one({"_id": document["_id"]})


@pytest.mark.parametrize(
    "document",
    [
        {"_id": "a", "at": datetime(2026, 11, 22, 1, 2, 3, 456789, tzinfo=UTC), "n": [{"at": datetime(2026, 1, 1)}]},
        {"_id": 7, "nested": {"deep": {"x": 1.5, "y": None, "z": b"bytes"}}, "list": [1, "2", [3]]},
        {"_id": "b", "$set": 1},
        {"_id": "c", "a.b": 1},
        {"_id": "d", "value": {1, 2}},
        {"_id": "e", "nul": {"x\x00y": 1}},
    ],
)
@pytest.mark.gen_test
async def test_embedded_insert_by_id_stores_and_refuses_like_mongomock(ctx, document):
    _embedded_only(ctx)
    col = ctx.db["engine_insert_by_id"]
    await col.delete_many({})
    expected = _mongomock_insert(dict(document))
    try:
        await col.insert_one(dict(document))
    except Exception as exc:  # noqa: BLE001
        assert type(exc) is expected
        assert await col.count_documents({}) == 0
        return
    assert await col.find_one({"_id": document["_id"]}) == expected


@pytest.mark.gen_test
async def test_embedded_unique_secondary_index_still_refuses_duplicates(ctx):
    col = ctx.db["engine_unique"]
    await col.create_index([("mobile", 1)], unique=True)
    await col.insert_one({"_id": "a", "mobile": "1"})
    with pytest.raises(DuplicateKeyError):
        await col.insert_one({"_id": "b", "mobile": "1"})
    assert await col.count_documents({}) == 1


@pytest.mark.gen_test
async def test_embedded_refused_update_drop_and_second_handle_keep_reads_right(ctx):
    _embedded_only(ctx)
    db = ctx.db
    col = db["engine_refused"]
    await col.create_index([("m", 1)], unique=True)
    await col.insert_one({"_id": "a", "m": "1"})
    await col.insert_one({"_id": "b", "m": "2"})
    with pytest.raises(DuplicateKeyError):
        await col.update_one({"_id": "b"}, {"$set": {"m": "1"}})
    assert [d["_id"] for d in await col.find({"m": "1"}).to_list(None)] == ["a"]
    assert await col.count_documents({"m": "2"}) == 1

    dropped = db["engine_dropped"]
    await dropped.create_index([("p", 1)])
    await dropped.insert_one({"_id": "a", "p": "p1"})
    assert await dropped.count_documents({"p": "p1"}) == 1
    await dropped.drop()
    await dropped.insert_one({"_id": "a", "p": "p2"})
    assert await dropped.find({"p": "p1"}).to_list(None) == []

    client = engine(ctx)._client  # the same database reached again
    again = client.get_database(db.name)["engine_refused"]
    with pytest.raises(DuplicateKeyError):
        await again.insert_one({"_id": "c", "m": "2"})


@pytest.mark.gen_test
async def test_reads_by_ids_with_a_projection_match_mongomocks_own(ctx):
    _embedded_only(ctx)
    col = ctx.db["engine_by_ids"]
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    for n in range(5):
        await col.insert_one(
            {
                "_id": f"c{n}",
                "status": "s",
                "at": at,
                "centre": {"id": "x", "name": "X", "deep": [{"x": at, "y": 2}]},
                "party": {"name": f"p{n}", "industry": "G", "phone": {"ct": b"1"}},
                "other": [1, 2],
            }
        )
    wanted = ["c3", "c1", "c9", "c3"]
    projection = {"status": 1, "at": 1, "centre": 1, "party.name": 1, "party.phone": 1, "missing.field": 1}
    fast = await col.find({"_id": {"$in": wanted}}, projection).to_list(None)
    stored = engine(ctx)["engine_by_ids"]._collection  # mongomock's own, under the guard and the adapter
    raw = list(stored.find({"_id": {"$in": wanted}}, projection))  # mongomock's own projection
    assert fast == sorted(raw, key=lambda d: ["c3", "c1"].index(d["_id"])) and [d["_id"] for d in fast] == ["c3", "c1"]
    assert fast[0]["at"].tzinfo is not None and fast[0]["centre"]["deep"][0]["x"] == at
    fast[0]["centre"]["name"] = "changed"  # a copy: the stored document is untouched
    assert (await col.find_one({"_id": "c3"}))["centre"]["name"] == "X"
    through_array = await col.find({"_id": {"$in": ["c1"]}}, {"centre.deep.x": 1}).to_list(None)
    assert through_array == list(stored.find({"_id": {"$in": ["c1"]}}, {"centre.deep.x": 1}))


_AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
_BASE = {"_id": "k", "s": "a", "n": 1, "t": [1], "d": {"x": 1, "l": [{"y": 1}]}, "at": _AT}


@pytest.mark.parametrize(
    ("filter", "update", "upsert"),
    [
        ({"_id": "k"}, {"$set": {"s": "b", "d.x": 2}, "$push": {"t": {"$each": [2, 3]}}}, False),
        ({"_id": "k"}, {"$set": {"s": "a", "d.x": 1}}, False),  # matched, nothing modified
        ({"_id": "k", "s": {"$in": ["b"]}}, {"$set": {"s": "c"}}, False),  # not matched
        ({"_id": "k", "s": "a", "at": _AT}, {"$inc": {"n": 2, "m": 1}, "$unset": {"d.l": ""}}, False),
        ({"_id": "k"}, {"$max": {"n": 0, "at": _AT + timedelta(days=1)}, "$min": {"q": 5}}, False),
        ({"_id": "k"}, {"$max": {"n": 0}}, False),  # nothing modified
        ({"_id": "k"}, {"$setOnInsert": {"z": 1}, "$addToSet": {"t": 1}}, False),  # nothing modified
        ({"_id": "k"}, {"$set": {"d.l.0.y": 2, "new.deep": {"a": [1]}}}, False),
        ({"_id": "k"}, {"$unset": {"missing": ""}}, False),
        ({"_id": "k"}, {"$setOnInsert": {"z": 1}}, True),  # nothing to do to a document that exists (it stays whole)
        ({"_id": "other"}, {"$inc": {"n": 1}}, True),  # an insert by _id (_upsert_by_id)
        ({"_id": "other"}, {"$setOnInsert": {"a.b": _AT}, "$max": {"m": 2}, "$set": {"d.x": [1]}}, True),
        ({"_id": "other", "s": "a"}, {"$set": {"n": 1}}, True),  # an insert with more than _id: mongomock's path
        ({"_id": "other"}, {"$inc": {"n": 1}}, False),
        ({"_id": "k", "d.l.y": 1}, {"$set": {"d.l.$.y": 5}}, False),  # positional: mongomock's path (update_one only)
        ({"_id": "k"}, {"$rename": {"s": "r"}}, False),  # not taken: mongomock's path
    ],
)
@pytest.mark.gen_test
async def test_embedded_update_by_id_changes_and_counts_like_mongomock(ctx, filter, update, upsert):
    """The adapter's by-id update (store/embedded.py _update_by_id) against mongomock's own on the same document:
    the same document after, the same matched and modified counts, the same document returned."""
    _embedded_only(ctx)
    import copy

    import mongomock

    reference = mongomock.MongoClient(tz_aware=True).db.reference  # as store/embedded.py opens it
    col = ctx.db["engine_update_by_id"]
    await col.delete_many({})
    reference.insert_one(copy.deepcopy(_BASE))
    await col.insert_one(copy.deepcopy(_BASE))
    expected = reference.update_one(filter, update, upsert=upsert)
    got = await col.update_one(filter, update, upsert=upsert)
    assert (got.matched_count, got.modified_count, got.upserted_id) == (
        expected.matched_count,
        expected.modified_count,
        expected.upserted_id,
    )
    assert await col.find({}).to_list(None) == list(reference.find({}))
    assert await col.find_one({"_id": "k"}) == reference.find_one({"_id": "k"})  # the adapter's by-id read
    for projection in (
        {"d.x": 1, "s": 1, "missing": 1},
        {"d.l.y": 1},
        {"d.q.r": 1, "s.x": 1},
        {"at": 1},
        {"_id.x": 1},
        {},
    ):  # by id
        got, want = await col.find_one({"_id": "k"}, projection), reference.find_one({"_id": "k"}, projection)
        assert got == want  # the same fields, in the document's order (mongomock alone puts `_id` last)
        assert [k for k in got or {} if k != "_id"] == [k for k in want or {} if k != "_id"]
    for projection in ({"d": 1, "d.x": 1}, {"t.$": 1}):  # refused by mongomock (and MongoDB): the same refusal
        with pytest.raises(Exception) as ours:
            await col.find_one({"_id": "k"}, projection)
        with pytest.raises(Exception) as theirs:
            reference.find_one({"_id": "k"}, projection)
        assert type(ours.value) is type(theirs.value)
    for after in (ReturnDocument.BEFORE, ReturnDocument.AFTER) if "d.l.$.y" not in update.get("$set", {}) else ():
        for projection in ({"d": 0}, None, {"s": 1, "d.x": 1}, {"at": 1, "t": True}, {"_id": 0, "s": 1}):
            want = reference.find_one_and_update(filter, update, projection, upsert=upsert, return_document=after)
            got = await col.find_one_and_update(filter, update, projection, upsert=upsert, return_document=after)
            assert got == want
            assert await col.find({}).to_list(None) == list(reference.find({}))
    stored = await col.find_one({"_id": "k"})
    stored["d"]["x"] = "changed"  # a copy: the stored document is untouched
    assert (await col.find_one({"_id": "k"}))["d"] == reference.find_one({"_id": "k"})["d"]


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, (2, 3)], "t": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=8)))},
        {"n": datetime(2026, 1, 2, 3, 4, 5, 999999), "b": b"x", "f": 1.5, "z": None, "o": True},
        {"od": OrderedDict(x=1), "s": {1, 2}},
    ],
)
def test_embedded_stored_and_read_forms_match_mongomocks_helpers(value):
    from mongomock.helpers import make_datetime_timezone_aware_in_document, patch_datetime_awareness_in_document

    from store.embedded import _read_form, _stored_form

    stored = _stored_form(value)
    assert stored == patch_datetime_awareness_in_document(value)
    assert type(stored) is type(patch_datetime_awareness_in_document(value))
    assert _read_form(stored) == make_datetime_timezone_aware_in_document(stored)


@pytest.mark.gen_test
async def test_an_insert_stores_what_mongomock_stores_with_binary_as_mongodb_gives_it(ctx):
    """The stored copy of an insert (BSON's decoder, store/embedded.py _insert_by_id) against mongomock's own: the same
    values, order and types, datetimes naive UTC to the millisecond, but Binary of subtype 0 kept as bytes, as MongoDB
    (and the durable engine's replay) give it back."""
    import copy

    import mongomock
    from bson import Binary

    _embedded_only(ctx)
    east = timezone(timedelta(hours=8))
    document = {
        "_id": "d",
        "t": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=east),
        "naive": datetime(2026, 1, 2, 3, 4, 5, 999999),
        "nested": {"list": [1, (2, 3), {"at": datetime(2026, 5, 1, tzinfo=UTC)}], "none": None, "f": 1.5, "b": True},
        "big": 2**40,
        "ct": Binary(b"\x00sealed", 0),
        "uuid": Binary(b"0123456789abcdef", 4),
        "raw": b"bytes",
    }
    reference = mongomock.MongoClient(tz_aware=True).db.reference  # as store/embedded.py opens it
    reference.insert_one(copy.deepcopy(document))
    col = ctx.db["engine_insert_form"]
    await col.insert_one(copy.deepcopy(document))
    ours = engine(ctx)["engine_insert_form"]._collection._store._documents["d"]
    theirs = reference._store._documents["d"]
    assert type(ours["ct"]) is bytes and ours["ct"] == bytes(theirs["ct"])
    assert type(ours["uuid"]) is Binary and ours["uuid"] == theirs["uuid"]
    ours, theirs = {k: v for k, v in ours.items() if k != "ct"}, {k: v for k, v in theirs.items() if k != "ct"}
    assert ours == theirs and list(ours) == list(theirs) and ours["t"].tzinfo is None
    read = await col.find_one({"_id": "d"})
    assert read["t"] == document["t"].replace(microsecond=678000) and read["ct"] == b"\x00sealed"


def test_an_inserts_journal_record_is_the_record_of_its_stored_copy():
    """The durable engine journals an insert from the BSON its check encoded (store/embedded.py insert_one): the
    same bytes as the stored copy's own record, which a replay decodes."""
    import bson
    from bson.codec_options import CodecOptions
    from bson.raw_bson import RawBSONDocument

    from store.journal import record_put

    east = timezone(timedelta(hours=8))
    document = {"_id": "x", "t": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=east), "l": (1, [2, {"n": 2**40}])}
    document |= {"b": bson.Binary(b"z", 0), "u": bson.Binary(b"0123456789abcdef", 4), "none": None}
    encoded = bson.encode(document)
    stored = bson.decode(encoded, CodecOptions(tz_aware=False))
    assert record_put("db", "c", RawBSONDocument(encoded)) == record_put("db", "c", stored)


@pytest.mark.gen_test
async def test_a_search_for_part_of_an_indexed_text_finds_every_match_and_reads_only_them(ctx, monkeypatch):
    """The company file's search (issue 25: `{"name_key": {"$regex": ...}}`): MongoDB scans the index's keys; the
    embedded engine the values of its map, checking only the documents whose value matched."""
    col = ctx.db["engine_regex"]
    await col.create_index([("name_key", 1)], sparse=True)
    for i in range(300):
        await col.insert_one({"_id": f"e{i}", "name_key": f"上海某某{i}号有限公司(集团)", "n": i})
    await col.insert_one({"_id": "nameless", "n": -1})
    await col.update_one({"_id": "e5"}, {"$set": {"name_key": "上海某某12号分公司"}})  # the map follows updates
    wanted = ["e12", *(f"e12{i}" for i in range(10)), "e5"]  # 12, 120 to 129, and the one renamed
    found = await col.find({"name_key": {"$regex": re.escape("某某12")}}).to_list(None)
    assert sorted(d["_id"] for d in found) == sorted(wanted)
    assert [d["_id"] for d in await col.find({"name_key": {"$regex": re.escape("(集团)")}, "n": 7}).to_list(None)] == [
        "e7"
    ]
    if not is_embedded(ctx.settings.mongodb_uri):
        return
    import mongomock.collection

    import store.embedded

    checks: list[int] = []
    real = store.embedded.filter_applies
    monkeypatch.setattr(store.embedded, "filter_applies", lambda f, d: checks.append(1) or real(f, d))
    monkeypatch.setattr(mongomock.collection, "filter_applies", lambda f, d: checks.append(1) or real(f, d))
    assert len(await col.find({"name_key": {"$regex": re.escape("某某12")}}).to_list(None)) == len(wanted)
    assert len(checks) <= len(wanted)  # the matches alone (or none: the map is exact), not the 301 documents


@pytest.mark.gen_test
async def test_an_update_of_the_field_its_filter_names_leaves_the_index_map_right(ctx):
    """The filter's read by the indexed field rebuilds its map during the update, from the value before it: the map
    is marked stale again after the write, so the next read by either value finds what is stored."""
    _embedded_only(ctx)
    col = ctx.db["engine_index_self_update"]
    await col.create_index("idx")
    await col.insert_one({"_id": "a", "idx": "A"})
    await col.update_one({"idx": "A"}, {"$set": {"idx": "C"}})
    assert await col.find({"idx": "A"}).to_list(None) == []
    assert [d["_id"] for d in await col.find({"idx": "C"}).to_list(None)] == ["a"]
    await col.find_one_and_update({"idx": "C"}, {"$set": {"idx": "D"}})
    await col.bulk_write([UpdateOne({"idx": "D"}, {"$set": {"idx": "E"}})])
    assert await col.count_documents({"idx": "C"}) == 0 and await col.count_documents({"idx": "D"}) == 0
    assert [d["_id"] for d in await col.find({"idx": "E"}).to_list(None)] == ["a"]
