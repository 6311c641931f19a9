"""SMS providers: the interface every gateway adapter implements, and the provider that sends nothing.

A real gateway's adapter is still to be written; the stand-in for development, tests and the demo
is standins/sms.py. Which one runs is chosen in app.py from `SMS_PROVIDER`.
"""

from __future__ import annotations

from typing import Protocol


class SmsUnavailable(Exception):
    """The SMS provider did not take the message."""


class SmsProvider(Protocol):
    """Sends a code, or a notice by its key (services/accounts/sms_codes.NOTICES); raises SmsUnavailable."""

    async def send_code(self, mobile: str, code: str, purpose: str) -> None: ...

    async def send_notice(self, mobile: str, notice: str) -> None: ...


class NoSms:
    """SMS_PROVIDER=none: no provider configured; registration and reset by SMS answer 503."""

    async def send_code(self, mobile: str, code: str, purpose: str) -> None:
        raise SmsUnavailable("no SMS provider configured (SMS_PROVIDER=none)")

    async def send_notice(self, mobile: str, notice: str) -> None:
        raise SmsUnavailable("no SMS provider configured (SMS_PROVIDER=none)")
