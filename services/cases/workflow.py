"""Case statuses and the moves between them (docs/domain.md#statuses-and-moves); nothing else is allowed.

Their names in words are the catalogue's `status.<status>` and `move.<move>`; events that are not moves
(submission, assignment, a document, a deadline notice) are `event.<action>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from i18n import DEFAULT_LOCALE, catalogue, text

SUBMITTED = "submitted"
CLARIFYING = "clarifying"
CLARIFIED = "clarified"
ACCEPTED = "accepted"
REJECTED = "rejected"
SCHEDULED = "scheduled"
MEDIATING = "mediating"
SIGNING = "signing"
SETTLED = "settled"
FAILED = "failed"
WITHDRAWN = "withdrawn"
DELEGATED = "delegated"  # a court or an arbitration institute delegated the case (services/court/delegations.py)
RETURNED = "returned"  # the delegation declined, with a reason of 法释〔2021〕23号 art. 12

STATUSES = (
    SUBMITTED,
    CLARIFYING,
    CLARIFIED,
    ACCEPTED,
    REJECTED,
    SCHEDULED,
    MEDIATING,
    SIGNING,
    SETTLED,
    FAILED,
    WITHDRAWN,
    DELEGATED,
    RETURNED,
)
CLOSED = frozenset({REJECTED, SETTLED, FAILED, WITHDRAWN, RETURNED})

# Whose signatures make the agreement; the last of them settles the case (services/cases/signing.py).
SIGNERS = ("applicant", "respondent", "mediator")

# Why a mediation ended without agreement: 法释〔2021〕23号 (人民法院在线调解规则) art. 25
# (docs/domain.md#closure-reasons; a settlement is the other end). Words: `label.closure_reason.<code>`. The
# respondent's refusal is `refused_to_continue`, silence past the answer period `unreachable` (the `refuse` and
# `lapse` moves, services/cases/ends.py).
CLOSURE_REASONS = (
    "settled_and_withdrew",
    "unreachable",
    "refused_to_continue",
    "too_far_apart",
    "period_expired",
    "refused_to_sign",
    "other",
)


# Where silence past the answer period ends the mediation: before a session was set. A session set (or held) means
# the mediator reached the respondent otherwise; the mediator then ends it (`fail`, unreachable) if they vanish.
LAPSE_SOURCES = {SUBMITTED, CLARIFYING, CLARIFIED, ACCEPTED}


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[str]
    target: str

    def label(self, locale: str = DEFAULT_LOCALE) -> str:
        return text(f"move.{self.name}", locale)


def _move(name: str, sources: set[str], target: str) -> Move:
    return Move(name, frozenset(sources), target)


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        _move("push_clarified", {SUBMITTED, CLARIFIED}, CLARIFYING),
        _move("confirm_clarified", {CLARIFYING}, CLARIFIED),
        _move("request_change", {CLARIFYING}, SUBMITTED),
        _move("accept", {SUBMITTED, CLARIFIED}, ACCEPTED),
        _move("decline", {SUBMITTED, CLARIFYING, CLARIFIED}, REJECTED),
        _move("schedule", {ACCEPTED, SCHEDULED}, SCHEDULED),
        _move("open_session", {SCHEDULED}, MEDIATING),
        _move("draft_agreement", {ACCEPTED, SCHEDULED, MEDIATING}, SIGNING),
        _move("revise_agreement", {SIGNING}, MEDIATING),  # every signature so far is void
        _move("settle", {SIGNING}, SETTLED),  # the last required signature (services/cases/signing.py)
        _move("fail", {ACCEPTED, SCHEDULED, MEDIATING, SIGNING}, FAILED),  # with a closure reason
        # Mediation is voluntary (调解仲裁法 arts. 5, 14 ¶3; 法释〔2021〕23号 art. 15 ¶2 for a delegated case): the
        # respondent's "不同意调解" ends it at once, from any open status it can answer in; silence past the answer
        # period ends it on the day after, recorded by the deadline watch, while no session was set.
        _move("refuse", {SUBMITTED, CLARIFYING, CLARIFIED, ACCEPTED, SCHEDULED, MEDIATING, SIGNING}, FAILED),
        _move("lapse", LAPSE_SOURCES, FAILED),
        _move(
            "withdraw",
            {SUBMITTED, CLARIFYING, CLARIFIED, ACCEPTED, SCHEDULED, MEDIATING, SIGNING, DELEGATED},
            WITHDRAWN,
        ),  # by the applicant, or by the partner taking its delegation back
        _move("accept_delegation", {DELEGATED}, ACCEPTED),  # a mediator assigned (the partner's roster)
        _move("decline_delegation", {DELEGATED}, RETURNED),  # with a reason of 法释〔2021〕23号 art. 12
    )
}


def move_allowed(move: str, status: str) -> bool:
    return move in MOVES and status in MOVES[move].sources


def moves_from(status: str) -> list[str]:
    """The moves the table allows from `status`, in the table's order."""
    return [name for name, move in MOVES.items() if status in move.sources]


def status_label(status: str, locale: str = DEFAULT_LOCALE) -> str:
    """A status in words; an unknown one (data from elsewhere) as it is."""
    key = f"status.{status}"
    return text(key, locale) if catalogue().has(key) else status


def status_labels(locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    return {status: status_label(status, locale) for status in STATUSES}


def action_label(action: str, locale: str = DEFAULT_LOCALE) -> str:
    """What a timeline entry records, in words: a move of the table or another event."""
    for key in (f"move.{action}", f"event.{action}"):
        if catalogue().has(key):
            return text(key, locale)
    return action
