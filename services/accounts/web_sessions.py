"""Web sessions (H5/portal person, back-office staff): issue, check, end one, end all of a subject.

The signed cookie carries `<subject>|<stamp>|<issued at>`. The stamp is a random value kept on the
subject's own document (`persons`, `staff`); writing a new one ends every session issued under the
old one. So a password reset or a deactivation ends the sessions in the very update that gives the
reason, and the back office, which reads the member on each request anyway, checks the session in
that same read. Signing out writes a new stamp too: the cookie is dead for good, and with it the
subject's sessions in other browsers (what a sign-out on a shared computer should do; the price is
signing in again elsewhere). The idle limit stays in the cookie's signature timestamp (slid on each
request); `issued at` bounds the whole session, however active.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.core.context import ServiceContext
from services.core.numbers import read_whole

STAMP = "session_stamp"  # field of the subject's document


@dataclass(frozen=True)
class SessionKind:
    """Whose sessions: the collection of the subject (holding its stamp), the idle limit (the cookie's
    signature age, slid on each request) and the absolute lifetime (from sign-in, however active)."""

    collection: str
    idle: timedelta
    lifetime: timedelta

    @property
    def idle_days(self) -> float:
        return self.idle / timedelta(days=1)

    @property
    def lifetime_days(self) -> float:
        return self.lifetime / timedelta(days=1)


# A session kept alive by use still ends `lifetime` after sign-in, so a copied cookie cannot live forever.
PERSON = SessionKind("persons", timedelta(hours=2), timedelta(hours=24))  # an application may take a day
STAFF = SessionKind("staff", timedelta(minutes=30), timedelta(hours=12))  # a working day with overtime


@dataclass(frozen=True)
class Claim:
    """What a session cookie says (its signature already checked by the caller)."""

    subject: str
    stamp: str
    issued_at: datetime


def new_stamp() -> dict[str, str]:
    """`$set` fields ending every open session of a subject: merge them into the update giving the reason."""
    return {STAMP: secrets.token_urlsafe(12)}


def read_claim(value: str) -> Claim | None:
    """The claim of a cookie value; None for any other shape (e.g. a cookie from before stamps)."""
    subject, sep, rest = value.partition("|")
    stamp, sep2, issued = rest.partition("|")
    seconds = read_whole(issued)
    if not (subject and sep and sep2 and seconds is not None):
        return None
    return Claim(subject, stamp, datetime.fromtimestamp(seconds, UTC))


def _stamp_of(doc: dict[str, Any] | None) -> str:
    return (doc or {}).get(STAMP) or ""  # a subject that never had a stamp has the empty one


async def current_stamp(ctx: ServiceContext, kind: SessionKind, subject: str) -> str:
    """The subject's stamp now. A password sign-in reads it BEFORE checking the password: read after,
    it could be the stamp of a reset that landed meanwhile, and the session would outlive the reset."""
    return _stamp_of(await ctx.db[kind.collection].find_one({"_id": subject}, {STAMP: 1}))


def session_value(ctx: ServiceContext, subject: str, stamp: str) -> str:
    """The cookie value of a new session for `subject` under `stamp`."""
    return f"{subject}|{stamp}|{int(ctx.real_clock().timestamp())}"


async def issue(ctx: ServiceContext, kind: SessionKind, subject: str) -> str:
    """A new session for `subject` (after it proved who it is): the cookie value, under its current stamp."""
    return session_value(ctx, subject, await current_stamp(ctx, kind, subject))


async def check(ctx: ServiceContext, kind: SessionKind, value: str, fields: tuple[str, ...] = ()) -> dict | None:
    """The subject's document (`_id`, `fields`) while the session is open; None once it ended or is too old.

    One read by `_id`. A database failure propagates (the caller's 503): it never means signed in.
    """
    claim = read_claim(value)
    if claim is None or ctx.real_clock() >= claim.issued_at + kind.lifetime:
        return None
    doc = await ctx.db[kind.collection].find_one({"_id": claim.subject}, {STAMP: 1, **dict.fromkeys(fields, 1)})
    if doc is None or not secrets.compare_digest(_stamp_of(doc).encode(), claim.stamp.encode()):
        return None
    return doc


async def end(ctx: ServiceContext, kind: SessionKind, value: str) -> None:
    """Sign out: the session's stamp is replaced, unless it already was (a stale cookie ends nothing newer)."""
    claim = read_claim(value)
    if claim is None:
        return
    current = claim.stamp or None  # `None` also matches a document without a stamp
    await ctx.db[kind.collection].update_one({"_id": claim.subject, STAMP: current}, {"$set": new_stamp()})


async def end_all(ctx: ServiceContext, kind: SessionKind, subject: str) -> None:
    """End every open session of `subject` (when the reason lives in another document, e.g. a portal account)."""
    await ctx.db[kind.collection].update_one({"_id": subject}, {"$set": new_stamp()})
