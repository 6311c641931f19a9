"""The embedded engine: an async adapter over mongomock covering exactly the calls the store makes.

mongomock keeps everything in memory for one process. Its calls never block on I/O, so each
adapter method runs synchronously inside the coroutine: an update is atomic with respect to
every other task on the loop, which is what the store relies on (one update_one per move).

`mongomock://` stays in memory (tests). `embedded:<folder>` is the same engine made durable by
store/journal.py: each write appends the after-image of every document it changed and returns
only once that is on the disk; every read first waits for writes still on their way, so nothing
a caller is told can vanish in a crash. At start the folder's snapshot and journals are replayed.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import re
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from bson import BSON, decode
from bson.codec_options import CodecOptions
from bson.errors import InvalidDocument
from bson.raw_bson import RawBSONDocument
from mongomock.collection import validate_ok_for_update
from mongomock.filtering import filter_applies
from mongomock.helpers import make_datetime_timezone_aware_in_document, patch_datetime_awareness_in_document
from mongomock.helpers import utc as READ_UTC  # the tzinfo mongomock's reads give (bson's)
from mongomock.mongo_client import MongoClient as MemoryClient  # the class itself: its stub says pymongo's
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError
from pymongo.results import InsertOneResult, UpdateResult

from store.journal import Journal, JournalFailed, record_delete, record_drop, record_put

EMBEDDED_URI_PREFIX = "mongomock://"  # memory only
DURABLE_URI_PREFIX = "embedded:"  # embedded:<folder>

# Set for an HTTP request (handlers/base.py): its writes do not each wait for the disk; the request
# waits once, for all of them, before it answers (durability_barrier). A crash leaves a prefix of the
# journal, so the last write being on the disk means every earlier one is: the answer is the
# acknowledgement, and it is never given before the disk has what it acknowledges.
_DEFERRED: contextvars.ContextVar[bool] = contextvars.ContextVar("embedded_deferred_durability", default=False)


def defer_durability(deferred: bool = True) -> None:
    """From here on in this task, writes return once journaled in memory; call durability_barrier before answering.
    `False` once the answer is on its way: work after it (a follow-up spawned then) waits at each write."""
    _DEFERRED.set(deferred)


def durability_deferred() -> bool:
    """Whether this task's writes return before the disk has them (defer_durability)."""
    return _DEFERRED.get()


# Update operators that can give a document a new value for a field.
_SETTING_OPERATORS = frozenset(
    ("$set", "$setOnInsert", "$unset", "$rename", "$inc", "$push", "$addToSet", "$max", "$min", "$mul", "$currentDate")
    + ("$pull", "$pop", "$pullAll")
)


def _path_value(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def _plain_regex(value: Any) -> re.Pattern[str] | None:
    """`{"$regex": "..."}` without options (a search of part of a text), compiled; None for anything else."""
    if isinstance(value, dict) and set(value) == {"$regex"} and isinstance(value["$regex"], str):
        return re.compile(value["$regex"])
    return None


def _positional(update: Any) -> bool:
    fields = (f for op in update.values() if isinstance(op, dict) for f in op) if isinstance(update, dict) else ()
    return any(f.endswith(".$") or ".$." in f for f in fields)


_MISSING = object()
_NOT_TAKEN: Any = object()  # the by-id path does not apply: mongomock's own
# The operators the by-id update path applies itself (through mongomock's own updaters); any other goes to mongomock.
_FAST_OPERATORS = frozenset(("$set", "$unset", "$inc", "$max", "$min", "$push", "$addToSet", "$setOnInsert"))
_GROWING = ("$push", "$addToSet")  # change a list in place: compared by length


def _at(document: Any, path: str) -> Any:
    """The value at a dotted path (list positions as numbers), _MISSING where there is none."""
    value = document
    for part in path.split("."):
        if type(value) is dict or isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


_PLAIN = (str, int, float, bool, type(None), bytes)
_STORED: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=False)  # how mongomock stores datetimes: naive UTC


def _stored_form(value: Any) -> Any:
    """mongomock's patch_datetime_awareness_in_document (a copy: datetimes naive UTC to the millisecond, tuples as
    lists), by exact type first: ~3x faster on a case. Anything else (an OrderedDict, a Timestamp...) is left to
    mongomock's own function (tests/store/test_engine.py compares the two)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k: _stored_form(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_stored_form(v) for v in value]
    if kind is datetime:
        micro = value.microsecond // 1000 * 1000
        offset = value.utcoffset()
        if offset is not None:
            return (value - offset).replace(tzinfo=None, microsecond=micro)
        return value.replace(microsecond=micro)
    return patch_datetime_awareness_in_document(value)


def _read_form(value: Any) -> Any:
    """mongomock's copy of a stored document as a read returns it with tz_aware (make_datetime_timezone_aware_in_
    document: new containers, datetimes UTC-aware), by exact type first."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k: _read_form(v) for k, v in value.items()}
    if kind is list:
        return [_read_form(v) for v in value]
    if kind is datetime:
        return value.replace(tzinfo=READ_UTC)  # stored naive UTC (_stored_form)
    return make_datetime_timezone_aware_in_document(value)


