"""Case statuses and the moves between them, exactly as DESIGN.md's table; nothing else is allowed."""

from __future__ import annotations

from dataclasses import dataclass

from docgen import labels

SUBMITTED = "submitted"
CLARIFYING = "clarifying"
CLARIFIED = "clarified"
ACCEPTED = "accepted"
REJECTED = "rejected"
SCHEDULED = "scheduled"
MEDIATING = "mediating"
SETTLED = "settled"
FAILED = "failed"
WITHDRAWN = "withdrawn"

# One table of Chinese labels for the statuses: docgen's, which documents print too.
STATUS_LABELS: dict[str, str] = labels.STATUS

CLOSED = frozenset({REJECTED, SETTLED, FAILED, WITHDRAWN})


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    sources: frozenset[str]
    target: str


def _move(name: str, label: str, sources: set[str], target: str) -> Move:
    return Move(name, label, frozenset(sources), target)


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        _move("push_clarified", "推送明确后的请求", {SUBMITTED, CLARIFIED}, CLARIFYING),
        _move("confirm_clarified", "申请人确认请求", {CLARIFYING}, CLARIFIED),
        _move("request_change", "申请人要求修改请求", {CLARIFYING}, SUBMITTED),
        _move("accept", "受理", {SUBMITTED, CLARIFIED}, ACCEPTED),
        _move("decline", "不予受理", {SUBMITTED, CLARIFYING, CLARIFIED}, REJECTED),
        _move("schedule", "安排调解", {ACCEPTED, SCHEDULED}, SCHEDULED),
        _move("open_session", "开始调解", {SCHEDULED}, MEDIATING),
        _move("settle", "调解成功", {ACCEPTED, SCHEDULED, MEDIATING}, SETTLED),
        _move("fail", "调解不成", {ACCEPTED, SCHEDULED, MEDIATING}, FAILED),
        _move(
            "withdraw",
            "申请人撤回",
            {SUBMITTED, CLARIFYING, CLARIFIED, ACCEPTED, SCHEDULED, MEDIATING},
            WITHDRAWN,
        ),
    )
}


def move_allowed(move: str, status: str) -> bool:
    return move in MOVES and status in MOVES[move].sources
