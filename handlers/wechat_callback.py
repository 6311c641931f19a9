"""WeChat's callback for the official account (placeholder until the callback lands)."""

routes: list = []