def _fast_update_paths(update: Any) -> list[tuple[str, str]] | None:
    """(operator, path) of each field an update by `_id` touches, or None when mongomock must apply it itself:
    an operator outside _FAST_OPERATORS, an empty one, a positional `$`, or `_id` itself."""
    if not isinstance(update, dict) or not update:
        return None
    paths: list[tuple[str, str]] = []
    for operator, fields in update.items():
        if operator not in _FAST_OPERATORS or not isinstance(fields, dict) or not fields:
            return None
        for path in fields:
            if "$" in path or path == "_id" or path.startswith("_id."):  # positional ($, $[], $[x]): mongomock's
                return None
            paths.append((operator, path))
    return paths


def _project_ids(documents: dict[Any, dict[str, Any]], ids: list[Any], projection: Any) -> list[dict[str, Any]] | None:
    """The stored documents of `ids` (each once, in that order), with an inclusion `projection` through
    sub-documents only; None where mongomock's own projection is needed."""
    if not all(_scalar(i) for i in ids) or not isinstance(projection, dict) or not projection:
        return None
    if projection.get("_id", 1) not in (1, True) or not all(v in (1, True) for v in projection.values()):
        return None
    if any("$" in p or p.startswith("_id.") or _parent_in(p, projection) for p in projection):
        return None  # positional, inside `_id`, or paths that collide
    tree: dict[str, Any] = {"_id": True}  # the projection as a tree: {"claim": {"amount_fen": True}, ...}
    for path in projection:
        *parents, last = path.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = True
    out = []
    for doc_id in dict.fromkeys(ids):
        stored = documents.get(doc_id)
        if stored is None:
            continue
        projected = _projected(stored, tree)
        if projected is None:
            return None
        out.append(projected)
    return out


def _projected(stored: dict[str, Any], tree: dict[str, Any]) -> dict[str, Any] | None:
    """The fields of `tree` in the stored document's order, as mongomock (and MongoDB) give them: a new container for
    every dict and list, aware UTC datetimes (_read_form); a sub-document on the way shown, if only empty; a scalar
    on the way shows nothing; None for an array on the way (mongomock projects each element)."""
    out: dict[str, Any] = {}
    for key, value in stored.items():
        node = tree.get(key)
        if node is None:
            continue
        if node is True:
            out[key] = _read_form(value)
        elif isinstance(value, dict):
            inner = _projected(value, node)
            if inner is None:
                return None
            out[key] = inner
        elif isinstance(value, list):
            return None
    return out


def _parent_in(path: str, names: Any) -> bool:
    """Whether a parent of the dotted path is one of `names`."""
    dot = path.find(".")
    while dot != -1:
        if path[:dot] in names:
            return True
        dot = path.find(".", dot + 1)
    return False


