"""The privacy notice (个人信息处理规则), anyone's to read: `/privacy` and `GET /api/privacy`. Its rows are the
processing inventory (services/privacy/inventory.py), which the impact assessment in docs/privacy.md lists too."""

from __future__ import annotations

from handlers.access import public
from handlers.base import ApiHandler
from handlers.pages import PageHandler
from services.privacy import inventory


class PrivacyPage(PageHandler):
    @public
    def get(self) -> None:
        self.render_page("h5/privacy.html", notice=inventory.notice(self.language))


class PrivacyApi(ApiHandler):
    @public
    def get(self) -> None:
        self.set_header("Cache-Control", "public, max-age=300")
        self.send_json(inventory.notice(self.language))


routes = [(r"/privacy", PrivacyPage), (r"/api/privacy", PrivacyApi)]
