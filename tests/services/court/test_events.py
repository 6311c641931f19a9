"""The court's news of the ends other rooms write, added by the case writer's hook to the move's own update."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.cases import workflow
from services.cases.moves import Change
from services.court import events

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
SIGNED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DELEGATED = {"_id": "x", "docking": {"partner_id": "sh-pudong-court", "partner_case_no": "（2026）沪0115民诉前调1号"}}
REPORT = {"facts": "双方分歧", "reason": "差距过大", "costs": "", "notes": ""}


def change(action: str, case: Any = DELEGATED, actor: tuple[str, str] = ("staff", "m1"), **set_fields: Any) -> Change:
    target = workflow.MOVES[action].target
    return Change("20260302000017", action, target, actor, "backoffice", NOW, case, set_fields, [], "已和解")


def told(done: Change) -> list[dict[str, Any]]:
    events.HOOK.before_move(done)
    return [n["event"] for n in done.notify]


def test_a_settlement_is_told_with_its_effective_time():
    [event] = told(change("settle", outcome={"kind": "settled", "at": SIGNED}))
    assert event["type"] == "closed" and event["outcome"] == "settled"
    assert event["serial"] == "20260302000017" and event["partner_case_no"] == DELEGATED["docking"]["partner_case_no"]
    assert event["effective_at"] == event["at"] == "2026-03-01T17:00:00+08:00"


def test_the_applicants_withdrawal_is_told_the_partners_own_is_not():
    [event] = told(change("withdraw", actor=("applicant", "p1")))
    assert event["outcome"] == "withdrawn" and event["reason"] == "已和解"
    assert told(change("withdraw", actor=("partner", "sh-pudong-court"))) == []


def test_a_failure_is_told_with_its_report_and_marked_reported():
    outcome = {"kind": "failed", "at": NOW, "closure_reason": "too_far_apart", "report": REPORT}
    done = change("fail", outcome=outcome)
    [event] = told(done)
    assert event["outcome"] == "failed" and event["closure_reason"] == "too_far_apart"
    assert event["report"] == REPORT and event["materials_returned"] is False
    assert done.set_fields["docking.closed_reported_at"] == NOW
    returned = change("fail", outcome=outcome | {"materials_returned": True})
    assert told(returned)[0]["materials_returned"] is True


def test_a_failure_without_report_waits_for_the_mediators():
    done = change("fail", outcome={"kind": "failed", "at": NOW, "closure_reason": "refused_to_sign"})
    assert told(done) == [] and "docking.closed_reported_at" not in done.set_fields


@pytest.mark.parametrize("action", ["settle", "withdraw", "fail", "accept", "schedule"])
def test_a_case_nobody_delegated_tells_nobody(action):
    outcome = {"kind": "x", "at": NOW, "report": REPORT}
    done = change(action, case={"_id": "x", "docking": None}, actor=("applicant", "p1"), outcome=outcome)
    assert told(done) == [] and set(done.set_fields) == {"outcome"}


def test_other_moves_of_a_delegated_case_tell_nothing_here():
    assert told(change("accept")) == [] and told(change("open_session")) == []
