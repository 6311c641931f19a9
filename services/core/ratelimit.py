"""Rate limits per client address, in this process (limits that must hold across processes live in the database)."""

from __future__ import annotations

import time
from collections import deque


class ClientRateLimiter:
    """A sliding window per client address, in this process (the per-serial limit is in the database)."""

    def __init__(self, limit: int, window_seconds: float = 60.0, max_clients: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if len(self._hits) >= self.max_clients:  # bounded memory under a flood of addresses
            self._hits.clear()
        hits = self._hits.setdefault(client, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True
