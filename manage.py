"""Administration commands.

`python manage.py create-admin --login admin --name 管理员 --centre sh-city`: the first system administrator;
`python manage.py menu show|publish [--config]`: the official account's menu from configuration.
`python manage.py recount [--repair] [--config]`: count the statistics again from the cases, compare with the
counters the case writer keeps, and (with --repair) write the differences over them.
`python manage.py store verify|backup|restore|repair`: check, copy, put back or mend the embedded engine's folder
(docs/operations.md#recovery).
`python manage.py retention report|run`: what is held by kind and age and what the next run removes; run the
retention schedule now (docs/privacy.md#retention).

While a server holds the embedded engine's folder (its LOCK), a command that needs the store asks that server,
through its administrative endpoint (handlers/admin/: 127.0.0.1 only, the address written in LOCK, ADMIN_TOKEN
from the environment), to do the work: `RunningServer`, defined once here. Only when no server holds the folder
does a command read it itself, holding its LOCK meanwhile. A MongoDB serves every process at once: commands use
it directly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import getpass
import json
import os
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pymongo.errors import ConnectionFailure

from app import service_context, wechat_clients
from services.accounts.staff import create_first_admin, password_problems
from services.core.errors import ServiceError
from services.directory import centres
from services.stats import counters, retention
from settings import Settings, SettingsError, load_settings
from store import StoreError, compact_now, embedded_folder
from store.blobs import BlobKeys, BlobStore, LocalBlobStore
from store.indexes import ensure_indexes
from store.journal import FolderLock, read_lock_holder
from store.maintenance import (
    Report,
    backup_folder_chunks,
    check_blobs,
    empty_or_absent,
    references,
    repair,
    unpack,
    verify_folder,
)
from wechat.errors import WeChatRefused, WeChatUnavailable
from wechat.menu import publish, render_menu

# scripts/serve.sh (development) makes an ADMIN_TOKEN once and keeps it here; a command run without ADMIN_TOKEN
# takes it, so it reaches the server serve.sh started.
SERVE_SH_TOKEN = Path(__file__).resolve().parent / "var" / "admin-token"

EMBEDDED_REFUSAL = (
    "refusing: MONGODB_URI is the memory-only engine (mongomock://), whose data lives in one process only;\n"
    "an administrator created here would vanish when this command exits. Point MONGODB_URI at a MongoDB or\n"
    "at the durable embedded engine (embedded:var/db, while the server is stopped), or start the server with\n"
    "BOOTSTRAP_ADMIN=login:password to create the first administrator inside the server's own process."
)

RECOUNT_REFUSAL = (
    "refusing: MONGODB_URI is the memory-only engine (mongomock://), whose data lives in one process only: a\n"
    "recount here would count a fresh, empty store. Point MONGODB_URI at a MongoDB or at the durable embedded\n"
    "engine (embedded:var/db, while the server is stopped)."
)


def read_password() -> str:
    """ADMIN_PASSWORD from the environment, else asked twice without echo."""
    from_env = os.environ.get("ADMIN_PASSWORD")
    if from_env:
        return from_env
    first = getpass.getpass("Password for the new administrator: ")
    if first != getpass.getpass("Repeat the password: "):
        raise SystemExit("the two passwords differ; nothing was created")
    return first


async def create_admin(settings: Settings, login: str, name: str, centre_id: str, password: str) -> None:
    # The same store and context the server builds (app.make_app), without the HTTP side.
    client, ctx = service_context(settings)
    try:
        await ensure_indexes(ctx.db)
        await centres.seed(ctx)  # a fresh database: config.yaml's centres (an existing one keeps its own)
        await create_first_admin(ctx, login, name, centre_id, password)
    finally:
        ctx.stop_executor()
        await client.close()


async def publish_menu(settings: Settings) -> None:
    """Publish the configured menu through the shared access token (the server's database)."""
    mongo, ctx = service_context(settings)
    try:
        wechat = wechat_clients(settings, ctx.db)
        wechat.bridge.bind(asyncio.get_running_loop())
        menu = render_menu(settings.wechat_menu, settings.public_base_url)
        await ctx.run_blocking(publish, wechat.official_account, menu)
    finally:
        ctx.stop_executor()
        await mongo.close()


class CommandRefused(Exception):
    """What a command cannot do as things stand, said in one message (exit code 2)."""


class AdminFailed(Exception):
    """The running server answered the administrative call with an error (its code and message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} ({status} {code})")
        self.status, self.code = status, code


@dataclasses.dataclass(frozen=True)
class RunningServer:
    """The server holding the embedded folder, reached through its administrative endpoint."""

    pid: str
    url: str
    token: str

    def request(self, method: str, path: str, timeout: float = 3600) -> Any:
        request = urllib.request.Request(
            self.url.rstrip("/") + path,
            method=method,
            data=b"" if method == "POST" else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - our own 127.0.0.1 address
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read())["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": f"http_{exc.code}", "message": exc.reason}
            raise AdminFailed(exc.code, error["code"], error["message"]) from None
        except OSError as exc:
            raise CommandRefused(
                f"the server (pid {self.pid}) holds the folder but its administrative endpoint {self.url} does not "
                f"answer ({exc}): wait until it has started, or stop it to work on the folder directly"
            ) from None

    def call(self, method: str, path: str) -> dict[str, Any]:
        with self.request(method, path) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result


def running_server(settings: Settings, folder: str = "") -> RunningServer | None:
    """The server holding the embedded folder (`folder`, default the configured one), or None when no process
    holds it (then the command opens the folder itself) or the engine is not the durable embedded one."""
    folder = folder or embedded_folder(settings.mongodb_uri)
    holder = read_lock_holder(folder) if folder else None
    if holder is None:
        return None
    if "admin" not in holder:
        raise CommandRefused(
            f"a process (pid {holder['pid']}) holds {folder} without an administrative endpoint: start the server "
            "with ADMIN_TOKEN set (the same value as this command's), or stop it to work on the folder directly"
        )
    if not settings.admin_token:
        raise CommandRefused(
            f"the server (pid {holder['pid']}) holds {folder}: set ADMIN_TOKEN to the server's value so that this "
            "command can ask it"
        )
    return RunningServer(holder["pid"], holder["admin"], settings.admin_token)


def menu_command(settings: Settings, action: str) -> int:
    menu = render_menu(settings.wechat_menu, settings.public_base_url)
    if action == "show":
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    server = running_server(settings)
    try:
        if server is not None:
            server.call("POST", "/admin/menu/publish")
        else:
            asyncio.run(publish_menu(settings))
    except AdminFailed as exc:
        print(f"the server could not publish the menu: {exc}", file=sys.stderr)
        return 1
    except WeChatUnavailable as exc:
        print(f"WeChat is unavailable, nothing published: {exc}", file=sys.stderr)
        return 1
    except WeChatRefused as exc:
        print(f"WeChat refused the menu: {exc}", file=sys.stderr)
        return 1
    print(f"menu published for {settings.wechat_app_id} ({len(menu['button'])} buttons)")
    return 0


async def recount_command(settings: Settings, repair: bool) -> int:
    """Recount from the cases; 0 when the counters agree (or were repaired), 1 when they differ."""
    client, ctx = service_context(settings)
    try:
        began = time.perf_counter()
        report = await counters.recount(ctx, repair=repair)
        seconds = time.perf_counter() - began
    finally:
        ctx.stop_executor()
        await client.close()
    print(
        f"recounted {report['case_count']} cases into {report['buckets']} counters in {seconds:.1f} s; "
        f"{len(report['differing'])} differ{' (repaired)' if repair and report['differing'] else ''}"
    )
    for bucket in report["differing"][:20]:
        print(f"  {bucket}")
    return 0 if repair or not report["differing"] else 1


# -- the embedded engine's folder: verify, backup, restore, repair ---------------------------------------


def _folder_of(settings: Settings, given: str) -> tuple[Path, Path]:
    """The folder a store command works on and its blob folder: the configured one (its BLOB_DIR), or `given`
    (with its own `blobs/`)."""
    configured = embedded_folder(settings.mongodb_uri)
    if given:
        folder = Path(given)
        same = configured and folder.resolve() == Path(configured).resolve()
        return folder, Path(settings.blob_dir) if same else folder / "blobs"
    if not configured:
        raise CommandRefused(
            f"MONGODB_URI is {settings.mongodb_uri.split('@')[-1]!r}, not the embedded engine's folder "
            "(embedded:<folder>): a MongoDB is checked and backed up with its own tools (mongodump, mongorestore)"
        )
    return Path(configured), Path(settings.blob_dir)


def _blobs(settings: Settings, blob_dir: Path, create: bool = False) -> LocalBlobStore:
    keys = BlobKeys(dict(settings.data_keys), settings.current_key_version)
    return LocalBlobStore(blob_dir, keys, create=create)


def _print_report(report: Report, what: str) -> int:
    print(f"{what} {report.folder}: {report.summary()}")
    for note in report.notes:
        print(f"  note: {note}")
    for problem in report.problems:
        print(f"  PROBLEM: {problem}", file=sys.stderr)
    if report.problems:
        print(f"{len(report.problems)} problem(s); {RECOVERY}", file=sys.stderr)
        return 1
    return 0


RECOVERY = "see docs/operations.md#recovery"


def store_verify(settings: Settings, given: str) -> int:
    if given.endswith(".tar") and Path(given).is_file():  # a backup archive: unpacked into a scratch folder
        return _print_report(_check_backup(settings, Path(given)), "checked")
    folder, blob_dir = _folder_of(settings, given)
    server = running_server(settings, str(folder))
    if server is not None:
        report = Report.from_dict(server.call("POST", "/admin/store/verify"))
        return _print_report(report, f"checked (by the server, pid {server.pid})")
    if not (folder / "MANIFEST.json").exists() and empty_or_absent(folder):
        raise CommandRefused(f"{folder} holds no embedded database")
    with FolderLock(folder):
        report = asyncio.run(verify_folder(folder, _blobs(settings, blob_dir) if blob_dir.exists() else None))
    return _print_report(report, "checked")


class _Chunks:
    """A file-like reader over a backup's pieces (tarfile reads it as a stream)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer = chunks, b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            piece = next(self._chunks, None)
            if piece is None:
                break
            self._buffer += piece
        cut = len(self._buffer) if size < 0 else size
        out, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return out


@contextlib.contextmanager
def _backup_source(settings: Settings, folder: Path, blob_dir: Path) -> Iterator[tuple[Any, str]]:
    """The backup's tar stream, from the server holding the folder or read from it here, and who made it."""
    server = running_server(settings, str(folder))
    if server is not None:
        with server.request("GET", "/admin/store/backup") as stream:
            yield stream, f"by the server (pid {server.pid}), while it runs"
        return
    with FolderLock(folder):
        yield (
            _Chunks(backup_folder_chunks(folder, _blobs(settings, blob_dir) if blob_dir.exists() else None)),
            ("from the stopped folder"),
        )


def store_backup(settings: Settings, target_text: str, given: str) -> int:
    folder, blob_dir = _folder_of(settings, given)
    target = Path(target_text)
    archive = target.name.endswith(".tar")
    if archive and target.exists() or not archive and not empty_or_absent(target):
        raise CommandRefused(f"{target} exists: a backup goes to a new .tar file or an empty folder")
    began = time.perf_counter()
    with _backup_source(settings, folder, blob_dir) as (stream, how):
        if archive:
            partial = target.with_name(target.name + ".partial")
            with open(partial, "wb") as out:
                while data := stream.read(1024 * 1024):
                    out.write(data)
                out.flush()
                os.fsync(out.fileno())
        else:
            try:
                unpack(stream, target, target / "blobs")
            except (tarfile.TarError, OSError, StoreError) as exc:
                shutil.rmtree(target, ignore_errors=True)  # it was empty or absent: nothing of anyone's is lost
                print(f"the backup did not arrive whole ({exc}); nothing was kept", file=sys.stderr)
                return 1
    if archive:
        try:
            with tarfile.open(partial) as check:  # whole: it ends with its closing blocks
                names = check.getnames()
        except (tarfile.TarError, OSError) as exc:
            partial.unlink(missing_ok=True)
            print(f"the backup did not arrive whole ({exc}); nothing was written", file=sys.stderr)
            return 1
        if "MANIFEST.json" not in names:
            partial.unlink(missing_ok=True)
            print("the backup holds no MANIFEST.json; nothing was written", file=sys.stderr)
            return 1
        os.replace(partial, target)
    seconds = time.perf_counter() - began
    report = _check_backup(settings, target)
    print(f"backup of {folder} taken {how} in {seconds:.1f} s: {target}")
    return _print_report(report, "the backup holds, checked:")


def _check_backup(settings: Settings, target: Path) -> Report:
    """Read a backup back whole: its journals against its manifest, every blob against its documents."""
    if target.is_dir():
        report = asyncio.run(verify_folder(target, _blobs(settings, target / "blobs")))
        return report
    with tempfile.TemporaryDirectory(prefix="backup-check-") as scratch:
        unpack(target, Path(scratch) / "db", Path(scratch) / "db" / "blobs")
        report = asyncio.run(verify_folder(Path(scratch) / "db", _blobs(settings, Path(scratch) / "db" / "blobs")))
    report.folder = str(target)
    return report


async def apply_retention_after_restore(ctx: Any, blobs: BlobStore) -> int | None:
    """The hook a restore calls once the restored folder has been opened and checked, before any server serves it:
    the retention run (services/stats/retention.py), so that a backup never brings back what the schedule had
    removed since it was taken. Returns how many records it removed or emptied; its caller compacts after it
    (store.compact_now), so what went leaves the files too."""
    counts = await retention.run(ctx, blobs)
    return sum(counts.values())


async def _open_restored(settings: Settings, folder: Path, blob_dir: Path) -> Report:
    """Open the restored folder with the engine (its start's checks), check every blob, apply the retention hook."""
    restored = dataclasses.replace(settings, mongodb_uri=f"embedded:{folder}", blob_dir=str(blob_dir))
    client, ctx = service_context(restored)
    report = Report(str(folder))
    try:
        documents = list(client.documents())
        for _, collection, _ in documents:
            report.collections[collection] = report.collections.get(collection, 0) + 1
        blobs = _blobs(restored, blob_dir, create=True)
        await check_blobs(blobs, references(documents), report)
        if not report.problems:
            purged = await apply_retention_after_restore(ctx, blobs)
            if purged:
                await compact_now(client)  # what the purge removed leaves the files too
            report.notes.append(f"retention run after the restore: {purged or 0} record(s) removed or emptied")
        report.files = [f"{name} ({size} bytes)" for name, size in _folder_files(folder)]
    finally:
        ctx.stop_executor()
        await client.close()
    return report


def _folder_files(folder: Path) -> list[tuple[str, int]]:
    return sorted((p.name, p.stat().st_size) for p in folder.iterdir() if p.name.startswith(("snapshot-", "journal-")))


def store_restore(settings: Settings, source_text: str, into: str) -> int:
    source = Path(source_text)
    if not source.exists():
        raise CommandRefused(f"{source} does not exist")
    folder, blob_dir = _folder_of(settings, into)
    if read_lock_holder(folder) is not None:
        raise CommandRefused(f"a server holds {folder}: a backup is restored into a folder no server uses")
    if not empty_or_absent(folder) or not empty_or_absent(blob_dir):
        raise CommandRefused(
            f"{folder if not empty_or_absent(folder) else blob_dir} is not empty: a backup is restored into an empty "
            "folder (move the damaged one aside first, or give --into another folder and point MONGODB_URI at it)"
        )
    written = unpack(source, folder, blob_dir)
    try:
        report = asyncio.run(_open_restored(settings, folder, blob_dir))
    except StoreError as exc:
        print(
            f"the restored folder {folder} is refused (left as it is: remove it before trying another backup):\n{exc}",
            file=sys.stderr,
        )
        return 1
    print(f"restored {written} files from {source} into {folder} (blobs in {blob_dir})")
    return _print_report(report, "the restored folder, checked and opened:")


def store_repair(settings: Settings, given: str, confirmed: bool) -> int:
    folder, blob_dir = _folder_of(settings, given)
    if read_lock_holder(folder) is not None:
        raise CommandRefused(f"a server holds {folder}: stop it before repairing the folder")
    with FolderLock(folder):
        if not confirmed:
            report = asyncio.run(verify_folder(folder, None))
            status = _print_report(report, "checked")
            if report.problems:
                print(
                    "store repair --yes moves the first damaged journal and every later one into an aside- folder, "
                    "copies back the damaged journal's whole batches before the damage, and starts from there: "
                    "what follows the damage is lost to the folder (restoring a backup may keep more)"
                )
            return status
        for line in repair(folder):
            print(line)
    return 0


def store_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "verify":
        return store_verify(settings, args.folder)
    if args.action == "backup":
        return store_backup(settings, args.target, args.folder)
    if args.action == "restore":
        return store_restore(settings, args.source, args.into)
    return store_repair(settings, args.folder, args.yes)


# -- the retention schedule: report, run ---------------------------------------------------------------


async def _retention_here(settings: Settings, action: str) -> dict[str, Any]:
    """The report or a run with the store opened by this command (no server holds it, or a MongoDB)."""
    client, ctx = service_context(settings)
    try:
        if action == "report":
            return await retention.report(ctx, client)
        blob_dir = Path(settings.blob_dir)
        blobs = _blobs(settings, blob_dir) if embedded_folder(settings.mongodb_uri) and blob_dir.exists() else None
        if blobs is None and not embedded_folder(settings.mongodb_uri):
            raise CommandRefused("a run on a MongoDB is the server's daily job (its GridFS files): let it run")
        removed = await retention.run(ctx, blobs, client)
        if sum(removed.values()):
            await compact_now(client)
        return {"removed": removed}
    finally:
        ctx.stop_executor()
        await client.close()


def print_retention(answer: dict[str, Any], how: str) -> None:
    if "removed" in answer:
        total = sum(answer["removed"].values())
        print(f"retention run {how}: {total} record(s) removed or emptied")
        for kind, count in answer["removed"].items():
            if count:
                print(f"  {kind}: {count}")
        return
    print(f"retention report {how}, at {answer['at']}")
    print(f"  {'kind':<20} {'days':>6} {'held':>8} {'due':>8}  by age / basis")
    for row in answer["kinds"]:
        ages = " ".join(f"{k}={v}" for k, v in row["by_age"].items() if v)
        print(f"  {row['kind']:<20} {row['days']:>6} {row['held']:>8} {row['due']:>8}  {ages or '-'}  ({row['basis']})")
    if answer.get("files_pending"):
        print(f"  files of {answer['files_pending']} anonymised case(s) not yet deleted: the next run deletes them")
    last = answer.get("last_run")
    print(f"  last run: {last['at']} ({sum(last['counts'].values())} removed)" if last else "  last run: none yet")
    if answer.get("files_hold_purged"):
        print("  the folder's journal or snapshot files still hold what the last run removed, until a compaction")


def retention_command(settings: Settings, action: str) -> int:
    if settings.mongodb_uri.startswith("mongomock://"):
        raise CommandRefused("MONGODB_URI is the memory-only engine: there is nothing kept to report on")
    server = running_server(settings)
    if server is not None:
        answer = server.call("POST", f"/admin/retention/{action}")
        print_retention(answer, f"(by the server, pid {server.pid})")
        return 0
    folder = embedded_folder(settings.mongodb_uri)
    if folder and not Path(folder, "MANIFEST.json").exists() and empty_or_absent(Path(folder)):
        raise CommandRefused(f"{folder} holds no embedded database")
    print_retention(asyncio.run(_retention_here(settings, action)), "(the store opened here)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Administration commands of the mediation backend")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create the first system administrator")
    create.add_argument("--login", required=True, help="login name: 3-32 of a-z 0-9 _ . -")
    create.add_argument("--name", required=True, help="display name, e.g. 管理员")
    create.add_argument("--centre", default="", help="centre id from config.yaml (default: default_centre)")
    create.add_argument("--config", default="config.yaml")
    menu = commands.add_parser("menu", help="show or publish the official account's menu (config.yaml wechat_menu)")
    menu.add_argument("action", choices=["show", "publish"])
    menu.add_argument("--config", default="config.yaml")
    recount_parser = commands.add_parser("recount", help="recount the statistics from the cases and compare")
    recount_parser.add_argument("--repair", action="store_true", help="write the recount over counters that differ")
    recount_parser.add_argument("--config", default="config.yaml")
    store = commands.add_parser("store", help="the embedded engine's folder: verify, backup, restore, repair")
    store.add_argument("--config", default="config.yaml")
    actions = store.add_subparsers(dest="action", required=True)
    verify = actions.add_parser("verify", help="check every record, the journals' sequence and every stored file")
    verify.add_argument("--folder", default="", help="another folder or a backup (.tar); default: MONGODB_URI's")
    backup = actions.add_parser("backup", help="a consistent copy, while the server runs too")
    backup.add_argument("target", help="a new file ending in .tar, or an empty folder")
    backup.add_argument("--folder", default="", help="default: MONGODB_URI's folder")
    restore = actions.add_parser("restore", help="put a backup into an empty folder, check it, apply retention")
    restore.add_argument("source", help="a backup: a .tar file or a folder")
    restore.add_argument("--into", default="", help="an empty folder; default: MONGODB_URI's (and BLOB_DIR)")
    mend = actions.add_parser("repair", help="start from what precedes the damage (moves damaged files aside)")
    mend.add_argument("--folder", default="", help="default: MONGODB_URI's folder")
    mend.add_argument("--yes", action="store_true", help="do it (without: say what is damaged)")
    kept = commands.add_parser("retention", help="the retention schedule: what is held and due; run it now")
    kept.add_argument("action", choices=["report", "run"])
    kept.add_argument("--config", default="config.yaml")
    args = parser.parse_args(argv)

    if not os.environ.get("ADMIN_TOKEN") and SERVE_SH_TOKEN.is_file():  # the token scripts/serve.sh gave its server
        os.environ["ADMIN_TOKEN"] = SERVE_SH_TOKEN.read_text(encoding="utf-8").strip()
    try:
        settings = load_settings(args.config)
    except (SettingsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return _run(args, settings)
    except (StoreError, CommandRefused) as exc:  # e.g. the folder is held by a server that cannot be asked
        print(f"refusing: {exc}", file=sys.stderr)
        return 2
    except AdminFailed as exc:
        print(f"the server refused: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "menu":
        return menu_command(settings, args.action)
    if args.command == "store":
        return store_command(settings, args)
    if args.command == "retention":
        return retention_command(settings, args.action)
    if settings.mongodb_uri.startswith("mongomock://"):
        print(RECOUNT_REFUSAL if args.command == "recount" else EMBEDDED_REFUSAL, file=sys.stderr)
        return 2
    if args.command == "recount":
        return asyncio.run(recount_command(settings, args.repair))
    centre_id = args.centre or settings.default_centre
    password = read_password()
    problems = password_problems(password, args.login)
    if problems:  # checked before connecting, so a weak password costs no round trip
        print("error: " + "；".join(p.message for p in problems), file=sys.stderr)
        return 2
    try:
        asyncio.run(create_admin(settings, args.login, args.name, centre_id, password))
    except ServiceError as exc:
        details = "；".join(e.message for e in exc.errors) or exc.message
        print(f"refused: {details}", file=sys.stderr)
        return 1
    except ConnectionFailure as exc:
        print(
            f"error: MongoDB at MONGODB_URI did not answer ({type(exc).__name__}); nothing was created", file=sys.stderr
        )
        return 1
    print(f"created system administrator {args.login.strip().lower()} at {centre_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
