"""What anyone may call or open without signing in: health, progress by serial, reference data, verification."""

from handlers.public import api, health, static, verify

routes = [*health.routes, *api.routes, *verify.routes, *static.routes]
