"""明确请求 as a service: versions pushed by the mediator, answered by the applicant, stale answers refused."""

from __future__ import annotations

import pytest

from services.accounts.persons import person_for_identity
from services.cases import clarification
from services.cases.taxonomy import Taxonomies
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, make_staff
from tests.support.samples import worker_body


async def new_case(ctx):
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-applicant")
    body = worker_body()
    body["evidence"] = []
    case, _ = await submit_application(ctx, person, "key-clarify-0001", body, "h5")
    return case["serial"], person


def confirm(version: int) -> dict:
    return {"decision": "confirm", "version": version}


def change(version: int, comment: str) -> dict:
    return {"decision": "change", "version": version, "comment": comment}


@pytest.mark.gen_test
async def test_clarify_push_confirm_and_change(ctx, cheap_hashing):
    serial, person = await new_case(ctx)
    member = await make_staff(ctx, "li.ming")
    taxonomies = Taxonomies.load(ctx.settings.centres)
    taxonomy = taxonomies.for_centre("sh-city")
    items = [{"cause_code": "05-01", "text": "支付2026年8月至10月工资", "amount": "12000"}]
    doc = await clarification.push_clarified(ctx, taxonomies, member, serial, items)
    assert doc["status"] == "clarifying" and doc["clarified"]["version"] == 1
    assert doc["clarified"]["items"][0]["cause_label"] == "拖欠工资"
    assert doc["clarified"]["items"][0]["taxonomy_version"] == taxonomy.version
    assert doc["notifications"][-1]["link"] == f"/h5/cases/{serial}/clarified"

    changed = await clarification.answer_clarified(ctx, person, serial, change(1, "金额应为15000元"), "h5")
    assert changed["status"] == "submitted"
    doc = await clarification.push_clarified(ctx, taxonomies, member, serial, items)
    assert doc["clarified"]["version"] == 2 and len(doc["clarifications"]) == 2
    with pytest.raises(Conflict) as stale:
        await clarification.answer_clarified(ctx, person, serial, confirm(1), "h5")
    assert stale.value.code == "clarified_version_stale"
    with pytest.raises(NotFound):  # another person's case does not exist for them
        await clarification.answer_clarified(ctx, "someone-else", serial, confirm(2), "h5")
    confirmed = await clarification.answer_clarified(ctx, person, serial, confirm(2), "h5")
    assert confirmed["status"] == "clarified"


@pytest.mark.parametrize(
    ("answer", "fields"),
    [
        ({"decision": "maybe", "version": 1}, ["decision"]),
        ({"decision": "confirm", "version": "x"}, ["version"]),
        ({"decision": "confirm", "version": True}, ["version"]),
        ({"decision": "change", "version": 1}, ["comment"]),
        ({"decision": "change", "version": 1, "comment": "改" * 1001}, ["comment"]),
        ({}, ["decision", "version"]),
    ],
)
def test_one_parser_for_every_front_lists_each_field_problem(answer, fields):
    with pytest.raises(ValidationFailed) as refused:
        clarification.parse_answer(answer)
    assert refused.value.status == 422 and [e.field for e in refused.value.errors] == fields


def test_a_form_and_json_answer_read_the_same():
    assert clarification.parse_answer({"decision": "confirm", "version": "2", "comment": ""}) == (
        clarification.parse_answer({"decision": "confirm", "version": 2})
    )
