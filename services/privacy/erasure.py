"""Deletion at a person's request where the law allows it, and a refusal naming the basis where it does not
(个人信息保护法 art. 47; docs/privacy.md#deletion).

A target is one of:
- `draft:<kind>`: an application never submitted: deleted.
- `file:<id>`: an upload no case lists: deleted with its stored bytes. One a case lists is that case's evidence.
- `consent:<purpose>`: an optional consent, withdrawn at once (art. 15; art. 47(3) then deletes what rested on it).
- `account`: the person, their sign-ins, portal account, drafts, uploads, consents and grants, when no case names
  them; every session ends with the person. A person with a case keeps the case file (below) and their account.
- `case:<serial>`: refused. A case file must be kept for the retention period (docs/privacy.md#retention; the
  centre's archive duty, PIPL art. 19); until it ends the data is only stored and protected (art. 47 ¶2).
A refusal is a 409 naming its basis in the person's language; a target of another shape a 422; someone else's
case, file or draft a 404. Nothing is changed by a refusal.
"""

from __future__ import annotations

import time
from typing import Any

from i18n import msg
from services.accounts import consents, web_sessions
from services.cases import access
from services.core.codes import read_serial
from services.core.context import ServiceContext
from services.core.errors import Conflict, NotFound, invalid
from services.intake import drafts, evidence
from services.notify import subscriptions
from store.blobs import BlobStore

MAX_TARGET = 80


class Refused(Conflict):
    """409 `deletion_refused`: the law keeps it; `basis` names why (the catalogue's `privacy.basis_kept.<basis>`)."""

    def __init__(self, basis: str) -> None:
        super().__init__(
            "deletion_refused", msg("error.deletion_refused", basis=msg(f"privacy.kept.{basis}")), "target"
        )


def parse_target(value: Any) -> tuple[str, str]:
    """(what, which) of a target; 422 naming `target` for any other shape."""
    given = value.strip() if isinstance(value, str) else ""
    what, _, which = given.partition(":")
    if (
        len(given) > MAX_TARGET
        or what not in ("draft", "file", "consent", "account", "case")
        or (bool(which) == (what == "account"))
    ):
        raise invalid("target", "not_allowed", "error.not_allowed.deletion_target")
    return what, which


async def delete(ctx: ServiceContext, blobs: BlobStore, person_id: str, target: Any) -> dict[str, Any]:
    """Delete one thing of the person's (module docstring); `{"deleted": target}` when done."""
    what, which = parse_target(target)
    if what == "draft":
        await _draft(ctx, person_id, which)
    elif what == "file":
        await _file(ctx, blobs, person_id, which)
    elif what == "consent":
        await consents.withdraw(ctx, person_id, which, "privacy")
    elif what == "case":
        serial = read_serial(which)
        await access.for_party(ctx, person_id, serial.value if serial else "", {"_id": 1})  # someone else's: 404
        raise Refused("case_file")
    else:
        await _account(ctx, blobs, person_id)
    return {"deleted": f"{what}:{which}" if which else what}


async def _draft(ctx: ServiceContext, person_id: str, kind: str) -> None:
    found = kind in drafts.KINDS and await ctx.db["drafts"].find_one({"_id": f"{person_id}:{kind}"}, {"_id": 1})
    if not found:
        raise NotFound("draft_not_found")
    await drafts.delete_draft(ctx, person_id, kind)


async def _file(ctx: ServiceContext, blobs: BlobStore, person_id: str, file_id: str) -> None:
    record = await ctx.db["files"].find_one({"_id": file_id, "owner_person_id": person_id}, {"_id": 1})
    if record is None:
        raise NotFound("file_not_found")
    if not await evidence.discard(ctx, blobs, person_id, file_id):  # a case lists it: that case's evidence
        raise Refused("case_file")


async def _account(ctx: ServiceContext, blobs: BlobStore, person_id: str) -> None:
    """The whole account, when no case names the person (as applicant, respondent, or in a correction)."""
    named = await ctx.db["cases"].find_one(
        {"$or": [{"owner_person_id": person_id}, {"respondent_access.person_id": person_id}]}, {"_id": 1}
    )
    if named is not None:
        raise Refused("account_with_cases")
    for kind in drafts.KINDS:
        await drafts.delete_draft(ctx, person_id, kind)
    async for record in ctx.db["files"].find({"owner_person_id": person_id}, {"_id": 1}):
        await evidence.discard(ctx, blobs, person_id, record["_id"])
    await consents.forget(ctx, person_id)
    await ctx.db[subscriptions.COLLECTION].delete_one({"_id": person_id})
    links = await ctx.db["identities"].find({"person_id": person_id}, {"_id": 1, "provider": 1}).to_list(None)
    for link in links:
        if link.get("provider") == "portal":
            await ctx.db["portal_accounts"].delete_one({"_id": link["_id"].split(":", 2)[2]})
    await ctx.db["identities"].delete_many({"person_id": person_id})
    # A tombstone without anything personal: a new stamp ends every web session, the sign-out time every
    # mini-program token (services/accounts/web_sessions.py, mp_sessions.py); signing in again makes a new person.
    now = ctx.clock()
    signed_out = int(time.time() * 1000)  # the clock of the tokens' issue times (mp_sessions)
    tombstone = {"deleted_at": now, "mp_signed_out_at": signed_out, **web_sessions.new_stamp()}
    held = await ctx.db["persons"].find_one({"_id": person_id}) or {}
    dropped = {name: "" for name in held if name != "_id" and name not in tombstone}
    await ctx.db["persons"].update_one(
        {"_id": person_id}, {"$set": tombstone, **({"$unset": dropped} if dropped else {})}
    )
