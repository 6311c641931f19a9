"""The administrative front: how `python manage.py` asks the running server to do what needs its store
(docs/operations.md#the-administrative-endpoint). Served by its own listener on 127.0.0.1 only (app.py), never
with the public routes; every request brings ADMIN_TOKEN."""

from handlers.admin.api import routes

__all__ = ["routes"]
