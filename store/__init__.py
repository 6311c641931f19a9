"""The case store's connection: a real MongoDB through PyMongo's asyncio API, or the embedded engine."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pymongo.uri_parser import parse_uri

from store.embedded import EMBEDDED_URI_PREFIX, EmbeddedClient

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
    return uri.startswith(EMBEDDED_URI_PREFIX)


def connect(uri: str, counter: CommandCounter | None = None, database: str = "") -> tuple[Any, Any]:
    """Return (client, database) for `uri`; must be called on the event loop that will use it."""
    if is_embedded(uri):
        client: Any = EmbeddedClient(counter)
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