class _Narrowing:
    """Lets mongomock read only the documents a filter can match instead of scanning the collection.

    mongomock evaluates every filter against every document, even `{"_id": x}`. Three narrowings:
    an `_id` equality or `$in` reads those documents directly; an equality on the first field of a
    declared index reads the ids an in-memory map holds for that value; a `$regex` on such a field
    (without options) reads the ids of the map's values it matches, as MongoDB scans an index's keys.
    The map is exact while it is fresh (inserts add to it; an update that may change an indexed field,
    or any delete, marks it stale, and a stale map is rebuilt by one scan on the next read), so a
    filter that is just that equality needs no further check; any other filter is still checked by mongomock's own
    `filter_applies` on the candidates. This relies on mongomock 4.3.0's
    `Collection._iter_documents` and `_store._documents`, pinned in requirements and tested.
    """

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self._scan = collection._iter_documents
        self._fields: dict[str, dict[Any, set[Any]]] = {}
        self._stale: set[str] = set()
        self.rebuilds = 0  # maps rebuilt so far (updated)
        collection._iter_documents = self._iter_documents

    def add_field(self, path: str) -> None:
        if path != "_id" and path not in self._fields:
            self._fields[path] = {}
            self._stale.add(path)

    def inserted(self, document: dict[str, Any]) -> None:
        for path, ids in self._fields.items():
            value = _path_value(document, path)
            if _scalar(value):
                ids.setdefault(value, set()).add(document["_id"])

    def updating(self, filter: Any, update: Any, upsert: bool) -> int:
        """Before an update: the maps of the fields it may change marked stale (every one for an upsert, which may
        insert, or an update that is not a document of operators). Returns the count of rebuilds so far (updated)."""
        fresh = [path for path in self._fields if path not in self._stale]
        if not fresh:
            return self.rebuilds
        if upsert or not isinstance(update, dict):
            self._stale.update(fresh)
            return self.rebuilds
        touched: list[str] = []
        for operator, fields in update.items():
            if operator in _SETTING_OPERATORS and isinstance(fields, dict):
                touched += fields
                if operator == "$rename":
                    touched += fields.values()
        for path in fresh:
            if any(t == path or t.startswith(path + ".") or path.startswith(t + ".") for t in touched):
                self._stale.add(path)
        return self.rebuilds

    def updated(self, filter: Any, update: Any, upsert: bool, rebuilds: int) -> None:
        """After an update: a map rebuilt during it (by its own filter's read) holds the values before it, so the
        maps of the fields it may change are marked stale again. `rebuilds`: the count `updating` returned."""
        if self.rebuilds != rebuilds:
            self.updating(filter, update, upsert)

    @contextmanager
    def stale_on_error(self) -> Iterator[None]:
        """A write mongomock refuses (a unique index) is rolled back after its check has rebuilt a
        map from the refused values: the maps must be rebuilt again."""
        try:
            yield
        except BaseException:
            self.stale()
            raise

    def stale(self) -> None:
        """Every map rebuilt on its next read (after deletes; before mongomock's own insert, whose
        unique-index check reads through the narrowing and must see the new document)."""
        self._stale.update(self._fields)

    def exact_ids(self, filter: Any) -> list[Any] | None:
        """The ids matching a filter that is exactly one indexed equality (or plain `$regex`), without checking
        documents."""
        if not isinstance(filter, dict) or len(filter) != 1:
            return None
        [(path, value)] = filter.items()
        pattern = _plain_regex(value)
        if path not in self._fields or not (_scalar(value) or pattern):
            return None
        if path in self._stale:
            self._rebuild(path)
        documents = self._documents()
        if pattern is None:
            return [i for i in self._fields[path].get(value, ()) if i in documents]
        return [i for ids in self._matching(path, pattern) for i in ids if i in documents]

    def _matching(self, path: str, pattern: re.Pattern[str]) -> list[set[Any]]:
        return [ids for key, ids in self._fields[path].items() if isinstance(key, str) and pattern.search(key)]

    def _documents(self) -> dict[Any, dict[str, Any]]:
        documents: dict[Any, dict[str, Any]] = self._collection._store._documents
        return documents

    def _iter_documents(self, filter: Any) -> Any:
        exact = self.exact_ids(filter)
        if exact is not None:
            documents = self._documents()
            return (documents[i] for i in exact)
        ids = self._candidate_ids(filter) if isinstance(filter, dict) else None
        if ids is None:
            return self._scan(filter)
        documents = self._documents()
        candidates = [documents[i] for i in ids if i in documents]
        return (doc for doc in candidates if filter_applies(filter, doc))

    def _candidate_ids(self, filter: dict[str, Any]) -> list[Any] | None:
        id_filter = filter.get("_id")
        if _scalar(id_filter):
            return [id_filter]
        if isinstance(id_filter, dict) and set(id_filter) == {"$in"} and all(_scalar(i) for i in id_filter["$in"]):
            return list(dict.fromkeys(id_filter["$in"]))
        for path in self._fields:
            value = filter.get(path)
            if _scalar(value):
                if path in self._stale:
                    self._rebuild(path)
                return list(self._fields[path].get(value, ()))
        for path in self._fields:
            pattern = _plain_regex(filter.get(path))
            if pattern is not None:  # as MongoDB scans an index's keys: the map's values, not the documents
                if path in self._stale:
                    self._rebuild(path)
                return [i for ids in self._matching(path, pattern) for i in ids]
        return None

    def _rebuild(self, path: str) -> None:
        ids: dict[Any, set[Any]] = {}
        for document in self._documents().values():
            value = _path_value(document, path)
            if _scalar(value):
                ids.setdefault(value, set()).add(document["_id"])
        self._fields[path] = ids
        self._stale.discard(path)
        self.rebuilds += 1


