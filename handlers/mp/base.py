"""The mini-program's base handler: JSON, and the caller proved by our bearer token (stateless, short-lived)."""

from __future__ import annotations

from handlers.base import ApiHandler
from services.core.errors import Unauthorized

CHANNEL = "mp"


class MpHandler(ApiHandler):
    """The bearer token is read (and checked against sign-outs) in `prepare`; `person_id()` answers from it."""

    _person: str | None = None
    _token_problem: Unauthorized | None = None

    async def prepare(self) -> None:
        super().prepare()
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            self._token_problem = Unauthorized("token_missing")
            return
        try:
            person, issued = self.services.tokens.read(token.strip())
            await self.services.sign_outs.check(self.ctx, person, issued)
        except Unauthorized as exc:
            self._token_problem = exc  # raised where a person is needed: signing in needs none
            return
        self._person = person

    def person_id(self) -> str:
        """The signed-in person (`Authorization: Bearer <token>` from POST /api/mp/session); 401 otherwise."""
        if self._person is None:
            raise self._token_problem or Unauthorized("token_missing")
        return self._person
