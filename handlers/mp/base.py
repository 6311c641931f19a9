"""The mini-program's base handler: JSON, and the caller proved by our bearer token (stateless, short-lived)."""

from __future__ import annotations

from handlers.base import ApiHandler
from services.core.errors import Unauthorized

CHANNEL = "mp"


class MpHandler(ApiHandler):
    def person_id(self) -> str:
        """The signed-in person (`Authorization: Bearer <token>` from POST /api/mp/session); 401 otherwise."""
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("token_missing")
        return self.services.tokens.person_of(token.strip())