class EmbeddedCursor:
    """The subset of AsyncCursor the store uses: sort, skip, limit, to_list and async iteration.

    A page of a sorted result ("newest 20 of a centre's cases") is picked from the stored documents
    by a plain Python sort on the one key, and only that page is copied and projected by mongomock:
    mongomock itself would copy and project every match, then sort with its slow BSON comparison.
    """

    def __init__(
        self, collection: Any, filter: Any, projection: Any, kwargs: dict[str, Any], client: EmbeddedClient
    ) -> None:
        self._collection = collection
        self._client = client
        self._filter = filter
        self._projection = projection
        self._kwargs = kwargs
        self._sort: list[tuple[str, int]] = []
        self._skip = 0
        self._limit = 0
        self._results: Iterator[dict[str, Any]] | None = None

    def sort(self, key_or_list: Any, direction: int | None = None) -> EmbeddedCursor:
        self._sort = [(key_or_list, direction or 1)] if isinstance(key_or_list, str) else list(key_or_list)
        return self

    def skip(self, n: int) -> EmbeddedCursor:
        self._skip = n
        return self

    def limit(self, n: int) -> EmbeddedCursor:
        self._limit = n
        return self

    def _run(self) -> Iterator[dict[str, Any]]:
        if self._results is None:
            by_ids = self._by_ids()
            if by_ids is not None:
                self._results = iter(by_ids)
                return self._results
            page = self._page() if len(self._sort) == 1 and (self._limit or self._skip) else None
            if page is None:
                cursor = self._collection.find(self._filter, self._projection, **self._kwargs)
                if self._sort:
                    cursor = cursor.sort(self._sort)
                cursor = cursor.skip(self._skip).limit(self._limit)
                page = list(cursor)
            self._results = iter(page)
        return self._results

    def _by_ids(self) -> list[dict[str, Any]] | None:
        """`{"_id": {"$in": ids}}` with an inclusion projection through sub-documents only (no sort, skip or
        limit): the stored documents read by id and only the asked fields copied, where mongomock's general
        projection costs several times the read (the statistics export reads 100,000 cases this way).
        None, for mongomock's own path, for anything else, including a path that runs through an array."""
        spec, projection = self._filter, self._projection
        if self._sort or self._skip or self._limit or self._kwargs:
            return None
        if not isinstance(spec, dict) or set(spec) != {"_id"}:
            return None
        ids = spec["_id"].get("$in") if isinstance(spec["_id"], dict) and set(spec["_id"]) == {"$in"} else None
        if not isinstance(ids, list):
            return None
        return _project_ids(self._collection._store._documents, ids, projection)

    def _page(self) -> list[dict[str, Any]] | None:
        """The requested page, or None when the sort key's values are not of one comparable kind."""
        key, direction = self._sort[0]
        # mongomock stores datetimes naive (UTC) and patches filters the same way before matching.
        spec = patch_datetime_awareness_in_document(self._filter or {})
        stored = list(self._collection._iter_documents(spec))
        values = [_path_value(doc, key) for doc in stored]
        kinds = {type(v) for v in values}
        if len(kinds) > 1 or kinds - {str, int, float, datetime}:
            return None
        try:
            order = sorted(range(len(stored)), key=values.__getitem__, reverse=direction < 0)
        except TypeError:  # naive and aware datetimes side by side: both are UTC
            values = [_sort_value(v) for v in values]
            order = sorted(range(len(stored)), key=values.__getitem__, reverse=direction < 0)
        end = self._skip + self._limit if self._limit else None
        picked = [stored[i]["_id"] for i in order[self._skip : end]]
        fast = _project_ids(
            self._collection._store._documents, picked, self._projection
        )  # "我的申请": the page's few fields, not mongomock's copy
        if fast is not None:
            return fast
        copies = {doc["_id"]: doc for doc in self._collection.find({"_id": {"$in": picked}}, self._projection)}
        return [copies[i] for i in picked if i in copies]

    async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
        await self._client.settle()
        results = self._run()
        return list(results) if length is None else list(itertools.islice(results, length))

    def __aiter__(self) -> EmbeddedCursor:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._results is None:
            await self._client.settle()
        try:
            return next(self._run())
        except StopIteration:
            raise StopAsyncIteration from None


def _sort_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # stored UTC; naive and aware must compare
    return value


