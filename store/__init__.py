"""The case store's connection: a real MongoDB through PyMongo's asyncio API, or the embedded engine."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pymongo.uri_parser import parse_uri

from store.embedded import (
    DURABLE_URI_PREFIX,
    EMBEDDED_URI_PREFIX,
    EmbeddedClient,
    defer_durability,
    durability_deferred,
)
from store.journal import StoreError

__all__ = [
    "CommandCounter",
    "Generations",
    "StoreError",
    "compact_now",
    "connect",
    "defer_durability",
    "describe",
    "durability_barrier",
    "durability_deferred",
    "embedded_folder",
    "generations",
    "is_embedded",
    "matching_ids",
]


def durability_barrier(client: Any) -> Awaitable[None] | None:
    """On the durable embedded engine, what to await before answering a request whose writes were
    deferred (defer_durability); None elsewhere (a MongoDB acknowledges each write itself)."""
    return client.barrier() if isinstance(client, EmbeddedClient) else None


@dataclass(frozen=True)
class Generations:
    """Where the durable embedded engine's files stand, for a purge that must know when what it removed has left
    the disk (store/journal.py). Every write goes to journal `current`; a compaction starts journal n+1, writes a
    snapshot from memory and removes the journals before it; `oldest` is the oldest journal whose contents are
    still in the folder's files. So a document overwritten or deleted while `current` was g is gone from every
    file of the folder once `oldest` > g (`compact_now` gets there at once). Backups taken before keep it."""

    current: int
    oldest: int


def generations(client: Any) -> Generations | None:
    """The engine's generations; None on the memory engine (nothing on a disk) and on a MongoDB (its storage
    engine reclaims space itself: nothing here can tell when an old value left its files)."""
    journal = client.journal if isinstance(client, EmbeddedClient) else None
    return Generations(journal.generation, journal.oldest_generation) if journal is not None else None


async def compact_now(client: Any) -> bool:
    """Compact the durable embedded engine now (a snapshot of memory, older journals removed): True once done;
    False on any other engine."""
    journal = client.journal if isinstance(client, EmbeddedClient) else None
    if journal is None:
        return False
    await journal.compact_now()
    return True


async def matching_ids(collection: Any, filter: dict[str, Any], limit: int = 0) -> list[Any]:
    """The ids of the documents matching `filter` (at most `limit`; 0: all), for work done in batches by id (the
    retention job): on the embedded engine by a scan that yields to the event loop between chunks (its filters
    would otherwise check the whole collection at once); on a MongoDB by its cursor, batch by batch."""
    scan = getattr(collection, "scan_ids", None)
    if scan is not None:
        found: list[Any] = await scan(filter, limit)
        return found
    cursor = collection.find(filter, {"_id": 1})
    if limit:
        cursor = cursor.limit(limit)
    return [doc["_id"] async for doc in cursor]


DEFAULT_DATABASE = "mediation"


class CommandCounter(monitoring.CommandListener):
    """Counts database commands (PyMongo command monitoring; the embedded engine counts the same way)."""

    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def is_embedded(uri: str) -> bool:
    """The embedded engine, in memory (`mongomock://`) or durable in a folder (`embedded:<folder>`)."""
    return uri.startswith((EMBEDDED_URI_PREFIX, DURABLE_URI_PREFIX))


def embedded_folder(uri: str) -> str:
    """The folder of `embedded:<folder>`; empty for any other engine."""
    return uri[len(DURABLE_URI_PREFIX) :] if uri.startswith(DURABLE_URI_PREFIX) else ""


def describe(uri: str) -> dict[str, Any]:
    """Which engine `uri` selects and whether an acknowledged write survives a crash (for /readyz and the log)."""
    if uri.startswith(EMBEDDED_URI_PREFIX):
        return {"engine": "embedded-memory", "durable": False}
    if uri.startswith(DURABLE_URI_PREFIX):
        return {"engine": "embedded", "durable": True}
    return {"engine": "mongodb", "durable": True}  # write concern majority, journaled by the replica set


def connect(uri: str, counter: CommandCounter | None = None, database: str = "") -> tuple[Any, Any]:
    """Return (client, database) for `uri`; must be called on the event loop that will use it.

    `embedded:<folder>` locks the folder and replays it here: StoreError when another process holds it.
    """
    if uri.startswith(DURABLE_URI_PREFIX):
        folder = embedded_folder(uri)
        if not folder.strip():
            raise StoreError("MONGODB_URI=embedded: needs a folder, e.g. embedded:var/db")
        client: Any = EmbeddedClient(counter, folder)
        return client, client.get_database(database or DEFAULT_DATABASE)
    if is_embedded(uri):
        client = EmbeddedClient(counter)
        name = database or uri[len(EMBEDDED_URI_PREFIX) :].strip("/") or DEFAULT_DATABASE
        return client, client.get_database(name)
    options: dict[str, Any] = {}
    if "serverselectiontimeoutms" not in uri.lower():
        options["serverSelectionTimeoutMS"] = 5000  # a database that is down gives a 503 in seconds
    client = AsyncMongoClient(
        uri,
        **options,
        tz_aware=True,
        w="majority",
        retryWrites=True,
        event_listeners=[counter] if counter else [],
    )
    name = database or parse_uri(uri).get("database") or DEFAULT_DATABASE
    return client, client.get_database(name)
