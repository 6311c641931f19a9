"""Guidance for anyone, as JSON: the claim calculator (api.md "Claim calculator"), the triage's tree, the library."""

from __future__ import annotations

from handlers.base import ApiHandler
from services.intake import calculator


class CalculatorHandler(ApiHandler):
    """`POST /api/calculator`: one claim computed, with its steps, articles and assumptions (anonymous)."""

    async def post(self) -> None:
        result = await calculator.calculate(self.ctx, self.json_object())
        self.send_json(result.as_json(self.language))


routes = [
    (r"/api/calculator", CalculatorHandler),
]