class EmbeddedCollection:
    """Async methods with PyMongo's names and arguments, each counted as one database command.

    On the durable engine each write ends by journaling the documents it changed (their state
    after it) and waiting until that is on the disk; a write that changed nothing journals nothing.
    """

    def __init__(self, collection: Any, client: EmbeddedClient, database: str) -> None:
        self._collection = collection
        self._client = client
        self._database = database
        self.name = collection.name
        self.ttl_seconds: int | None = None  # a TTL index's expireAfterSeconds, recorded only
        self._narrowing = _Narrowing(collection)
        self._unique_fields = False  # a unique index besides `_id`: inserts take mongomock's own path

    def _documents(self) -> dict[Any, dict[str, Any]]:
        documents: dict[Any, dict[str, Any]] = self._collection._store._documents
        return documents

    def _match_id(self, filter: Any) -> Any:
        """The `_id` of the document a one-document write with `filter` changes (None: no match)."""
        if isinstance(filter, dict) and _scalar(filter.get("_id")):
            return filter["_id"]  # matched or not, the write's own result tells whether it changed it
        spec = patch_datetime_awareness_in_document(filter or {})
        return next((doc["_id"] for doc in self._collection._iter_documents(spec)), None)

    async def _journal(self, changed: list[Any], encoded: bytes | None = None) -> None:
        """Journal the after-image of each changed document (a deletion where it is gone) and wait for the disk;
        `encoded`: the BSON of the one document changed, which its stored copy was decoded from (an insert)."""
        journal = self._client.journal
        if journal is None or not changed:
            return
        documents, seq = self._documents(), 0
        for doc_id in changed:
            document = documents.get(doc_id)
            if document is None:
                seq = journal.append(record_delete(self._database, self.name, doc_id))
            else:
                image = RawBSONDocument(encoded) if encoded is not None and len(changed) == 1 else document
                seq = journal.append(record_put(self._database, self.name, image))
        if not _DEFERRED.get():
            await journal.durable(seq)

    async def insert_one(self, document: dict[str, Any]) -> Any:
        self._client.count()
        if self._unique_fields or not _scalar(document.get("_id")):
            if self._unique_fields:  # mongomock's unique check reads through the maps: they must see the new document
                self._narrowing.stale()
            with self._narrowing.stale_on_error():
                result = self._collection.insert_one(document)
            self._narrowing.inserted(document)
            await self._journal([result.inserted_id])
            return result
        result, encoded = self._insert_by_id(document)
        self._narrowing.inserted(document)
        await self._journal([result.inserted_id], encoded)  # stored as decoded from it: the same bytes
        return result

    def _insert_by_id(self, document: dict[str, Any]) -> tuple[InsertOneResult, bytes]:
        """mongomock's insert_one where `_id` is the only unique key: its checks and stored copy, not its overhead;
        with the document's BSON, which the stored copy is decoded from.

        The same field-name checks (a NUL by BSON's encoder), BSON check, duplicate-key error and datetime
        truncation; left out are its per-document lock, TTL sweep and version parsing, which cost twice the insert
        itself (mongomock 4.3.0's `_insert`, pinned; tests/test_store_engine.py compares the two).
        """
        if any(key.startswith("$") for key in document):  # mongomock's _validate_data_fields, in its words
            raise InvalidDocument(f'Top-level field names cannot start with the "$" sign (found: {list(document)})')
        # BSON's encoder refuses a NUL in any field name, as mongomock's recursive check does, and more; its decoder
        # then gives the stored copy in half the time of a walk in Python: datetimes naive UTC to the millisecond,
        # tuples as lists, as _stored_form makes them, and Binary of subtype 0 as bytes, as MongoDB gives it back.
        encoded = BSON.encode(document)
        documents = self._collection._store._documents
        if document["_id"] in documents:
            raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)
        documents[document["_id"]] = decode(encoded, _STORED)
        return InsertOneResult(document["_id"], acknowledged=True), encoded

    async def find_one(self, filter: Any = None, projection: Any = None) -> dict[str, Any] | None:
        self._client.count()
        await self._client.settle()
        return self._find_one(filter, projection)

    def _find_one(self, filter: Any, projection: Any) -> dict[str, Any] | None:
        """`{"_id": x}`: the stored document copied (_read_form), or only the fields an inclusion projection asks
        (_project_ids); else mongomock's find_one."""
        if isinstance(filter, dict) and len(filter) == 1 and _scalar(filter.get("_id")):
            if projection is None:
                stored = self._documents().get(filter["_id"])
                return None if stored is None else _read_form(stored)
            projected = _project_ids(self._documents(), [filter["_id"]], projection)
            if projected is not None:
                return projected[0] if projected else None
        found: dict[str, Any] | None = self._collection.find_one(filter, projection)
        return found

    def find(self, filter: Any = None, projection: Any = None, **kwargs: Any) -> EmbeddedCursor:
        # PyMongo counts the command when the cursor is first read; counting here is equivalent
        # for the store, which reads every cursor it opens.
        self._client.count()
        return EmbeddedCursor(self._collection, filter, projection, kwargs, self._client)

    def _encodable(self, update: Any) -> None:
        """On the durable engine an update is encoded before it is applied: one that BSON refuses (a lone
        surrogate) must fail while memory and disk still agree, not after memory changed."""
        if self._client.journal is not None and isinstance(update, dict):
            BSON.encode(update)

    def _update_by_id(self, filter: Any, update: Any, upsert: bool) -> UpdateResult | None:
        """mongomock's update_one of one document named by `_id`, without its costs; None: mongomock's own path.

        The same filter check (filter_applies), the same updaters applied in place to the stored document
        (`_apply_update_document`) and the same datetime handling; left out are the deep copy of the whole
        document taken before (mongomock compares it after, to count the document modified) and the server
        version parsed on every call. Here the document counts as modified when a value at a path the update
        names differs from before (a list grown by $push / $addToSet: by its length), which is the same answer
        for the operators taken (_FAST_OPERATORS). Not taken: a collection with a unique index besides `_id`
        (mongomock rolls back from its copy), an upsert that inserts with a filter of more than `_id`, positional
        paths (mongomock 4.3.0, pinned; tests/store/test_engine.py compares the two paths)."""
        if self._unique_fields or not isinstance(filter, dict) or not _scalar(filter.get("_id")):
            return None
        paths = _fast_update_paths(update)
        if paths is None:
            return None
        stored = self._documents().get(filter["_id"])
        spec = filter if len(filter) == 1 else _stored_form(filter)  # an _id alone is a str or an int: as stored
        if stored is None and upsert and len(spec) == 1:
            return self._upsert_by_id(spec["_id"], spec, _stored_form(update))
        if stored is None or (len(spec) > 1 and not filter_applies(spec, stored)):
            if upsert:
                return None  # an insert, or a duplicate key: mongomock's path
            return UpdateResult({"n": 0, "nModified": 0, "upserted": None, "ok": 1}, acknowledged=True)
        # $setOnInsert is never applied to a document that exists: neither copied nor compared.
        update = {op: _stored_form(fields) for op, fields in update.items() if op != "$setOnInsert"}
        paths = [(op, p) for op, p in paths if op != "$setOnInsert"]
        before = [
            len(v) if op in _GROWING and isinstance(v := _at(stored, p), list) else _at(stored, p) for op, p in paths
        ]
        if update:  # mongomock's updaters given nothing clear the document (a $setOnInsert alone leaves nothing)
            self._collection._apply_update_document(stored, spec, update, False)
        modified = False
        for (op, path), old in zip(paths, before, strict=True):
            new = _at(stored, path)
            if op in _GROWING and isinstance(new, list):
                new = len(new)
            if new is not old and new != old:
                modified = True
                break
        result = {"n": 1, "nModified": int(modified), "upserted": None, "ok": 1, "updatedExisting": True}
        return UpdateResult(result, acknowledged=True)

    def _upsert_by_id(self, doc_id: Any, spec: dict[str, Any], update: dict[str, Any]) -> UpdateResult:
        """mongomock's upsert that inserts, for a filter of `_id` alone: the document `{_id}` with the update applied
        as an insert ($setOnInsert too, by mongomock's own updaters), stored as _insert_by_id stores a document."""
        document = {"_id": doc_id}
        self._collection._apply_update_document(document, spec, update, True)
        self._insert_by_id(document)  # journaled by the caller, once the whole command is applied
        result = {"n": 1, "nModified": 0, "upserted": doc_id, "ok": 1, "updatedExisting": False}
        return UpdateResult(result, acknowledged=True)

    def _update_one(self, filter: Any, update: Any, upsert: bool) -> Any:
        """One update, through _update_by_id where it applies, else mongomock's update_one."""
        validate_ok_for_update(update)
        fast = self._update_by_id(filter, update, upsert)
        return fast if fast is not None else self._collection.update_one(filter, update, upsert=upsert)

    async def update_one(self, filter: Any, update: Any, upsert: bool = False) -> Any:
        self._client.count()
        self._encodable(update)
        target = self._match_id(filter) if self._client.journal is not None else None
        rebuilds = self._narrowing.updating(filter, update, upsert)
        with self._narrowing.stale_on_error():
            result = self._update_one(filter, update, upsert)
        self._narrowing.updated(filter, update, upsert, rebuilds)
        if result.upserted_id is not None:
            await self._journal([result.upserted_id])
        elif result.modified_count:
            await self._journal([target])
        return result

    async def find_one_and_update(
        self,
        filter: Any,
        update: Any,
        projection: Any = None,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
    ) -> dict[str, Any] | None:
        self._client.count()
        if _positional(update):
            # mongomock 4.3 re-runs the update with `{_id}` alone, so `$` silently updates the
            # array's FIRST element, whatever the filter matched: refuse rather than corrupt.
            raise NotImplementedError("embedded engine: positional '$' in find_one_and_update (use update_one)")
        self._encodable(update)
        journaled = self._client.journal is not None
        target = self._match_id(filter) if journaled else None
        if journaled and upsert and target is None and return_document != ReturnDocument.AFTER:
            # The upserted document's generated id would be known to nobody: give the filter an _id.
            raise NotImplementedError("embedded engine: an upsert without _id must return the document after")
        rebuilds = self._narrowing.updating(filter, update, upsert)
        with self._narrowing.stale_on_error():
            result: dict[str, Any] | None = self._find_one_and_update_by_id(
                filter, update, projection, upsert, return_document
            )
            if result is _NOT_TAKEN:
                result = self._collection.find_one_and_update(
                    filter, update, projection=projection, upsert=upsert, return_document=return_document
                )
        self._narrowing.updated(filter, update, upsert, rebuilds)
        if result is not None or upsert:
            await self._journal([target if target is not None else (result or {}).get("_id")])
        return result

    def _find_one_and_update_by_id(
        self, filter: Any, update: Any, projection: Any, upsert: bool, return_document: bool
    ) -> Any:
        """mongomock's find_one_and_update where _update_by_id applies: the document copied once (before or after,
        as asked) where mongomock copies it twice and reads the filter twice; _NOT_TAKEN for mongomock's path."""
        if self._unique_fields or not isinstance(filter, dict) or not _scalar(filter.get("_id")):
            return _NOT_TAKEN
        validate_ok_for_update(update)
        if _fast_update_paths(update) is None:
            return _NOT_TAKEN
        doc_id = filter["_id"]
        stored = self._documents().get(doc_id)
        if stored is None or (
            len(filter) > 1 and not filter_applies(patch_datetime_awareness_in_document(filter), stored)
        ):
            if stored is None and upsert and len(filter) == 1:  # an insert (_upsert_by_id): nothing before it
                self._update_by_id({"_id": doc_id}, update, True)
                return None if return_document is ReturnDocument.BEFORE else self._find_one({"_id": doc_id}, projection)
            return _NOT_TAKEN if upsert else None
        old = None if return_document is ReturnDocument.AFTER else self._find_one({"_id": doc_id}, projection)
        if self._update_by_id({"_id": doc_id}, update, False) is None:
            raise AssertionError("the by-id update refused what it was given")  # the conditions above are its own
        return self._find_one({"_id": doc_id}, projection) if old is None else old

    async def bulk_write(self, requests: list[Any], ordered: bool = True) -> None:
        """Several updates in ONE command, as PyMongo sends a batch of them (UpdateOne only: what the store uses).

        Each is applied in order; like MongoDB's, the batch is not atomic as a whole (the statistics counters
        rely on each `$inc` alone). The result object is not reproduced: nothing reads it. On the durable engine
        every update is encoded before any is applied, and the documents the batch changed are journaled
        together: one wait for the disk, like any other write.
        """
        self._client.count()
        for request in requests:
            if not isinstance(request, UpdateOne):
                raise NotImplementedError(f"embedded engine: {type(request).__name__} in bulk_write")
            self._encodable(request._doc)
        journaled = self._client.journal is not None
        changed: list[Any] = []
        for request in requests:
            target = self._match_id(request._filter) if journaled else None
            rebuilds = self._narrowing.updating(request._filter, request._doc, bool(request._upsert))
            with self._narrowing.stale_on_error():
                result = self._update_one(request._filter, request._doc, bool(request._upsert))
            self._narrowing.updated(request._filter, request._doc, bool(request._upsert), rebuilds)
            if result.upserted_id is not None:
                changed.append(result.upserted_id)
            elif result.modified_count:
                changed.append(target)
        await self._journal(list(dict.fromkeys(changed)))

    async def delete_one(self, filter: Any) -> Any:
        self._client.count()
        target = self._match_id(filter) if self._client.journal is not None else None
        self._narrowing.stale()
        result = self._collection.delete_one(filter)
        if result.deleted_count:
            await self._journal([target])
        return result

    async def delete_many(self, filter: Any) -> Any:
        self._client.count()
        targets: list[Any] = []
        if self._client.journal is not None:
            spec = patch_datetime_awareness_in_document(filter or {})
            targets = [doc["_id"] for doc in self._collection._iter_documents(spec)]
        self._narrowing.stale()
        result = self._collection.delete_many(filter)
        documents = self._documents()
        await self._journal([t for t in targets if t not in documents])
        return result

    async def scan_ids(self, filter: Any, limit: int = 0, chunk: int = 200) -> list[Any]:
        """The ids of the documents matching `filter` (at most `limit`; 0: all), found by a scan that lets the event
        loop run between two chunks of `chunk` documents: a purge's search over a large collection
        (services/stats/retention.py) never holds up a request for the whole collection's time. The documents
        may change between two chunks: a caller's write stays conditional on what it matched."""
        self._client.count()
        await self._client.settle()
        spec = patch_datetime_awareness_in_document(filter or {})
        documents = self._documents()
        keys, found = list(documents), []
        for start in range(0, len(keys), chunk):
            for key in keys[start : start + chunk]:
                document = documents.get(key)
                if document is not None and filter_applies(spec, document):
                    found.append(key)
                    if limit and len(found) >= limit:
                        return found
            await asyncio.sleep(0)
        return found

    async def count_documents(self, filter: Any) -> int:
        self._client.count()
        await self._client.settle()
        exact = self._narrowing.exact_ids(filter)
        return len(exact) if exact is not None else self._collection.count_documents(filter)

    async def create_index(self, keys: Any, **kwargs: Any) -> str:
        # Not journaled: indexes are declared in code (store/indexes.py) and created at every start.
        self._client.count()
        # The TTL option is recorded and ignored: mongomock would honour it by scanning the whole
        # collection on every read and write (O(n) per command), and the services check ages
        # themselves wherever expiry matters.
        ttl = kwargs.pop("expireAfterSeconds", None)
        if ttl is not None:
            self.ttl_seconds = ttl
        if kwargs.get("unique"):
            self._unique_fields = True
        first = keys if isinstance(keys, str) else keys[0][0]
        self._narrowing.add_field(first)
        name: str = self._collection.create_index(keys, **kwargs)
        return name

    async def drop(self) -> None:
        self._client.count()
        self._narrowing.stale()
        self._collection.drop()
        journal = self._client.journal
        if journal is not None:
            seq = journal.append(record_drop(self._database, self.name))
            if not _DEFERRED.get():
                await journal.durable(seq)


