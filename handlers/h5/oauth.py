"""Signing a browser in through WeChat web OAuth (snsapi_base), and out."""

from __future__ import annotations

from handlers.access import public
from handlers.pages import PageHandler
from services.accounts.web_signin import new_state, person_from_oauth_code, safe_next, states_match
from services.core.errors import ServiceError


class OAuthStartHandler(PageHandler):
    """Sends the visitor to WeChat's authorisation with a fresh state bound to this browser."""

    @public
    def get(self) -> None:
        state = new_state()
        self.remember_oauth_attempt(state, safe_next(self.get_query_argument("next", None)))
        redirect_uri = self.ctx.settings.public_base_url + "/h5/oauth/callback"
        self.redirect(self.services.web_oauth.authorize_url(redirect_uri, state))


class OAuthCallbackHandler(PageHandler):
    @public
    async def get(self) -> None:
        attempt = self.oauth_attempt()
        code = self.get_query_argument("code", "")
        if not attempt or not states_match(attempt.get("state"), self.get_query_argument("state", None)):
            raise ServiceError(400, "oauth_state_invalid")
        if not code:
            raise ServiceError(400, "oauth_denied")
        person_id = await person_from_oauth_code(self.ctx, self.services.web_oauth, code)
        await self.sign_in(person_id)
        self.redirect(safe_next(attempt.get("next")))


class SignOutHandler(PageHandler):
    @public  # signed out already: nothing to end, the same redirect
    async def post(self) -> None:
        await self.sign_out()
        self.redirect("/h5/progress")


routes = [
    (r"/h5/oauth/start", OAuthStartHandler),
    (r"/h5/oauth/callback", OAuthCallbackHandler),
    (r"/h5/signout", SignOutHandler),
]
