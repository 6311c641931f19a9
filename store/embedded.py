"""The embedded engine: an async adapter over mongomock covering exactly the calls the store makes.

mongomock keeps everything in memory for one process. Its calls never block on I/O, so each
adapter method runs synchronously inside the coroutine: an update is atomic with respect to
every other task on the loop, which is what the store relies on (one update_one per move).
"""

from __future__ import annotations

from typing import Any

import mongomock
from pymongo import ReturnDocument

EMBEDDED_URI_PREFIX = "mongomock://"


class EmbeddedCursor:
    """The subset of AsyncCursor the store uses: sort, skip, limit, to_list and async iteration."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def sort(self, key_or_list: Any, direction: int | None = None) -> EmbeddedCursor:
        if direction is None:
            self._cursor = self._cursor.sort(key_or_list)
        else:
            self._cursor = self._cursor.sort(key_or_list, direction)
        return self

    def skip(self, n: int) -> EmbeddedCursor:
        self._cursor = self._cursor.skip(n)
        return self

    def limit(self, n: int) -> EmbeddedCursor:
        self._cursor = self._cursor.limit(n)
        return self

    async def to_list(self, length: int | None = None) -> list[dict]:
        if length is None:
            return list(self._cursor)
        out = []
        for doc in self._cursor:
            out.append(doc)
            if len(out) >= length:
                break
        return out

    def __aiter__(self) -> EmbeddedCursor:
        return self

    async def __anext__(self) -> dict:
        try:
            return next(self._cursor)
        except StopIteration:
            raise StopAsyncIteration from None


class EmbeddedCollection:
    """Async methods with PyMongo's names and arguments, each counted as one database command."""

    def __init__(self, collection: Any, client: EmbeddedClient) -> None:
        self._collection = collection
        self._client = client
        self.name = collection.name

    async def insert_one(self, document: dict) -> Any:
        self._client.count()
        return self._collection.insert_one(document)

    async def find_one(self, filter: Any = None, projection: Any = None) -> dict | None:
        self._client.count()
        return self._collection.find_one(filter, projection)

    def find(self, filter: Any = None, projection: Any = None, **kwargs: Any) -> EmbeddedCursor:
        # PyMongo counts the command when the cursor is first read; counting here is equivalent
        # for the store, which reads every cursor it opens.
        self._client.count()
        return EmbeddedCursor(self._collection.find(filter, projection, **kwargs))

    async def update_one(self, filter: Any, update: Any, upsert: bool = False) -> Any:
        self._client.count()
        return self._collection.update_one(filter, update, upsert=upsert)

    async def find_one_and_update(
        self,
        filter: Any,
        update: Any,
        projection: Any = None,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
    ) -> dict | None:
        self._client.count()
        return self._collection.find_one_and_update(
            filter, update, projection=projection, upsert=upsert, return_document=return_document
        )

    async def delete_one(self, filter: Any) -> Any:
        self._client.count()
        return self._collection.delete_one(filter)

    async def delete_many(self, filter: Any) -> Any:
        self._client.count()
        return self._collection.delete_many(filter)

    async def count_documents(self, filter: Any) -> int:
        self._client.count()
        return self._collection.count_documents(filter)

    async def create_index(self, keys: Any, **kwargs: Any) -> str:
        self._client.count()
        # mongomock does not expire documents; the TTL option is recorded and ignored, and the
        # services check ages themselves wherever expiry matters.
        return self._collection.create_index(keys, **kwargs)

    async def drop(self) -> None:
        self._client.count()
        self._collection.drop()


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
            self._collections[name] = EmbeddedCollection(self._database[name], self._client)
        return self._collections[name]

    async def command(self, command: str | dict) -> dict:
        self._client.count()
        if command in ("ping", {"ping": 1}):
            return {"ok": 1.0}
        raise NotImplementedError(f"embedded engine: command {command!r}")

    async def list_collection_names(self) -> list[str]:
        self._client.count()
        return self._database.list_collection_names()


class EmbeddedClient:
    """Stands where `pymongo.AsyncMongoClient` stands when MONGODB_URI is `mongomock://`."""

    def __init__(self, counter: Any = None) -> None:
        self._client = mongomock.MongoClient(tz_aware=True)
        self._counter = counter

    def count(self) -> None:
        if self._counter is not None:
            self._counter.count += 1

    def get_database(self, name: str) -> EmbeddedDatabase:
        return EmbeddedDatabase(self._client[name], self)

    async def close(self) -> None:
        self._client.close()
