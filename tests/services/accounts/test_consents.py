"""Consents with versions (services/accounts/consents.py): the notice accepted is recorded with its version; a newer
one asks again and says what changed; an optional consent is withdrawn at once; nothing of a case waits for it."""

from __future__ import annotations

import dataclasses

import pytest

from i18n import catalogue
from services.accounts import consents
from services.core.errors import ServiceError
from tests.support.cases import new_case


def _in_force(ctx, *versions: str) -> None:
    ctx.settings = dataclasses.replace(ctx.settings, consent_versions=versions)


@pytest.mark.gen_test
async def test_the_notice_accepted_with_a_case_is_asked_again_when_a_newer_one_is_in_force(ctx):
    serial, person = await new_case(ctx)  # the application accepted 2026-01
    await consents.require_current_notice(ctx, person)  # in force: nothing asked
    _in_force(ctx, "2026-01", "2026-12")
    with pytest.raises(consents.ConsentRequired) as asked:
        await consents.require_current_notice(ctx, person)
    assert asked.value.status == 409 and asked.value.code == "consent_required"
    details = asked.value.details["consent"]
    assert details["version"] == "2026-12" and "第四、五条" in details["changes"]  # what changed, in words
    assert [p["purpose"] for p in await consents.pending(ctx, person)] == ["notice"]
    with pytest.raises(ServiceError) as old:
        await consents.accept_notice(ctx, person, "2026-01", "h5")
    assert old.value.status == 409 and old.value.code == "consent_outdated"
    status = await consents.accept_notice(ctx, person, "2026-12", "h5")
    assert status["notice"]["accepted_version"] == "2026-12" and status["notice"]["current"]
    await consents.require_current_notice(ctx, person)
    assert await consents.pending(ctx, person) == []
    # Someone who never accepted a notice (a respondent before any application) is not asked here.
    await consents.require_current_notice(ctx, "respondent-never-applied")


@pytest.mark.gen_test
async def test_an_optional_consent_is_given_in_its_version_and_withdrawn_at_once(ctx):
    person = "person-optional"
    assert not await consents.granted(ctx, person, "typical_case")
    with pytest.raises(ServiceError) as stale:
        await consents.grant(ctx, person, "typical_case", "2025-01", "mp")
    assert stale.value.status == 409
    status = await consents.grant(ctx, person, "typical_case", "2026-01", "mp")
    [typical] = [c for c in status["optional"] if c["purpose"] == "typical_case"]
    assert typical["state"] == "granted" and typical["sensitive"] is True  # its own, separate consent (art. 29)
    assert await consents.granted(ctx, person, "typical_case")
    await consents.withdraw(ctx, person, "typical_case", "mp")
    assert not await consents.granted(ctx, person, "typical_case")  # at once: the very next read says no
    record = await ctx.db["consents"].find_one({"_id": f"{person}:typical_case"})
    assert [h["state"] for h in record["history"]] == ["granted", "withdrawn"]
    with pytest.raises(ServiceError) as notice:
        await consents.withdraw(ctx, person, "notice", "mp")
    assert notice.value.code == "notice_not_a_consent"
    with pytest.raises(ServiceError) as unknown:
        await consents.grant(ctx, person, "marketing", "2026-01", "mp")
    assert unknown.value.status == 404


@pytest.mark.gen_test
async def test_a_consent_to_an_older_text_no_longer_counts_and_is_asked_again(ctx, monkeypatch):
    person = "person-survey"
    await consents.grant(ctx, person, "survey", "2026-01", "h5")
    newer = dict(consents.OPTIONAL) | {"survey": consents.Purpose("survey", "2026-12", sensitive=False)}
    monkeypatch.setattr(consents, "OPTIONAL", newer)
    words = catalogue().messages["zh_CN"]  # the next text, as the catalogue would carry it
    monkeypatch.setitem(words, "consent.survey.2026-12.text", "回访的新文本")
    monkeypatch.setitem(words, "consent.survey.2026-12.changes", "回访改为只用微信")
    assert not await consents.granted(ctx, person, "survey")
    [asked] = await consents.pending(ctx, person)
    assert asked == {"purpose": "survey", "version": "2026-12", "changes": "回访改为只用微信"}
