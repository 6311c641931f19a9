"""Every request a partner sends us is checked before anything else: its signature, its time, its nonce.

A bad, stale or replayed signature is a 401 and changes nothing (docs/contracts.md#signing-both-directions). The
nonce is remembered in the database (`docking_nonces`, `_id` = partner:nonce, kept NONCE_SECONDS), so every
process refuses a replay; it is written only once the signature is proved, so a forger cannot use up a partner's
nonces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from platforms.court import (
    NONCE_HEADER,
    NONCE_SECONDS,
    PARTNER_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WINDOW_SECONDS,
    signature_matches,
)
from services.core.context import ServiceContext
from services.core.errors import ServiceError
from services.core.numbers import read_whole
from services.court import partners
from settings import Partner

NONCES = "docking_nonces"
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SIGNATURE = re.compile(r"^[0-9a-fA-F]{64}$")


def _refused(code: str, field: str) -> ServiceError:
    return ServiceError(401, code, field=field)


@dataclass(frozen=True)
class Claim:
    """What a request's headers claim: who signed it, when, with which nonce and signature (not yet checked)."""

    partner: Partner
    timestamp: str
    nonce: str
    signature: str


def claim_of(ctx: ServiceContext, headers: Mapping[str, str]) -> Claim:
    """The headers checked before a byte of the body is read (a stranger's body is never received): present, a
    partner we know, a time within the window, a nonce and a signature of the right shape; a 401 naming what
    failed otherwise."""
    partner_id = (headers.get(PARTNER_HEADER) or "").strip()
    timestamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    nonce = (headers.get(NONCE_HEADER) or "").strip()
    given = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not (partner_id and timestamp and nonce and given):
        raise _refused("docking_unsigned", SIGNATURE_HEADER)
    partner = partners.get(ctx, partner_id)
    if partner is None:
        raise _refused("docking_partner_unknown", PARTNER_HEADER)
    seconds = read_whole(timestamp) if len(timestamp) <= 12 else None
    if seconds is None or abs(ctx.real_clock().timestamp() - seconds) > WINDOW_SECONDS:
        raise _refused("docking_stale", TIMESTAMP_HEADER)
    if not NONCE.match(nonce):
        raise _refused("docking_nonce_invalid", NONCE_HEADER)
    if not SIGNATURE.match(given):
        raise _refused("docking_bad_signature", SIGNATURE_HEADER)
    return Claim(partner, timestamp, nonce, given)


async def verify(
    ctx: ServiceContext,
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    body: bytes,
    claim: Claim | None = None,
) -> Partner:
    """The partner that signed this request, or a 401 naming what failed (nothing is written but the nonce of a
    request whose signature is right). `claim`: the headers already checked by `claim_of`."""
    claim = claim or claim_of(ctx, headers)
    partner = claim.partner
    if not signature_matches(partner.key, claim.signature, method, path_and_query, claim.timestamp, claim.nonce, body):
        raise _refused("docking_bad_signature", SIGNATURE_HEADER)
    try:
        await ctx.db[NONCES].insert_one(
            {"_id": f"{partner.id}:{claim.nonce}", "expires_at": ctx.real_clock() + timedelta(seconds=NONCE_SECONDS)}
        )
    except DuplicateKeyError:
        raise _refused("docking_replayed", NONCE_HEADER) from None
    return partner


async def forget_expired(ctx: ServiceContext) -> int:
    """Nonces past their 10 minutes (MongoDB's TTL index does this itself; the embedded engine has none)."""
    result = await ctx.db[NONCES].delete_many({"expires_at": {"$lt": ctx.real_clock()}})
    return result.deleted_count
