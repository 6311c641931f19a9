"""The signing scheme of docs/contracts.md#signing-both-directions, against a vector computed here independently of
our code, and the rules of acceptance: the 300 s window, nonces refused again by every process (the database), 401
changing nothing."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes

from platforms import court
from services.core.errors import ServiceError
from services.court import signing
from settings import dev_docking_key
from tests.support.court import COURT


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


class _SM3ForHmac:
    """SM3 in the shape Python's `hmac` wants (`update`, `digest`, `copy`, block and digest sizes), built
    on `cryptography`'s SM3 alone: the HMAC construction below is the standard library's, not ours."""

    digest_size, block_size, name = 32, 64, "sm3"

    def __init__(self, data: bytes = b"") -> None:
        self._hash = hashes.Hash(hashes.SM3())
        self._hash.update(data)

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.copy().finalize()

    def hexdigest(self) -> str:
        return self.digest().hex()

    def copy(self) -> _SM3ForHmac:
        twin = _SM3ForHmac()
        twin._hash = self._hash.copy()
        return twin


def test_sm3_is_the_standard_one():
    # GB/T 32905-2016 appendix A, example 1: SM3("abc").
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_the_signature_matches_a_vector_computed_independently():
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    body = '{"partner_case_no":"(2026)沪0115民诉前调1234号"}'.encode()
    signed = b"\n".join(
        [
            b"POST",
            b"/api/docking/delegations",
            b"1796086800",
            b"0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            sm3(body).hex().encode(),
        ]
    )
    expected = hmac.new(key, signed, _SM3ForHmac).hexdigest()
    ours = court.signature(
        key, "POST", "/api/docking/delegations", "1796086800", "0f1e2d3c4b5a69788796a5b4c3d2e1f0", body
    )
    assert ours == expected and len(ours) == 64 and ours == ours.lower()
    assert court.signature_matches(
        key,
        expected.upper(),
        "POST",
        "/api/docking/delegations",
        "1796086800",
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        body,
    )
    assert not court.signature_matches(
        key, expected, "POST", "/api/docking/delegations?x=1", "1796086800", "0f1e2d3c4b5a69788796a5b4c3d2e1f0", body
    )
    # Not SHA-256 in disguise: the same construction over SHA-256 differs.
    assert hmac.new(key, signed, hashlib.sha256).hexdigest() != ours


def _headers(ctx, body=b"{}", path="/api/docking/delegations", key=None, when=None, nonce=None, partner=COURT):
    now = (when or ctx.real_clock()).timestamp()
    return court.signed_headers(partner, key or dev_docking_key(COURT), "POST", path, body, now=now, nonce=nonce)


@pytest.mark.gen_test
async def test_a_signed_request_is_accepted_once_and_its_replay_refused(ctx):
    headers = _headers(ctx, nonce="n" * 32)
    partner = await signing.verify(ctx, "POST", "/api/docking/delegations", headers, b"{}")
    assert partner.id == COURT
    with pytest.raises(ServiceError) as replayed:
        await signing.verify(ctx, "POST", "/api/docking/delegations", headers, b"{}")
    assert (replayed.value.status, replayed.value.code) == (401, "docking_replayed")
    assert "随机数" in replayed.value.message


@pytest.mark.gen_test
async def test_bad_stale_unknown_and_unsigned_requests_are_401_and_write_nothing(ctx):
    cases = {
        "docking_bad_signature": _headers(ctx, key=b"\x01" * 16),
        "docking_stale": _headers(ctx, when=ctx.real_clock() - timedelta(seconds=301)),
        "docking_partner_unknown": _headers(ctx, partner="someone-else"),
        "docking_nonce_invalid": _headers(ctx, nonce="short"),
    }
    tampered = _headers(ctx)
    for code, headers in cases.items():
        with pytest.raises(ServiceError) as refused:
            await signing.verify(ctx, "POST", "/api/docking/delegations", headers, b"{}")
        assert (refused.value.status, refused.value.code) == (401, code)
    with pytest.raises(ServiceError) as body_changed:  # the signature covers SM3 of the body
        await signing.verify(ctx, "POST", "/api/docking/delegations", tampered, b'{"x":1}')
    assert body_changed.value.code == "docking_bad_signature"
    with pytest.raises(ServiceError) as unsigned:
        await signing.verify(ctx, "POST", "/api/docking/delegations", {}, b"{}")
    assert unsigned.value.code == "docking_unsigned"
    assert await ctx.db[signing.NONCES].count_documents({}) == 0  # no forged request used up a nonce
    fresh = _headers(ctx, when=ctx.real_clock() - timedelta(seconds=299))  # inside the window
    await signing.verify(ctx, "POST", "/api/docking/delegations", fresh, b"{}")


@pytest.mark.gen_test
async def test_nonces_are_forgotten_after_ten_minutes(ctx):
    from tests.support.cases import Clock

    ctx.real_clock = Clock()  # nonces expire in real time (services/core/context.py)
    await signing.verify(ctx, "POST", "/p", _headers(ctx, path="/p"), b"{}")
    assert await signing.forget_expired(ctx) == 0
    ctx.real_clock.advance(seconds=601)
    assert await signing.forget_expired(ctx) == 1
