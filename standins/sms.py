"""A stand-in SMS provider: records every message and logs codes, sends nothing (development, tests, the demo)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from platforms.sms import SmsUnavailable
from services.core.idnumbers import normalise_mobile
from services.core.personal_data import mask_phone

log = logging.getLogger("mediation.sms")


@dataclass
class SentSms:
    mobile: str
    code: str  # empty for a notice
    purpose: str
    at: datetime
    notice: str = ""


@dataclass
class RecordingSms:
    """The stand-in provider (development, tests, demo): records every code and logs it, sends nothing."""

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

    def last_code(self, mobile: str, purpose: str | None = None) -> str:
        """The newest code sent to `mobile` (for tests and the demo)."""
        mobile = normalise_mobile(mobile)
        for sms in reversed(self.sent):
            if sms.mobile == mobile and sms.code and purpose in (None, sms.purpose):
                return sms.code
        raise LookupError(f"no code sent to {mobile}")
