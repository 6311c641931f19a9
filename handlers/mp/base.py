"""The mini-program's base handler: JSON, and the caller proved by our bearer token (stateless, short-lived)."""

from __future__ import annotations

from handlers.access import MP_TOKEN, OWN_DATA
from handlers.base import ApiHandler
from handlers.pages import record_own_look
from services.accounts import consents
from services.core.errors import Unauthorized

CHANNEL = "mp"


class MpHandler(ApiHandler):
    """The bearer token is read (and checked against sign-outs) in `prepare`: every method needs it unless it is
    declared otherwise (signing in, the invitation's link), and a caller without a good one gets the 401 before
    the method runs. `person_id()` answers from it."""

    proof = MP_TOKEN
    personal_data = OWN_DATA  # the token's person reads their own cases and files (handlers/access.py)
    _person: str | None = None
    _issued_ms = 0  # when the token was issued (ms): a copy of one's data asks for a recent one
    _token_problem: Unauthorized | None = None

    async def prepare(self) -> None:
        super().prepare()
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            self._token_problem = Unauthorized("token_missing")
        else:
            try:
                person, issued = self.services.tokens.read(token.strip())
                await self.services.sign_outs.check(self.ctx, person, issued)
            except Unauthorized as exc:
                self._token_problem = exc
            else:
                self._person, self._issued_ms = person, issued
        if self._person is None and self.proof_required():
            raise self._token_problem or Unauthorized("token_missing")

    async def notice_read(self) -> None:
        """New processing (a draft, an upload, subscribe messages) waits until the person read the notice in force,
        when they accepted an older one: 409 `consent_required` with its version and what changed
        (services/accounts/consents.py). Nothing of a case already made waits for it."""
        await consents.require_current_notice(self.ctx, self.person_id())

    async def record_look(self, what: str) -> None:
        await record_own_look(self, self._person or "", what)

    def person_id(self) -> str:
        """The signed-in person (`Authorization: Bearer <token>` from POST /api/mp/session): every method that
        needs one is reached only with one (prepare)."""
        if self._person is None:  # a method declared otherwise asked for a person: a 401 as prepare gives
            raise self._token_problem or Unauthorized("token_missing")
        return self._person
