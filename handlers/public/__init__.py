"""What anyone may call or open without signing in: health, progress by serial, reference data, verification."""

from handlers.public import api, guidance, health, home, preferences, privacy, static, verify

routes = [
    *home.routes,
    *health.routes,
    *api.routes,
    *guidance.routes,
    *preferences.routes,
    *verify.routes,
    *privacy.routes,
    *static.routes,
]
