"""A stand-in SMS provider: records every message and logs codes, sends nothing (development, tests, the demo)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from platforms.sms import SmsUnavailable
from services.core.phones import e164, mask_phone

log = logging.getLogger("mediation.sms")


@dataclass
class SentSms:
    mobile: str
    code: str  # empty for a notice or a templated message
    purpose: str
    at: datetime
    notice: str = ""
    template_id: str = ""  # a templated message (a notification): the gateway's template and its parameters
    params: dict[str, str] = field(default_factory=dict)
    message_id: str = ""


@dataclass
class RecordingSms:
    """The stand-in provider (development, tests, demo): records every message and logs it, sends nothing."""

    sent: list[SentSms] = field(default_factory=list)
    down: bool = False  # a test makes the provider fail

    async def send_code(self, mobile: str, code: str, purpose: str) -> None:
        if self.down:
            raise SmsUnavailable("stand-in told to fail")
        self.sent.append(SentSms(mobile, code, purpose, datetime.now(UTC)))
        # The demo has no phone: the code is in the server's log (development only; production refuses this provider).
        log.warning("SMS stand-in: %s code for %s is %s", purpose, mask_phone(mobile), code)

    async def send_notice(self, mobile: str, notice: str) -> None:
        if self.down:
            raise SmsUnavailable("stand-in told to fail")
        self.sent.append(SentSms(mobile, "", "", datetime.now(UTC), notice))
        log.warning("SMS stand-in: notice %s to %s", notice, mask_phone(mobile))

    async def send_message(self, mobile: str, template_id: str, params: Mapping[str, str]) -> str:
        if self.down:
            raise SmsUnavailable("stand-in told to fail")
        message_id = uuid.uuid4().hex
        self.sent.append(
            SentSms(
                mobile, "", "", datetime.now(UTC), template_id=template_id, params=dict(params), message_id=message_id
            )
        )
        # The demo has no phone: the link an invitation carries is in the server's log (nothing else of it).
        log.warning("SMS stand-in: %s to %s, link %s", template_id, mask_phone(mobile), params.get("link", "-"))
        return message_id

    def last_code(self, mobile: str, purpose: str | None = None) -> str:
        """The newest code sent to `mobile` (for tests and the demo), whichever way the number was written."""
        wanted = e164(mobile)
        for sms in reversed(self.sent):
            if e164(sms.mobile) == wanted and sms.code and purpose in (None, sms.purpose):
                return sms.code
        raise LookupError(f"no code sent to {mobile}")

    def messages(self, template_id: str | None = None) -> list[SentSms]:
        """The templated messages sent (notifications), oldest first."""
        return [s for s in self.sent if s.template_id and template_id in (None, s.template_id)]
