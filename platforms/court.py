"""The docking protocol with courts and arbitration institutes: signing, and our HTTP client
(docs/contracts.md#signing-both-directions).

Every request, both ways, carries `X-Docking-Partner` (the caller's id), `X-Docking-Timestamp` (Unix seconds),
`X-Docking-Nonce` (random, never reused within 10 minutes) and `X-Docking-Signature`: lower-case hex of
HMAC-SM3(key, METHOD "\\n" PATH_AND_QUERY "\\n" TIMESTAMP "\\n" NONCE "\\n" hex(SM3(body))). The rules of
acceptance (the window, nonces remembered by every process) are services/court/signing.py's; the stand-in
(standins/court_platform.py) signs and checks with the same functions.
"""

from __future__ import annotations

import hmac as std_hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import hashes, hmac

from platforms import RunBlocking

PARTNER_HEADER = "X-Docking-Partner"
TIMESTAMP_HEADER = "X-Docking-Timestamp"
NONCE_HEADER = "X-Docking-Nonce"
SIGNATURE_HEADER = "X-Docking-Signature"
HEADERS = (PARTNER_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
WINDOW_SECONDS = 300  # a timestamp further than this from our clock is stale
NONCE_SECONDS = 600  # a nonce is remembered (and refused again) this long


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def canonical(method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The signed string: the method, the path with its query exactly as sent, the timestamp, the nonce, SM3(body)."""
    return "\n".join((method.upper(), path_and_query, timestamp, nonce, sm3_hex(body))).encode()


def signature_of_digest(key: bytes, method: str, path_and_query: str, timestamp: str, nonce: str, body_sm3: str) -> str:
    """The signature given the body's SM3 (hex), for a sender that hashed the body once ahead."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update("\n".join((method.upper(), path_and_query, timestamp, nonce, body_sm3)).encode())
    return mac.finalize().hex()


def signature(key: bytes, method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> str:
    return signature_of_digest(key, method, path_and_query, timestamp, nonce, sm3_hex(body))


def signature_matches(
    key: bytes, given: str, method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes
) -> bool:
    """Whether `given` is the request's signature; compared in constant time."""
    expected = signature(key, method, path_and_query, timestamp, nonce, body)
    return std_hmac.compare_digest(expected.encode(), (given or "").strip().lower().encode())


def signed_headers(
    caller: str,
    key: bytes,
    method: str,
    path_and_query: str,
    body: bytes,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers of a request `caller` makes (a fresh nonce and the current time unless given)."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {
        PARTNER_HEADER: caller,
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(key, method, path_and_query, timestamp, nonce, body),
    }


def path_and_query(url: str) -> str:
    """What of a URL is signed: its path and query as they go on the request line."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def json_bytes(body: Any) -> bytes:
    """Bodies are UTF-8 JSON: the bytes signed are the bytes sent."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Answer:
    """A partner's answer: its status and, when it sent JSON, the object (an error's words for the case page)."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def problem(self) -> str:
        error = self.body.get("error")
        if not isinstance(error, dict):
            error = {}
        text = str(error.get("message") or self.body.get("message") or "")
        return f"HTTP {self.status}" + (f": {text[:200]}" if text else "")


class PartnerUnavailable(Exception):
    """The partner did not answer (refused, timed out, reset) or answered 5xx / 429: try again later."""


class CourtClient:
    """Signed JSON POSTs to a partner's callback endpoints, with `requests` in the blocking pool (one pooled session
    per thread, so the partner's connection is reused)."""

    def __init__(self, caller_id: str, timeout_seconds: float = 10.0, run_blocking: RunBlocking | None = None) -> None:
        self.caller_id = caller_id
        self.timeout = timeout_seconds
        self._run = run_blocking
        self._local = threading.local()

    def bind(self, run_blocking: RunBlocking) -> None:
        self._run = run_blocking

    async def post(self, url: str, key: bytes, body: Any) -> Answer:
        """POST `body` to `url`: the answer if the partner gave one (2xx or 4xx), PartnerUnavailable otherwise."""
        data = json_bytes(body)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            **signed_headers(self.caller_id, key, "POST", path_and_query(url), data),
        }
        if self._run is None:
            raise PartnerUnavailable("no thread pool bound")
        return await self._run(self._post, url, data, headers)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _post(self, url: str, data: bytes, headers: dict[str, str]) -> Answer:
        try:
            response = self._session().post(
                url, data=data, headers=headers, timeout=(min(self.timeout, 5.0), self.timeout), allow_redirects=False
            )
        except requests.RequestException as exc:  # refused, timed out (slow), reset
            raise PartnerUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500 or response.status_code in (408, 429) or response.status_code < 200:
            raise PartnerUnavailable(f"HTTP {response.status_code}")
        try:
            parsed = response.json() if response.content else {}
        except ValueError:
            parsed = {}
        return Answer(response.status_code, parsed if isinstance(parsed, dict) else {})
