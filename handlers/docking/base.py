"""The docking front's own base: every request is authenticated by its partner's signature before anything else.

A body may carry a delegation's documents (base64), larger than the JSON API's limit: it is received here up to
MAX_BODY_BYTES and checked whole (the signature covers SM3 of exactly these bytes). A missing, bad, stale or
replayed signature is a 401 in the JSON error shape and nothing is read or written (services/court/signing.py).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.web

from handlers.access import METHODS, PARTNER_SIGNATURE
from handlers.base import ApiHandler, clean_json, load_json
from services.accounts import audit
from services.core.errors import ServiceError
from services.core.numbers import read_whole
from services.court import signing
from settings import Partner

MAX_BODY_BYTES = 32 * 1024 * 1024  # a delegation with its documents (base64 adds a third)
HARD_BODY_SLACK = 1024 * 1024  # Tornado's own limit sits above ours, so ours (a JSON 413) answers first


def _after_signature(method: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """The method, run only once the whole body has arrived and the signature over it is verified."""

    @functools.wraps(method)
    async def signed(self: DockingHandler, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "partner", None) is None:  # once per request (a method calling another)
            self.partner = await self.verified_partner()
        await method(self, *args, **kwargs)

    return signed


@tornado.web.stream_request_body
class DockingHandler(ApiHandler):
    """Signed JSON in, JSON out, for courts and arbitration institutes.

    Every request needs a partner's signature: its headers are checked in `prepare`, before a byte of the body is
    read; the signature over the body once the body is in, before the method runs (each method a subclass defines
    is wrapped so, at class creation). The method finds the partner in `self.partner`."""

    proof = PARTNER_SIGNATURE
    partner: Partner  # the partner whose signature this request carries (set before the method runs)
    _received: bytearray
    _too_large = False
    _claim: signing.Claim

    async def record_look(self, what: str) -> None:
        """A partner's look at a case it delegated: the partner, the case (its serial and the partner's number)."""
        partner = getattr(self, "partner", None)
        who = partner.id if partner is not None else ""
        await audit.record_actor(self.ctx, who, audit.PARTNER_ROLE, "", what, self.looked_at(), **self.look_details())

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in METHODS:
            method = vars(cls).get(name)
            if method is not None:
                setattr(cls, name, _after_signature(method))

    def prepare(self) -> None:
        super().prepare()
        self._received = bytearray()
        # The headers first: a request no partner signed is refused before its body is read.
        self._claim = signing.claim_of(self.ctx, self.request.headers)
        self.limit_body(MAX_BODY_BYTES + HARD_BODY_SLACK)
        declared = read_whole(self.request.headers.get("Content-Length", ""))
        if declared is not None and declared > MAX_BODY_BYTES:
            raise ServiceError(413, "body_too_large")

    def data_received(self, chunk: bytes) -> None:
        if self._finished:  # refused in prepare: what still arrives is not kept
            return
        if len(self._received) + len(chunk) > MAX_BODY_BYTES:
            self._too_large = True
            return
        self._received += chunk

    async def verified_partner(self) -> Partner:
        """The partner whose signature this request carries (401 otherwise; 413 for a body past the limit)."""
        if self._too_large:
            raise ServiceError(413, "body_too_large")
        return await signing.verify(
            self.ctx,
            self.request.method or "",
            self.request.uri or "",
            self.request.headers,
            bytes(self._received),
            self._claim,
        )

    def body_object(self, optional: bool = False) -> dict[str, Any]:
        """The signed body as a JSON object (`optional`: an empty body is {})."""
        if optional and not self._received:
            return {}
        if not self.request.headers.get("Content-Type", "").startswith("application/json"):
            raise ServiceError(415, "json_required")
        body = load_json(bytes(self._received))
        if not isinstance(body, dict):
            raise ServiceError(400, "body_not_object")
        # A document's base64 is checked strictly where it is decoded (an unseen character or a surrogate in it is a
        # 422 naming it): cleaning hundreds of kilobytes of it as text would cost more than the whole delegation.
        documents = body.get("documents")
        contents: dict[int, str] = {}
        for i, item in enumerate(documents if isinstance(documents, list) else []):
            if isinstance(item, dict) and isinstance(item.get("content_base64"), str):
                contents[i] = item["content_base64"]
                item["content_base64"] = ""
        cleaned = clean_json(body)
        for i, content in contents.items():
            cleaned["documents"][i]["content_base64"] = content
        return cleaned
