"""The tests' own handles on the store, beyond what a service is given.

Services see the cases collection read-only (store/guard.py); a test that must put a case in a state no service
would (a status set by hand, a date moved back, a case removed) takes the writable handle here, and a test that
watches every call takes the engine's database. tests/test_architecture.py lists who asks for either.
"""

from __future__ import annotations

from typing import Any

from store.guard import GuardedDatabase, engine_of, writable_cases


def _db(ctx_or_db: Any) -> GuardedDatabase:
    db = getattr(ctx_or_db, "db", ctx_or_db)
    assert isinstance(db, GuardedDatabase), f"a service context or its database, not {type(db).__name__}"
    return db


def cases_for_setup(ctx_or_db: Any) -> Any:
    """The cases collection, writable: to prepare a case for a test, never to stand in for a service's write."""
    return writable_cases(_db(ctx_or_db))


def engine(ctx_or_db: Any) -> Any:
    """The engine's own database under the service database (every collection writable)."""
    return engine_of(_db(ctx_or_db))
