"""One writer of cases, by construction: the database every service sees holds the `cases` collection read-only.

`guard(engine)` wraps the database of either engine (a PyMongo AsyncDatabase, the embedded one) once, where the
service context is built (app.service_context). Through it:
- `db["cases"]` and `db.get_collection("cases")` are a `ReadOnlyCases`: the reads only (find, find_one,
  count_documents, distinct, aggregate without `$out`/`$merge`, ...). Every write method is simply absent, so
  `insert_one`, `update_*`, `replace_one`, `delete_*`, `find_one_and_*`, `bulk_write`, `drop`, `rename`,
  `create_index` ... raise AttributeError at once, whichever name, constant or helper reached the collection;
- any other collection is the engine's own, except the ways back to `cases` a write could take: `aggregate`
  with a `$out`/`$merge` into cases, `rename` to cases, and `database`/`with_options`, which stay guarded;
- the database itself has no attribute access to collections (`db.cases` is an AttributeError), no `client`,
  and refuses a `command`, `aggregate`, `create_collection` or `drop_collection` that would change cases.

A writable handle is given by one function, `writable_cases(db)`, and the whole engine by `engine_of(db)`; who
calls them is listed by tests/test_architecture.py (the case writer, services/cases/moves.py; the store layer's
indexes and blobs; the tests' own helpers in tests/support/). Python can always reach a private attribute: the
guard closes every public way, which is what a mistake or a shortcut would take.

Its cost is a dictionary lookup per collection reached and one call per read of cases (bench/bench_intake.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CASES = "cases"
# Pipeline stages that write their results into a collection.
_WRITING_STAGES = ("$out", "$merge")
# Database commands that only read, allowed to name cases (a command naming cases otherwise changes it).
_READ_COMMANDS = frozenset(
    {"find", "count", "distinct", "aggregate", "listindexes", "collstats", "datasize", "explain", "validate", "ping"}
)
WHERE_CASES_CHANGE = "a case changes only through services/cases/moves.py"


class WriteRefused(RuntimeError):
    """A write to the cases collection through the read-only database (a command, a pipeline, a drop)."""


def _names_cases(value: Any) -> bool:
    """`cases`, `<database>.cases`, or `{"db": ..., "coll": "cases"}`."""
    if isinstance(value, str):
        return value == CASES or value.endswith("." + CASES)
    if isinstance(value, Mapping):
        return _names_cases(value.get("coll")) or _names_cases(value.get("into"))
    return False


def writes_into_cases(pipeline: Any, *, any_output: bool = False) -> bool:
    """Whether an aggregation pipeline writes into cases (with `any_output`: writes anywhere, as a pipeline
    over cases itself may not)."""
    if not isinstance(pipeline, Iterable) or isinstance(pipeline, str | bytes | Mapping):
        return False
    for stage in pipeline:
        if isinstance(stage, Mapping):
            for name in _WRITING_STAGES:
                if name in stage and (any_output or _names_cases(stage[name])):
                    return True
    return False


def _check_pipeline(pipeline: Any, *, any_output: bool = False) -> None:
    if writes_into_cases(pipeline, any_output=any_output):
        raise WriteRefused(f"an aggregation with $out or $merge into cases: {WHERE_CASES_CHANGE}")


def _command_changes_cases(command: Any, value: Any, kwargs: Mapping[str, Any]) -> bool:
    spec: dict[str, Any] = {command: value, **kwargs} if isinstance(command, str) else dict(command)
    if not spec:
        return False
    name = str(next(iter(spec)))
    if name.lower() == "aggregate":
        return writes_into_cases(spec.get("pipeline"), any_output=_names_cases(spec[name]))
    return name.lower() not in _READ_COMMANDS and any(_names_cases(v) for v in spec.values())


class ReadOnlyCases:
    """The cases collection as every service but the case writer sees it: reads only.

    A write method does not exist here: `insert_one`, `update_one`... raise AttributeError, naming the writer.
    """

    def __init__(self, collection: Any, db: GuardedDatabase) -> None:
        self._inner = collection
        self._db = db
        self.name: str = collection.name

    def __repr__(self) -> str:
        return f"ReadOnlyCases({self.name!r})"

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"the cases collection is read-only here: no {name!r} ({WHERE_CASES_CHANGE})")

    @property
    def database(self) -> GuardedDatabase:
        return self._db

    def find(self, *args: Any, **kwargs: Any) -> Any:
        return self._inner.find(*args, **kwargs)

    @property
    def scan_ids(self) -> Any:
        """The embedded engine's scan that yields between chunks (store.matching_ids); AttributeError elsewhere."""
        return self._inner.scan_ids

    async def find_one(self, *args: Any, **kwargs: Any) -> Any:
        return await self._inner.find_one(*args, **kwargs)

    async def count_documents(self, *args: Any, **kwargs: Any) -> int:
        count: int = await self._inner.count_documents(*args, **kwargs)
        return count

    async def estimated_document_count(self, *args: Any, **kwargs: Any) -> int:
        count: int = await self._inner.estimated_document_count(*args, **kwargs)
        return count

    async def distinct(self, *args: Any, **kwargs: Any) -> list[Any]:
        values: list[Any] = await self._inner.distinct(*args, **kwargs)
        return values

    async def aggregate(self, pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        _check_pipeline(pipeline, any_output=True)
        return await self._inner.aggregate(pipeline, *args, **kwargs)

    async def watch(self, pipeline: Any = None, *args: Any, **kwargs: Any) -> Any:
        _check_pipeline(pipeline, any_output=True)
        return await self._inner.watch(pipeline, *args, **kwargs)

    def list_indexes(self, *args: Any, **kwargs: Any) -> Any:
        return self._inner.list_indexes(*args, **kwargs)

    async def index_information(self, *args: Any, **kwargs: Any) -> Any:
        return await self._inner.index_information(*args, **kwargs)

    def with_options(self, *args: Any, **kwargs: Any) -> ReadOnlyCases:
        return ReadOnlyCases(self._inner.with_options(*args, **kwargs), self._db)


class GuardedCollection:
    """Any other collection: the engine's own methods, but none that leads to cases."""

    def __init__(self, collection: Any, db: GuardedDatabase) -> None:
        self._inner = collection
        self._db = db

    def __repr__(self) -> str:
        return f"GuardedCollection({self._inner.name!r})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __getitem__(self, name: str) -> Any:  # a sub-collection (`fs.chunks`): never cases itself
        return GuardedCollection(self._inner[name], self._db)

    @property
    def database(self) -> GuardedDatabase:
        return self._db

    def with_options(self, *args: Any, **kwargs: Any) -> GuardedCollection:
        return GuardedCollection(self._inner.with_options(*args, **kwargs), self._db)

    async def aggregate(self, pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        _check_pipeline(pipeline)
        return await self._inner.aggregate(pipeline, *args, **kwargs)

    async def aggregate_raw_batches(self, pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        _check_pipeline(pipeline)
        return await self._inner.aggregate_raw_batches(pipeline, *args, **kwargs)

    async def rename(self, new_name: str, *args: Any, **kwargs: Any) -> Any:
        if _names_cases(new_name):
            raise WriteRefused(f"renaming a collection over cases: {WHERE_CASES_CHANGE}")
        return await self._inner.rename(new_name, *args, **kwargs)


class GuardedDatabase:
    """The database every service sees (ServiceContext.db): collections by name, cases read-only."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._inners: dict[str, ReadOnlyCases | GuardedCollection] = {}
        self._writable: Any = None
        self.name: str = engine.name

    def __repr__(self) -> str:
        return f"GuardedDatabase({self.name!r})"

    def __getattr__(self, name: str) -> Any:
        # PyMongo gives collections as attributes (`db.cases`); here only `db["name"]` does, so none slips by.
        raise AttributeError(f"no {name!r} on the service database: reach a collection as db[{name!r}]")

    def __getitem__(self, name: str) -> Any:
        found = self._inners.get(name)
        if found is None:
            found = self._inners[name] = self._wrap(self._engine.get_collection(name), name)
        return found

    def _wrap(self, collection: Any, name: str) -> ReadOnlyCases | GuardedCollection:
        return ReadOnlyCases(collection, self) if name == CASES else GuardedCollection(collection, self)

    def get_collection(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:
            return self[name]
        return self._wrap(self._engine.get_collection(name, *args, **kwargs), name)

    def with_options(self, *args: Any, **kwargs: Any) -> GuardedDatabase:
        return GuardedDatabase(self._engine.with_options(*args, **kwargs))

    async def command(self, command: Any, value: Any = 1, *args: Any, **kwargs: Any) -> Any:
        if _command_changes_cases(command, value, kwargs):
            raise WriteRefused(f"a database command that changes cases: {WHERE_CASES_CHANGE}")
        if isinstance(command, str) and value == 1 and not args and not kwargs:
            return await self._engine.command(command)  # the embedded engine takes `ping` alone
        return await self._engine.command(command, value, *args, **kwargs)

    async def aggregate(self, pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        _check_pipeline(pipeline)
        return await self._engine.aggregate(pipeline, *args, **kwargs)

    async def list_collection_names(self, *args: Any, **kwargs: Any) -> list[str]:
        names: list[str] = await self._engine.list_collection_names(*args, **kwargs)
        return names

    async def create_collection(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if _names_cases(name):
            raise WriteRefused(f"creating cases outside the store: {WHERE_CASES_CHANGE}")
        return GuardedCollection(await self._engine.create_collection(name, *args, **kwargs), self)

    async def drop_collection(self, name: Any, *args: Any, **kwargs: Any) -> Any:
        if _names_cases(getattr(name, "name", name)):
            raise WriteRefused(f"dropping cases: {WHERE_CASES_CHANGE}")
        return await self._engine.drop_collection(name, *args, **kwargs)


def guard(engine: Any) -> GuardedDatabase:
    """The service database over a PyMongo AsyncDatabase or the embedded engine's (a guarded one stays as it is)."""
    return engine if isinstance(engine, GuardedDatabase) else GuardedDatabase(engine)


def _guarded(db: Any) -> GuardedDatabase:
    if not isinstance(db, GuardedDatabase):
        raise TypeError(f"expected the service database (store.guard.guard), not {type(db).__name__}")
    return db


def writable_cases(db: GuardedDatabase) -> Any:
    """THE writable handle on cases: for the case writer, the store's own upkeep and the tests' helpers only
    (tests/test_architecture.py lists every caller)."""
    guarded = _guarded(db)
    if guarded._writable is None:
        guarded._writable = guarded._engine.get_collection(CASES)
    return guarded._writable


def engine_of(db: GuardedDatabase) -> Any:
    """The engine's own database under the guard, every collection writable: for the store layer (GridFS wants
    PyMongo's own database) and the tests' helpers only (listed by tests/test_architecture.py)."""
    return _guarded(db)._engine
