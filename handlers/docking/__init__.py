"""Courts and arbitration institutes calling us (`/api/docking/`), every request signed with HMAC-SM3
(docs/contracts.md#signing-both-directions)."""

from handlers.docking.api import routes

__all__ = ["routes"]
