"""SMS providers: the interface every gateway adapter implements, and the provider that sends nothing.

A real gateway's adapter is still to be written; the stand-in for development, tests and the demo
is standins/sms.py. Which one runs is chosen in app.py from `SMS_PROVIDER`. Numbers are E.164
(+8613812345678, +85261234567): gateways in China send to other countries too, at their own price.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class SmsUnavailable(Exception):
    """The SMS provider did not take the message (down, timed out, over its own limit): try again later."""


class SmsRefused(Exception):
    """The provider will never take this message (no gateway configured, a number it cannot reach)."""


class SmsProvider(Protocol):
    """Sends a code, a notice by its key (services/accounts/sms_codes.NOTICES), or a notification through one
    of the gateway's templates; raises SmsUnavailable (try again) or SmsRefused (do not)."""

    async def send_code(self, mobile: str, code: str, purpose: str) -> None: ...

    async def send_notice(self, mobile: str, notice: str) -> None: ...

    async def send_message(self, mobile: str, template_id: str, params: Mapping[str, str]) -> str:
        """A templated message (the gateway's own template id and its parameters); returns the gateway's id."""
        ...


class NoSms:
    """SMS_PROVIDER=none: no provider configured; registration and reset by SMS answer 503, notifications fail."""

    async def send_code(self, mobile: str, code: str, purpose: str) -> None:
        raise SmsUnavailable("no SMS provider configured (SMS_PROVIDER=none)")

    async def send_notice(self, mobile: str, notice: str) -> None:
        raise SmsUnavailable("no SMS provider configured (SMS_PROVIDER=none)")

    async def send_message(self, mobile: str, template_id: str, params: Mapping[str, str]) -> str:
        raise SmsRefused("no SMS provider configured (SMS_PROVIDER=none)")
