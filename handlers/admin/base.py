"""The administrative front's base: ADMIN_TOKEN from a peer on this machine, checked before anything runs."""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from handlers.access import ADMIN_TOKEN
from handlers.base import ApiHandler
from services.accounts import audit
from services.core.errors import ServiceError

OPERATOR = "admin_token"  # who an administrative call's record names: whoever holds ADMIN_TOKEN on this machine
OPERATOR_ROLE = "operator"
# A request relayed by a proxy comes from this machine too: one carrying a relay's headers is refused.
RELAY_HEADERS = ("X-Real-Ip", "X-Forwarded-For", "Forwarded")


def from_this_machine(address: Any) -> bool:
    """Whether the connection's own peer (not a header's claim) is a loopback address."""
    if not isinstance(address, tuple) or not address or not isinstance(address[0], str):
        return False
    try:
        return ipaddress.ip_address(address[0].split("%")[0]).is_loopback
    except ValueError:
        return False


class AdminHandler(ApiHandler):
    """JSON (or a stream) for manage.py on this machine. Refused, before any method runs: everyone while the
    server has no ADMIN_TOKEN (403 admin_disabled); a peer that is not loopback, or a relayed request (403
    admin_not_local); a request without `Authorization: Bearer <ADMIN_TOKEN>` (401 admin_token_invalid)."""

    proof = ADMIN_TOKEN

    def prepare(self) -> None:
        super().prepare()
        token = self.ctx.settings.admin_token
        if not token:
            raise ServiceError(403, "admin_disabled")
        context = getattr(self.request.connection, "context", None)
        relayed = any(name in self.request.headers for name in RELAY_HEADERS)
        if relayed or not from_this_machine(getattr(context, "address", None)):
            raise ServiceError(403, "admin_not_local")
        given = self.request.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise ServiceError(401, "admin_token_invalid")

    async def record_look(self, what: str) -> None:
        """The operator's look (a backup holds every record): who (the token's holder), what, when."""
        await audit.record_actor(self.ctx, OPERATOR, OPERATOR_ROLE, "", what, "")
