"""The partner calls us (docs/contracts.md#the-partner-calls-us-apidocking): delegations, their state and withdrawal,
decisions on confirmations and roster."""

from __future__ import annotations

from handlers.access import no_personal_data, reveals_personal_data
from handlers.docking.base import DockingHandler
from handlers.urls import CONFIRMATION_ID, PARTNER_CASE_NO, ROSTER_ENTRY
from services.court import confirmations, delegations, roster


class DelegationsHandler(DockingHandler):
    @no_personal_data  # a receipt: the serial, the centre
    async def post(self) -> None:
        receipt, created = await delegations.create(self.ctx, self.services.blobs, self.partner, self.body_object())
        self.send_json(receipt, 201 if created else 200)


class DelegationHandler(DockingHandler):
    @reveals_personal_data("delegation_state")  # the mediator, the agreement's terms
    async def get(self, partner_case_no: str) -> None:
        state = await delegations.state(self.ctx, self.partner, partner_case_no)
        self.look_serial = state["serial"]
        self.send_json(state)


class WithdrawHandler(DockingHandler):
    @reveals_personal_data("delegation_state")  # answers the case's state
    async def post(self, partner_case_no: str) -> None:
        body = self.body_object(optional=True)
        state = await delegations.withdraw(self.ctx, self.partner, partner_case_no, body)
        self.look_serial = state["serial"]
        self.send_json(state)


class ConfirmationDecisionHandler(DockingHandler):
    @no_personal_data  # the decision as recorded
    async def post(self, confirmation_id: str) -> None:
        self.send_json(await confirmations.decide(self.ctx, self.partner, confirmation_id, self.body_object()))


class RosterDecisionHandler(DockingHandler):
    @no_personal_data  # the entry's state
    async def post(self, entry_id: str) -> None:
        self.send_json(await roster.decide(self.ctx, self.partner, entry_id, self.body_object()))


routes = [
    (r"/api/docking/delegations", DelegationsHandler),
    (rf"/api/docking/delegations/{PARTNER_CASE_NO}/withdraw", WithdrawHandler),
    (rf"/api/docking/delegations/{PARTNER_CASE_NO}", DelegationHandler),
    (rf"/api/docking/judicial-confirmations/{CONFIRMATION_ID}/decision", ConfirmationDecisionHandler),
    (rf"/api/docking/roster/{ROSTER_ENTRY}/decision", RosterDecisionHandler),
]
