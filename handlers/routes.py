"""Every route of the server in one table: app.py serves it, and the OpenAPI test walks its `/api/` paths."""

from __future__ import annotations

from typing import Any

from handlers import callbacks, docking, h5, metrics, mp, office, portal, public

ROUTES: list[tuple[Any, ...]] = [
    *public.routes,
    *mp.routes,
    *h5.routes,
    *portal.routes,
    *office.routes,
    *callbacks.routes,
    *docking.routes,
    *metrics.routes,
]