class EmbeddedDatabase:
    def __init__(self, database: Any, client: EmbeddedClient) -> None:
        self._database = database
        self._client = client
        self._collections: dict[str, EmbeddedCollection] = {}
        self.name = database.name

    def __getitem__(self, name: str) -> EmbeddedCollection:
        return self.get_collection(name)

    def get_collection(self, name: str) -> EmbeddedCollection:
        if name not in self._collections:
            self._collections[name] = EmbeddedCollection(self._database[name], self._client, self.name)
        return self._collections[name]

    async def command(self, command: str | dict[str, Any]) -> dict[str, Any]:
        self._client.count()
        if command in ("ping", {"ping": 1}):
            return {"ok": 1.0}
        raise NotImplementedError(f"embedded engine: command {command!r}")

    async def list_collection_names(self) -> list[str]:
        self._client.count()
        names: list[str] = self._database.list_collection_names()
        return names


class EmbeddedClient:
    """Stands where `pymongo.AsyncMongoClient` stands for `mongomock://` (memory) and `embedded:<folder>` (durable).

    With a folder, the folder is locked for this process (a second one refuses to start), its
    snapshot and journals are replayed here before anything else runs, and writes are journaled.
    """

    def __init__(self, counter: Any = None, folder: str | None = None) -> None:
        self._client = MemoryClient(tz_aware=True)
        self._counter = counter
        self._databases: dict[str, EmbeddedDatabase] = {}
        self.journal: Journal | None = None
        self.loaded_documents = 0
        self.load_seconds = 0.0
        if folder is not None:
            began = time.perf_counter()
            journal = Journal(folder)
            try:
                self._replay(journal)
            except BaseException:
                journal.release()
                raise
            journal.source = self._snapshot_source
            self.journal = journal
            self.load_seconds = time.perf_counter() - began

    def _replay(self, journal: Journal) -> None:
        for record in journal.open().records:
            store = self._client[record["b"]][record["c"]]._store
            if "p" in record:
                store._documents[record["p"]["_id"]] = record["p"]
            elif "d" in record:
                store._documents.pop(record["d"], None)
            else:
                store.drop()
        self.loaded_documents = sum(
            len(self._client[db][c]._store._documents)
            for db in self._client.list_database_names()
            for c in self._client[db].list_collection_names()
        )

    def _snapshot_source(self) -> Iterator[tuple[str, str, Any, Any]]:
        for db in self._client.list_database_names():
            for name in self._client[db].list_collection_names():
                documents = self._client[db][name]._store._documents
                yield db, name, lambda documents=documents: list(documents), documents.get

    def documents(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Every stored document as (database, collection, document), not copied: read it, change nothing."""
        for db in self._client.list_database_names():
            for name in self._client[db].list_collection_names():
                for document in list(self._client[db][name]._store._documents.values()):
                    yield db, name, document

    def count(self) -> None:
        if self.journal is not None and self.journal.failed is not None:
            raise JournalFailed(f"embedded engine: the journal failed ({self.journal.failed})")
        if self._counter is not None:
            self._counter.count += 1

    async def settle(self) -> None:
        """Before a read: wait for writes still on their way to the disk, so no answer shows what a crash could
        undo (a deferred request waits once, before it answers, for everything it may have read)."""
        if self.journal is not None and not self.journal.settled and not _DEFERRED.get():
            await self.journal.durable()

    def barrier(self) -> Awaitable[None] | None:
        """What to await before answering: every write made so far on the disk (None: nothing to wait for)."""
        journal = self.journal
        if journal is None or journal.failed is not None or journal.settled:
            return None
        return journal.durable()

    def get_database(self, name: str) -> EmbeddedDatabase:
        # One wrapper per database: the collections' narrowing maps and unique-index flags live there.
        if name not in self._databases:
            self._databases[name] = EmbeddedDatabase(self._client[name], self)
        return self._databases[name]

    async def close(self) -> None:
        if self.journal is not None:
            await self.journal.close()
        self._client.close()
