"""Password hashes (argon2id) for staff and portal accounts: computed off the event loop, one at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults (argon2id, RFC 9106 low-memory profile: t=3, 64 MiB, p=4); tests swap in
# cheap parameters by replacing HASHER.
HASHER = PasswordHasher()
# One hash at a time, in its own thread: each argon2 hash already runs `parallelism` (4) threads of
# its own, and several at once starve the event loop's thread of CPU (healthz p99 > 100 ms during
# 20 sign-ins on 2 cores); queued, sign-ins wait for each other instead of every other request.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argon2")
_dummy: tuple[PasswordHasher, str] | None = None


async def _off_loop(func: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, func, *args)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await _off_loop(HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown account) spend a real verification's time anyway,
    so an unknown account answers exactly like a wrong password."""
    global _dummy
    if password_hash is None:
        if _dummy is None or _dummy[0] is not HASHER:  # once per hasher (tests swap it); a race only hashes twice
            _dummy = (HASHER, await hash_password("dummy password, never matches"))
        await _off_loop(_verify, _dummy[1], password)
        return False
    return await _off_loop(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's: upgrade it at the next sign-in."""
    return HASHER.check_needs_rehash(password_hash)
