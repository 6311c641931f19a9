"""What manage.py asks of the running server: the store's check and backup, the official account's menu, the
retention schedule's report and run."""

from __future__ import annotations

from typing import Any

from handlers.access import no_personal_data, reveals_personal_data
from handlers.admin.base import AdminHandler
from services.core.errors import ServiceError
from services.stats import retention
from store import maintenance
from store.blobs import LocalBlobStore
from store.embedded import EmbeddedClient
from wechat.errors import WeChatRefused
from wechat.menu import publish, render_menu


class StoreHandler(AdminHandler):
    def embedded(self) -> tuple[EmbeddedClient, LocalBlobStore | None]:
        """The durable embedded engine this server holds, and its blobs (409 on any other engine)."""
        client = self.application.settings.get("mongo_client")
        if not isinstance(client, EmbeddedClient) or client.journal is None:
            raise ServiceError(409, "store_not_embedded")
        blobs = self.services.blobs
        return client, blobs if isinstance(blobs, LocalBlobStore) else None


class StoreVerifyHandler(StoreHandler):
    @no_personal_data  # counts and problems, never a record's content
    async def post(self) -> None:
        """Check the folder at a consistent point: every record, the journals against the manifest, every blob."""
        client, blobs = self.embedded()
        report = await maintenance.verify_running(client, blobs)
        self.send_json(report.as_dict())


class StoreBackupHandler(StoreHandler):
    @reveals_personal_data("store_backup")  # every record and file leaves: recorded (docs/privacy.md)
    async def get(self) -> None:
        """A consistent copy of the folder and its blobs, as a tar stream (store/maintenance.py)."""
        client, blobs = self.embedded()
        await self.record_look("store_backup")  # before the copy's consistent point: the backup holds its own record
        async with maintenance.backup_running(client, blobs) as chunks:
            self.set_header("Content-Type", "application/x-tar")
            self.set_header("Content-Disposition", 'attachment; filename="backup.tar"')
            while (piece := await self.ctx.run_blocking(next, chunks, None)) is not None:
                self.write(piece)
                await self.flush()
        self.finish()


class MenuPublishHandler(AdminHandler):
    @no_personal_data
    async def post(self) -> None:
        """Publish config.yaml's menu through this server's WeChat client (its shared access token)."""
        settings = self.ctx.settings
        menu = render_menu(settings.wechat_menu, settings.public_base_url)
        try:
            answer: Any = await self.ctx.run_blocking(publish, self.services.wechat_oa, menu)
        except WeChatRefused as exc:
            raise ServiceError(502, "wechat_refused", errcode=exc.errcode, errmsg=exc.errmsg) from exc
        self.send_json({"app_id": settings.wechat_app_id, "buttons": len(menu["button"]), "answer": answer})


class RetentionReportHandler(AdminHandler):
    @no_personal_data  # counts by kind and age, never a record
    async def post(self) -> None:
        """What is held, by kind and age, and what the next run removes (services/stats/retention.py)."""
        self.send_json(await retention.report(self.ctx, self.application.settings.get("mongo_client")))


class RetentionRunHandler(AdminHandler):
    @no_personal_data  # removes records and answers their counts; shows none
    async def post(self) -> None:
        """Run the schedule now (as the daily job does): the counts removed, by kind."""
        client = self.application.settings.get("mongo_client")
        self.send_json({"removed": await retention.run(self.ctx, self.services.blobs, client)})


routes = [
    (r"/admin/store/verify", StoreVerifyHandler),
    (r"/admin/store/backup", StoreBackupHandler),
    (r"/admin/menu/publish", MenuPublishHandler),
    (r"/admin/retention/report", RetentionReportHandler),
    (r"/admin/retention/run", RetentionRunHandler),
]
