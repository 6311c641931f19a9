"""Settings: read once at start from config.yaml and the environment (which wins), then passed in."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

# Development defaults: usable on a laptop, refused when APP_ENV=production.
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
DEV_DATA_KEY = "1:" + "00112233445566778899aabbccddeeff"
DEV_LOOKUP_KEY = "dev-lookup-key-not-for-production"
DEV_COOKIE_SECRET = "dev-cookie-secret-not-for-production"
# The card platform (issue 6): a DEV channel whose keys the local stand-in shares; a real channel's
# keys come from the platform's onboarding (CARD_* variables).
DEV_CARD_CHANNEL_KEY = "6361726464657663686e6c6b65793031"
DEV_CARD_PLATFORM_PRIVATE_KEY = "f5932b751fa651e267e80aebc9640be015772b1d224874617b8be97d6e12cd6e"  # the stand-in's
DEV_CARD_PLATFORM_PUBLIC_KEY = (
    "04aa651e97e5dacce7d56397ab5a0521eb83ba6f4847b24aa596af4025307ded0b"
    "fff04f430effd7edc3e2562369f8747d2b61fb9dcc77599be0fc59d3d537aa4b"
)
DEV_CARD_PRIVATE_KEY = "87fde3ec8cb50320ecea678774574c76f5d57b9c36d29188030ca73d5200944b"  # ours
DEV_CARD_PUBLIC_KEY = (
    "04a1fb2e1fb7ac0ea32cba4f3e965d019e896277a397c3588394330c903695d7d9"
    "b34c9b556172bde32d6dc13c41ce6b88f8e650b5797ca1fdc96e5c70cabe151e"
)


# The memory-only embedded engine (tests) and the durable one in a folder (store/journal.py).
MEMORY_ENGINE = "mongomock://"
DURABLE_ENGINE = "embedded:"
DEFAULT_MONGODB_URI = "embedded:var/db"


class SettingsError(Exception):
    """A setting that prevents a safe start."""


MiB = 1024 * 1024


@dataclass(frozen=True)
class EvidenceLimits:
    """What an evidence upload may be (config.yaml `evidence:`); defaults are issue 3's figures."""

    max_file_bytes: int = 20 * MiB
    max_case_bytes: int = 100 * MiB  # the sum over one application's files
    max_image_pixels: int = 40_000_000
    zip_max_entries: int = 1000
    zip_max_total_bytes: int = 200 * MiB  # uncompressed, counted while decompressing
    zip_max_ratio: int = 100  # uncompressed : compressed, per entry and overall


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    level: str
    region_codes: tuple[str, ...]
    match: tuple[str, ...]  # place names that route a case here
    taxonomy_file: str = ""  # the centre's official cause list (YAML); empty: data/causes_default.yaml
    templates_dir: str = ""  # the centre's own document templates (<kind>.docx); empty: docgen's defaults
    address: str = ""
    phone: str = ""
    demo: bool = False  # the address and phone are examples (the demo's): shown as such, refused in production
    parent: str = ""  # the centre above (its id), which manages this one
    courts: tuple[str, ...] = ()  # the courts that invited it
    # What the documents and the respondent's invitation need of a centre (read through
    # services/cases/centre_rules.py, the one place that knows where they are kept):
    basic_court: str = ""  # the basic court where the centre sits (judicial confirmation, 民事诉讼法 art. 205)
    arbitration_commissions: tuple[tuple[str, str], ...] = ()  # region code -> commission, where not the default
    respondent_answer_days: int = 5  # working days the respondent has to answer the invitation
    invite_respondent_on: str = "accept"  # "accept" (受理) or "submit": when the respondent is invited
    # A party's "who looked at my data" names this centre's staff, not only their role (docs/privacy.md).
    show_viewer_names: bool = False


@dataclass(frozen=True)
class MessageTemplate:
    """One message template of a platform: its id and which notification line fills each of its keys, in order
    (`keyword1: serial`), so that a key means the same thing in every message of a kind."""

    template_id: str
    keys: tuple[tuple[str, str], ...]  # (template key, line name)


@dataclass(frozen=True)
class KindTemplates:
    """The templates of one notification kind (config.yaml `notification_templates.kinds.<kind>`)."""

    official_account: MessageTemplate | None = None
    mini_program: MessageTemplate | None = None  # optional: subscribe messages need the person's grant anyway
    sms: MessageTemplate | None = None  # kinds sent to a respondent: a gateway's template with its parameters


@dataclass(frozen=True)
class NotificationSettings:
    """The background sender (config.yaml `notification_sender:`) and message templates
    (`notification_templates:`)."""

    sender_enabled: bool = True  # NOTIFICATION_SENDER=off: this process does not send (another one does)
    poll_seconds: float = 0.5
    batch: int = 100  # cases read per pass
    concurrency: int = 4  # cases handled at once (each send holds one of the blocking pool's threads)
    claim_seconds: float = 60.0  # a claim older than this is taken to be a crashed sender's
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 300.0
    give_up_hours: float = 48.0
    rate_per_second: float = 20.0  # per WeChat app id, in this process
    kinds: dict[str, KindTemplates] = field(default_factory=dict)  # notification kind -> its templates
    mp_page: str = "pages/cases/detail"


@dataclass(frozen=True)
class CardPlatformSettings:
    """The electronic social security card platform (config.yaml `card_platform:`, keys from CARD_*)."""

    base_url: str = "https://card-platform.invalid/"  # CARD_PLATFORM_BASE: given at onboarding
    platform_id: str = "sscard-national"  # names the platform in identity keys (sscard:<platform_id>:<subject>)
    channel_id: str = "dev-mediation-channel"  # CARD_CHANNEL_ID
    channel_key: bytes = bytes.fromhex(DEV_CARD_CHANNEL_KEY)  # CARD_CHANNEL_KEY: SM4 key of identity payloads
    platform_public_key: str = DEV_CARD_PLATFORM_PUBLIC_KEY  # CARD_PLATFORM_PUBLIC_KEY: checks notifications
    private_key: str = DEV_CARD_PRIVATE_KEY  # CARD_SM2_PRIVATE_KEY: signs our identity requests
    public_key: str = DEV_CARD_PUBLIC_KEY  # CARD_SM2_PUBLIC_KEY: registered with the platform
    timeout_seconds: float = 5.0  # one call to the platform
    status_timeout_seconds: float = 2.0  # the availability probe before a QR code is shown
    status_cache_seconds: float = 15.0
    ticket_seconds: int = 120  # a login ticket's life
    clock_skew_seconds: int = 300  # a notification's timestamp may be this far from ours

    @property
    def uses_dev_keys(self) -> bool:
        return self.channel_key == bytes.fromhex(DEV_CARD_CHANNEL_KEY) or self.private_key == DEV_CARD_PRIVATE_KEY


@dataclass(frozen=True)
class Partner:
    """A court or an arbitration institute we dock with (config.yaml `docking.partners`, or DOCKING_PARTNERS_FILE's
    list; docs/contracts.md#docking-with-courts-and-arbitration-institutes); its shared key comes from
    DOCKING_KEY_<ID> only, never from a file."""

    id: str
    kind: str  # "court" or "arbitration"
    name: str
    court_code: str  # the court's code (法院代字, e.g. 沪0115) or the institute's
    callback_base: str  # where we POST mediation-events, judicial-confirmations and roster (ends with "/")
    key: bytes = field(repr=False)  # the shared HMAC-SM3 key, both directions (never in a log line)
    answer_working_days: int = 5  # the centre answers a delegation within this many working days (seed 003)
    mediation_days: int = 30  # ... and finishes within this many days of accepting (法释〔2021〕23号 art. 24)
    extension_cap_days: int | None = 30  # at most this many days of extensions in all (None: no cap)

    @property
    def key_variable(self) -> str:
        return partner_key_variable(self.id)


def partner_key_variable(partner_id: str) -> str:
    """DOCKING_KEY_<ID>: the id upper-cased, `-` as `_` (docs/operations.md#configuration)."""
    return "DOCKING_KEY_" + partner_id.upper().replace("-", "_")


@dataclass(frozen=True)
class DockingSettings:
    """Docking with courts and arbitration institutes (config.yaml `docking:`)."""

    self_id: str = "labour-mediation"  # our X-Docking-Partner when we call a partner
    timeout_seconds: float = 10.0  # one call to a partner
    partners: tuple[Partner, ...] = ()
    down_pause_seconds: float = 5.0  # after a partner fails to answer, its other events wait this long (back-off)

    def partner(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)


# The retention schedule (config.yaml `retention:`, docs/privacy.md#retention): days each kind of record is kept
# after the moment its clock starts (services/stats/retention.py KINDS). PIPL art. 19: no longer than the purpose
# needs, unless a law or an administrative regulation sets a period.
RETENTION_DEFAULTS: dict[str, int] = {
    # 劳动人事争议仲裁办案规则 (2017) art. 24: a file closed by award kept at least 10 years, by mediation or any
    # other way at least 5. They bind commissions, not centres: the default unless a centre's archive rule says
    # otherwise. A mediation centre's case never ends by award: the 10 years apply to `case_files_award` only.
    "case_files": 5 * 365 + 2,
    "case_files_award": 10 * 365 + 3,
    "drafts": 90,  # a draft never submitted (the drafts' own 90-day index, store/indexes.py)
    "uploads": 30,  # an upload never attached to an application
    "sessions": 1,  # sign-in tickets and idempotency keys past their expiry
    "one_time_codes": 1,  # SMS codes past their expiry
    "audit": 3 * 365 + 1,  # 网络安全法 art. 21(3): network logs at least six months (the floor checked below)
    "notification_bodies": 180,  # what a delivered message said; its delivery stays in the case's service record
    "docking_payloads": 180,  # what a delivered event told a court or institute
    "backups": 35,  # backup archives in `retention.backup_folder`
}
RETENTION_FLOORS: dict[str, int] = {"audit": 183}  # the law's floors; the arbitration rules bind commissions only


@dataclass(frozen=True)
class RetentionSettings:
    """Days per kind (RETENTION_DEFAULTS' keys); the daily job's batch and pause; where backups are kept."""

    days: dict[str, int] = field(default_factory=lambda: dict(RETENTION_DEFAULTS))
    batch: int = 200  # records per write batch; the event loop runs requests between two batches
    pause_seconds: float = 0.02  # between two batches
    interval_hours: float = 24
    backup_folder: str = ""  # backups older than `days.backups` are deleted from here; empty: none managed


@dataclass(frozen=True)
class Settings:
    app_env: str
    port: int
    mongodb_uri: str
    mongodb_database: str  # empty: the URI's database, else "mediation"
    wechat_api_base: str
    wechat_oauth_base: str
    wechat_timeout: float
    wechat_app_id: str
    wechat_app_secret: str
    wechat_token: str
    wechat_aes_key: str
    mp_app_id: str
    mp_app_secret: str
    data_keys: dict[int, bytes]  # key version -> SM4 key
    current_key_version: int
    lookup_key: bytes
    cookie_secret: str
    mp_session_ttl: int
    consent_versions: tuple[str, ...]
    progress_per_client_per_minute: int
    progress_per_serial_per_hour: int
    centres: tuple[Centre, ...]
    default_centre: str
    public_base_url: str = "http://127.0.0.1:8000"  # where people's browsers reach us (links in messages)
    blob_dir: str = "var/blobs"  # the embedded engine's blob folder (a real MongoDB uses GridFS); see load_settings
    behind_proxy: bool = False  # trust X-Real-IP / X-Forwarded-For only behind our own load balancer
    evidence: EvidenceLimits = field(default_factory=EvidenceLimits)
    upload_tmp_dir: str = ""  # private folders for uploads being received; empty: the system's temp folder
    wechat_menu: dict[str, Any] = field(default_factory=dict)  # WeChat's menu JSON (button/sub_button)
    wechat_clicks: dict[str, dict[str, str]] = field(default_factory=dict)  # click key -> {action|text}
    bootstrap_admin: str = ""  # BOOTSTRAP_ADMIN "login:password": the first system administrator, if none
    listen_address: str = "127.0.0.1"  # LISTEN_ADDRESS: 0.0.0.0 behind a load balancer
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    card_platform: CardPlatformSettings = field(default_factory=CardPlatformSettings)
    docking: DockingSettings = field(default_factory=DockingSettings)
    metrics_token: str = ""  # METRICS_TOKEN: /metrics to a caller beyond loopback with `Authorization: Bearer` it
    log_format: str = "text"  # LOG_FORMAT: `json` for one JSON object a line (request id, level, logger, message)
    sms_provider: str = "standin"  # SMS_PROVIDER: "standin" (records and logs codes) or "none" (no SMS sign-up)
    sms_per_minute: int = 60  # SMS messages of the whole service (every process, every mobile) per minute
    sms_per_day: int = 2000  # ... and per day (Asia/Shanghai): caps the bill a distributed flood can run up
    collective_window_days: int = 30  # config.yaml `collective:`: applications against one employer within this
    collective_threshold: int = 10  # ... by this many workers with a common claim raise an alert (调解仲裁法 art. 7)
    uses_dev_secrets: bool = field(default=False)
    # Per client address and process (each call costs a call to WeChat, or an image and a call to the card
    # platform); config.yaml `client_rate_limits:`, RATE_LIMIT_* in the environment (benches lift them).
    mp_sessions_per_client_per_minute: int = 30
    card_tickets_per_client_per_minute: int = 20
    # The names (environment variables) of every published development key or secret in use.
    default_secrets: tuple[str, ...] = ()
    # ADMIN_TOKEN: what manage.py brings to the running server's administrative endpoint (handlers/admin/), served
    # on 127.0.0.1:ADMIN_PORT only (0: a free port, written into the embedded folder's LOCK); empty: no endpoint.
    admin_token: str = ""
    admin_port: int = 0
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    # DEMO_CLOCK (serve.sh --clock +8d): the service's clock (services/core/context.py `clock`) this far ahead of
    # real time, to try the time-gated steps without waiting days. Development only: production refuses it.
    demo_clock: timedelta = timedelta(0)
    # STANDIN_PORTS (serve.sh --standin-ports N): the stand-ins listen on 127.0.0.1:N (WeChat and SMS, its page
    # /standin/), N+1 (the card platform), N+2... (each docking partner in config.yaml's order); 0: free ports.
    standin_ports: int = 0

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    def centre(self, centre_id: str) -> Centre:
        return next(c for c in self.centres if c.id == centre_id)


def parse_data_keys(text: str) -> tuple[dict[int, bytes], int]:
    """`DATA_KEY` is `version:hex[,version:hex...]`; the first is used to encrypt, all to decrypt."""
    keys: dict[int, bytes] = {}
    current = None
    for part in text.split(","):
        version_text, _, hex_key = part.strip().partition(":")
        try:
            version, key = int(version_text), bytes.fromhex(hex_key)
        except ValueError as exc:
            raise SettingsError("DATA_KEY must look like '2:<32 hex digits>,1:<32 hex digits>'") from exc
        if len(key) != 16:
            raise SettingsError("each DATA_KEY key must be 16 bytes (32 hex digits) for SM4")
        keys[version] = key
        current = version if current is None else current
    if current is None:
        raise SettingsError("DATA_KEY is empty")
    return keys, current


def load_settings(path: str | Path = "config.yaml", environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    wechat = raw.get("wechat", {})
    limits = raw.get("progress_rate_limit", {})
    mongodb_uri = env.get("MONGODB_URI", raw.get("mongodb_uri", DEFAULT_MONGODB_URI))
    # Beside embedded:<folder>, its blobs and the uploads being received (cleaned at its start);
    # the memory engine keeps var/blobs and the system's temp folder.
    folder = mongodb_uri[len(DURABLE_ENGINE) :] if mongodb_uri.startswith(DURABLE_ENGINE) else ""
    blob_dir = env.get("BLOB_DIR", raw.get("blob_dir") or "") or (
        str(Path(folder) / "blobs") if folder else "var/blobs"
    )
    upload_tmp_dir = env.get("UPLOAD_TMP_DIR", raw.get("upload_tmp_dir") or "") or (
        str(Path(folder) / "uploads") if folder else ""
    )
    data_key_text = env.get("DATA_KEY", DEV_DATA_KEY)
    lookup_key = env.get("LOOKUP_KEY", DEV_LOOKUP_KEY)
    cookie_secret = env.get("COOKIE_SECRET", DEV_COOKIE_SECRET)
    data_keys, current = parse_data_keys(data_key_text)
    centres = tuple(
        Centre(
            id=c["id"],
            name=c["name"],
            level=c.get("level", ""),
            region_codes=tuple(c.get("region_codes", [])),
            match=tuple(c.get("match", [])),
            # A relative path is read from config.yaml's folder, wherever the server was started.
            taxonomy_file=str(Path(path).parent / c["taxonomy_file"]) if c.get("taxonomy_file") else "",
            templates_dir=str(Path(path).parent / c["templates_dir"]) if c.get("templates_dir") else "",
            address=c.get("address", ""),
            phone=c.get("phone", ""),
            demo=bool(c.get("demo", False)),
            parent=c.get("parent", ""),
            courts=tuple(c.get("courts", [])),
            basic_court=c.get("basic_court", ""),
            arbitration_commissions=tuple(
                (str(k), str(v)) for k, v in (c.get("arbitration_commissions") or {}).items()
            ),
            respondent_answer_days=int(c.get("respondent_answer_days", 5)),
            invite_respondent_on=str(c.get("invite_respondent_on", "accept")),
            show_viewer_names=bool(c.get("show_viewer_names", False)),
        )
        for c in raw.get("centres", [])
    )
    settings = Settings(
        app_env=env.get("APP_ENV", raw.get("app_env", "development")),
        port=int(raw.get("port", 8000)),
        mongodb_uri=mongodb_uri,
        mongodb_database=env.get("MONGODB_DATABASE", raw.get("mongodb_database", "")),
        wechat_api_base=env.get("WECHAT_API_BASE", wechat.get("api_base", "https://api.weixin.qq.com/")),
        wechat_oauth_base=env.get("WECHAT_OAUTH_BASE", wechat.get("oauth_base", "https://open.weixin.qq.com/connect/")),
        wechat_timeout=float(wechat.get("timeout_seconds", 5)),
        wechat_app_id=env.get("WECHAT_APP_ID", "wx-dev-official-account"),
        wechat_app_secret=env.get("WECHAT_APP_SECRET", "dev-secret"),
        wechat_token=env.get("WECHAT_TOKEN", "dev-token"),
        wechat_aes_key=env.get("WECHAT_AES_KEY", ""),
        mp_app_id=env.get("WECHAT_MP_APP_ID", "wx-dev-mini-program"),
        mp_app_secret=env.get("WECHAT_MP_APP_SECRET", "dev-mp-secret"),
        data_keys=data_keys,
        current_key_version=current,
        lookup_key=lookup_key.encode(),
        cookie_secret=cookie_secret,
        mp_session_ttl=int(raw.get("mp_session_ttl_seconds", 7200)),
        consent_versions=tuple(raw.get("consent_versions", [])),
        progress_per_client_per_minute=int(limits.get("per_client_per_minute", 10)),
        progress_per_serial_per_hour=int(limits.get("per_serial_per_hour", 20)),
        centres=centres,
        default_centre=raw.get("default_centre", centres[0].id if centres else ""),
        public_base_url=env.get("PUBLIC_BASE_URL", raw.get("public_base_url", DEFAULT_PUBLIC_BASE_URL)).rstrip("/"),
        blob_dir=blob_dir,
        behind_proxy=env.get("BEHIND_PROXY", str(raw.get("behind_proxy", False))).lower() in ("1", "true", "yes"),
        evidence=_evidence_limits(raw.get("evidence") or {}),
        upload_tmp_dir=upload_tmp_dir,
        wechat_menu=raw.get("wechat_menu") or {},
        wechat_clicks=raw.get("wechat_clicks") or {},
        bootstrap_admin=env.get("BOOTSTRAP_ADMIN", ""),
        metrics_token=env.get("METRICS_TOKEN", ""),
        log_format=_log_format(env.get("LOG_FORMAT", str(raw.get("log_format", "text")))),
        listen_address=env.get("LISTEN_ADDRESS", raw.get("listen_address", "127.0.0.1")),
        notifications=_notification_settings(raw, env),
        card_platform=_card_platform_settings(raw.get("card_platform") or {}, env),
        docking=_docking_settings(raw.get("docking") or {}, env),
        sms_provider=env.get("SMS_PROVIDER", (raw.get("sms") or {}).get("provider", "standin")),
        sms_per_minute=int((raw.get("sms") or {}).get("max_per_minute", 60)),
        sms_per_day=int((raw.get("sms") or {}).get("max_per_day", 2000)),
        demo_clock=parse_clock_offset(env.get("DEMO_CLOCK", "")),
        standin_ports=_standin_ports(env.get("STANDIN_PORTS", "")),
        collective_window_days=int((raw.get("collective") or {}).get("window_days", 30)),
        collective_threshold=int((raw.get("collective") or {}).get("threshold", 10)),
        mp_sessions_per_client_per_minute=int(
            env.get("RATE_LIMIT_MP_SESSIONS", (raw.get("client_rate_limits") or {}).get("mp_sessions_per_minute", 30))
        ),
        card_tickets_per_client_per_minute=int(
            env.get("RATE_LIMIT_CARD_TICKETS", (raw.get("client_rate_limits") or {}).get("card_tickets_per_minute", 20))
        ),
        admin_token=env.get("ADMIN_TOKEN", ""),
        admin_port=int(env.get("ADMIN_PORT", raw.get("admin_port", 0))),
        retention=_retention_settings(raw.get("retention") or {}, env),
        uses_dev_secrets=(
            data_key_text == DEV_DATA_KEY
            or lookup_key == DEV_LOOKUP_KEY
            or cookie_secret == DEV_COOKIE_SECRET
            or "WECHAT_APP_SECRET" not in env
            or "WECHAT_MP_APP_SECRET" not in env
        ),
    )
    settings = replace(settings, default_secrets=_default_secrets(settings, env))
    check_settings(settings)
    return settings


# What a published default lets anyone do, named in the WARNING at start (app.py).
DEFAULT_SECRET_RISKS = {
    "COOKIE_SECRET": "forge any session, a system administrator's too",
    "DATA_KEY": "decrypt ID and phone numbers and every stored file",
    "LOOKUP_KEY": "test guessed ID and phone numbers against their lookup hashes",
    "WECHAT_TOKEN": "forge WeChat callbacks",
    "WECHAT_APP_SECRET": "act as the official account",
    "WECHAT_MP_APP_SECRET": "act as the mini-program",
    "CARD_CHANNEL_KEY": "read and forge the card platform's identity payloads",
    "CARD_SM2_PRIVATE_KEY": "sign identity requests as this service",
    "CARD_PLATFORM_PUBLIC_KEY": "forge card sign-in notifications (its private key is published with the stand-in)",
}


def secret_risk(name: str) -> str:
    """What anyone who knows the published default of secret `name` can do."""
    if name.startswith("DOCKING_KEY_"):
        return "forge this partner's delegations and decisions, and read what we send it"
    return DEFAULT_SECRET_RISKS[name]


def _default_secrets(settings: Settings, env: Mapping[str, str]) -> tuple[str, ...]:
    """Every key or secret still at its published development value (or never set), by variable name."""
    card = settings.card_platform
    defaults = {
        "COOKIE_SECRET": settings.cookie_secret == DEV_COOKIE_SECRET,
        "DATA_KEY": env.get("DATA_KEY", DEV_DATA_KEY) == DEV_DATA_KEY,
        "LOOKUP_KEY": settings.lookup_key == DEV_LOOKUP_KEY.encode(),
        "WECHAT_TOKEN": "WECHAT_TOKEN" not in env,
        "WECHAT_APP_SECRET": "WECHAT_APP_SECRET" not in env,
        "WECHAT_MP_APP_SECRET": "WECHAT_MP_APP_SECRET" not in env,
        "CARD_CHANNEL_KEY": card.channel_key == bytes.fromhex(DEV_CARD_CHANNEL_KEY),
        "CARD_SM2_PRIVATE_KEY": card.private_key == DEV_CARD_PRIVATE_KEY,
        "CARD_PLATFORM_PUBLIC_KEY": card.platform_public_key == DEV_CARD_PLATFORM_PUBLIC_KEY,
    }
    for partner in settings.docking.partners:
        defaults[partner.key_variable] = partner.key == dev_docking_key(partner.id)
    return tuple(name for name, default in defaults.items() if default)


def is_loopback(address: str) -> bool:
    """Whether LISTEN_ADDRESS reaches only this machine ("" and 0.0.0.0 mean every interface)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _evidence_limits(raw: Mapping[str, Any]) -> EvidenceLimits:
    default = EvidenceLimits()
    return EvidenceLimits(
        max_file_bytes=int(float(raw.get("max_file_mb", default.max_file_bytes / MiB)) * MiB),
        max_case_bytes=int(float(raw.get("max_case_mb", default.max_case_bytes / MiB)) * MiB),
        max_image_pixels=int(float(raw.get("max_image_megapixels", default.max_image_pixels / 1e6)) * 1_000_000),
        zip_max_entries=int(raw.get("zip_max_entries", default.zip_max_entries)),
        zip_max_total_bytes=int(float(raw.get("zip_max_uncompressed_mb", default.zip_max_total_bytes / MiB)) * MiB),
        zip_max_ratio=int(raw.get("zip_max_ratio", default.zip_max_ratio)),
    )


def _notification_settings(raw: Mapping[str, Any], env: Mapping[str, str]) -> NotificationSettings:
    sender = raw.get("notification_sender") or {}
    templates = raw.get("notification_templates") or {}
    default = NotificationSettings()
    enabled = env.get("NOTIFICATION_SENDER", "on" if sender.get("enabled", True) else "off").lower()
    return NotificationSettings(
        sender_enabled=enabled not in ("off", "0", "false", "no"),
        poll_seconds=float(sender.get("poll_seconds", default.poll_seconds)),
        batch=int(sender.get("batch", default.batch)),
        concurrency=int(sender.get("concurrency", default.concurrency)),
        claim_seconds=float(sender.get("claim_seconds", default.claim_seconds)),
        backoff_base_seconds=float(sender.get("backoff_base_seconds", default.backoff_base_seconds)),
        backoff_cap_seconds=float(sender.get("backoff_cap_seconds", default.backoff_cap_seconds)),
        give_up_hours=float(sender.get("give_up_hours", default.give_up_hours)),
        rate_per_second=float(sender.get("rate_per_second", default.rate_per_second)),
        kinds={str(kind): _kind_templates(str(kind), spec) for kind, spec in (templates.get("kinds") or {}).items()},
        mp_page=str(templates.get("mini_program_page", default.mp_page)),
    )


def _kind_templates(kind: str, spec: Any) -> KindTemplates:
    if not isinstance(spec, Mapping):
        raise SettingsError(f"notification_templates.kinds.{kind} must be a mapping of platforms")
    unknown = set(spec) - {"official_account", "mini_program", "sms"}
    if unknown:
        raise SettingsError(f"notification_templates.kinds.{kind}: unknown platform(s) {sorted(unknown)}")

    def one(platform: str) -> MessageTemplate | None:
        raw = spec.get(platform)
        if raw is None:
            return None
        where = f"notification_templates.kinds.{kind}.{platform}"
        if not isinstance(raw, Mapping) or not str(raw.get("template_id") or "").strip():
            raise SettingsError(f"{where} needs a template_id")
        keys = raw.get("keys") or {}
        if not isinstance(keys, Mapping) or not keys:
            raise SettingsError(f"{where} needs `keys`: each template key with the notification line that fills it")
        return MessageTemplate(str(raw["template_id"]).strip(), tuple((str(k), str(v)) for k, v in keys.items()))

    return KindTemplates(one("official_account"), one("mini_program"), one("sms"))


def _card_platform_settings(raw: Mapping[str, Any], env: Mapping[str, str]) -> CardPlatformSettings:
    default = CardPlatformSettings()
    try:
        channel_key = bytes.fromhex(env.get("CARD_CHANNEL_KEY", DEV_CARD_CHANNEL_KEY))
    except ValueError as exc:
        raise SettingsError("CARD_CHANNEL_KEY must be 32 hex digits (an SM4 key)") from exc
    if len(channel_key) != 16:
        raise SettingsError("CARD_CHANNEL_KEY must be 32 hex digits (an SM4 key)")
    return CardPlatformSettings(
        base_url=env.get("CARD_PLATFORM_BASE", raw.get("base_url", default.base_url)).rstrip("/") + "/",
        platform_id=str(raw.get("platform_id", default.platform_id)),
        channel_id=env.get("CARD_CHANNEL_ID", raw.get("channel_id", default.channel_id)),
        channel_key=channel_key,
        platform_public_key=env.get("CARD_PLATFORM_PUBLIC_KEY", default.platform_public_key),
        private_key=env.get("CARD_SM2_PRIVATE_KEY", default.private_key),
        public_key=env.get("CARD_SM2_PUBLIC_KEY", default.public_key),
        timeout_seconds=float(raw.get("timeout_seconds", default.timeout_seconds)),
        status_timeout_seconds=float(raw.get("status_timeout_seconds", default.status_timeout_seconds)),
        status_cache_seconds=float(raw.get("status_cache_seconds", default.status_cache_seconds)),
        ticket_seconds=int(raw.get("ticket_seconds", default.ticket_seconds)),
        clock_skew_seconds=int(raw.get("clock_skew_seconds", default.clock_skew_seconds)),
    )


PARTNER_KINDS = ("court", "arbitration")
PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def dev_docking_key(partner_id: str) -> bytes:
    """A partner's development key when DOCKING_KEY_<ID> is unset (the stand-in's too): published, so refused in
    production and named in the start's warnings."""
    return hashlib.sha256(f"dev-docking-key:{partner_id}".encode()).digest()[:16]


def _docking_settings(raw: Mapping[str, Any], env: Mapping[str, str]) -> DockingSettings:
    """`docking:` of config.yaml; DOCKING_PARTNERS_FILE (a YAML list of partners) replaces its `partners`."""
    default = DockingSettings()
    listed: Any = raw.get("partners") or []
    source = "config.yaml docking.partners"
    if env.get("DOCKING_PARTNERS_FILE"):
        source = env["DOCKING_PARTNERS_FILE"]
        try:
            listed = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or []
        except (OSError, yaml.YAMLError) as exc:
            raise SettingsError(f"DOCKING_PARTNERS_FILE {source}: {exc}") from exc
        if isinstance(listed, Mapping):  # the same file may hold `partners:` as config.yaml does
            listed = listed.get("partners") or []
    if not isinstance(listed, list):
        raise SettingsError(f"{source}: a list of partners")
    partners = tuple(_partner(item, i, source, env) for i, item in enumerate(listed))
    ids = [p.id for p in partners]
    if len(set(ids)) != len(ids):
        raise SettingsError(f"{source}: a partner id appears twice")
    return DockingSettings(
        self_id=str(raw.get("self_id", default.self_id)),
        timeout_seconds=float(raw.get("timeout_seconds", default.timeout_seconds)),
        partners=partners,
        down_pause_seconds=float(raw.get("down_pause_seconds", default.down_pause_seconds)),
    )


def _partner(item: Any, index: int, source: str, env: Mapping[str, str]) -> Partner:
    where = f"{source}[{index}]"
    if not isinstance(item, Mapping):
        raise SettingsError(f"{where}: a mapping (id, kind, name, court_code, callback_base, ...)")
    if "key" in item:
        variable = partner_key_variable(str(item.get("id")))
        raise SettingsError(f"{where}: the key comes from the environment ({variable})")
    partner_id = str(item.get("id") or "")
    if not PARTNER_ID.match(partner_id):
        raise SettingsError(f"{where}.id: lower-case letters, digits and '-' (2-40)")
    kind = str(item.get("kind") or "")
    if kind not in PARTNER_KINDS:
        raise SettingsError(f"{where}.kind: court or arbitration")
    callback = str(item.get("callback_base") or "").strip()
    if not callback.startswith(("http://", "https://")):
        raise SettingsError(f"{where}.callback_base: an http(s) address")
    variable = partner_key_variable(partner_id)
    try:
        key = bytes.fromhex(env[variable]) if env.get(variable) else dev_docking_key(partner_id)
    except ValueError as exc:
        raise SettingsError(f"{variable} must be hex") from exc
    if len(key) < 16:
        raise SettingsError(f"{variable} must be at least 16 bytes (32 hex digits)")
    cap = item.get("extension_cap_days", 30)
    try:
        answer_days, mediation_days = int(item.get("answer_working_days", 5)), int(item.get("mediation_days", 30))
        cap = None if cap in (None, "none") else int(cap)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{where}: answer_working_days, mediation_days and extension_cap_days are days") from exc
    if not 1 <= answer_days <= 30 or not 1 <= mediation_days <= 365 or (cap is not None and not 0 <= cap <= 365):
        raise SettingsError(f"{where}: periods out of range")
    return Partner(
        id=partner_id,
        kind=kind,
        name=str(item.get("name") or partner_id),
        court_code=str(item.get("court_code") or ""),
        callback_base=callback.rstrip("/") + "/",
        key=key,
        answer_working_days=answer_days,
        mediation_days=mediation_days,
        extension_cap_days=cap,
    )


_OFFSET = re.compile(r"\+?(?:(?P<days>\d{1,3})d)?(?:(?P<hours>\d{1,4})h)?(?:(?P<minutes>\d{1,5})m)?")
MAX_CLOCK_OFFSET = timedelta(days=800)  # past any period of the law here (two years' retention checks included)


def parse_clock_offset(text: str) -> timedelta:
    """A demo clock's offset as DEMO_CLOCK, `serve.sh --clock` and the stand-ins' page take it: `+8d`, `+36h`,
    `+1d12h`, `+90m`; empty or `0`: none. Forward only: the case records' times must never run backwards."""
    text = text.strip().lower()
    if text in ("", "0", "+0", "now", "off"):
        return timedelta(0)
    match = _OFFSET.fullmatch(text)
    if match is None or not any(match.groupdict().values()):
        raise SettingsError(f"DEMO_CLOCK must look like +8d, +36h, +1d12h or +90m (forward only), not {text!r}")
    parts = {unit: int(value) for unit, value in match.groupdict().items() if value}
    offset = timedelta(**parts)
    if offset > MAX_CLOCK_OFFSET:
        raise SettingsError(f"DEMO_CLOCK may move the clock {MAX_CLOCK_OFFSET.days} days at most, not {text!r}")
    return offset


def _standin_ports(text: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not text.isdigit() or not 1024 <= int(text) <= 65000:
        raise SettingsError(f"STANDIN_PORTS must be the first of a few free ports, 1024 to 65000, not {text!r}")
    return int(text)


def describe_offset(offset: timedelta) -> str:
    """An offset as parse_clock_offset reads it back: `+8d`, `+1d12h`, `+90m`; `0` for none."""
    if offset <= timedelta(0):
        return "0"
    minutes = int(offset.total_seconds()) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    return "+" + "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n)


def check_settings(settings: Settings) -> None:
    """Refuse a production start on anything meant only for development."""
    if not any(c.id == settings.default_centre for c in settings.centres):
        raise SettingsError(f"default_centre {settings.default_centre!r} is not among the centres")
    for centre in settings.centres:
        if centre.invite_respondent_on not in ("accept", "submit"):
            raise SettingsError(f"centres.{centre.id}.invite_respondent_on must be 'accept' or 'submit'")
        if not 1 <= centre.respondent_answer_days <= 30:
            raise SettingsError(f"centres.{centre.id}.respondent_answer_days must be 1 to 30 working days")
    if settings.wechat_aes_key and not _valid_aes_key(settings.wechat_aes_key):
        raise SettingsError("WECHAT_AES_KEY must be WeChat's EncodingAESKey: 43 base64 characters (32 bytes)")
    if settings.sms_provider not in ("standin", "none"):
        raise SettingsError(f"SMS_PROVIDER must be 'standin' or 'none', not {settings.sms_provider!r}")
    if settings.collective_window_days < 1 or settings.collective_threshold < 2:
        raise SettingsError("collective.window_days must be at least 1 and collective.threshold at least 2")
    if settings.sms_per_minute < 1 or settings.sms_per_day < 1:
        raise SettingsError("sms.max_per_minute and sms.max_per_day must be at least 1")
    if settings.admin_token and len(settings.admin_token) < 24:
        raise SettingsError(
            "ADMIN_TOKEN must be at least 24 characters: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if settings.default_secrets and not is_loopback(settings.listen_address):
        # A published default reachable from other machines: anyone could forge an administrator's session.
        raise SettingsError(
            f"LISTEN_ADDRESS={settings.listen_address} with default secrets "
            f"({', '.join(settings.default_secrets)}): set them, or listen on 127.0.0.1 only"
        )
    if not settings.production:
        return
    if settings.demo_clock:
        raise SettingsError(
            f"APP_ENV=production refuses the demo clock (DEMO_CLOCK={describe_offset(settings.demo_clock)}): every "
            "deadline, answer period and performance check would run ahead of the real date; unset DEMO_CLOCK"
        )
    if settings.mongodb_uri.startswith(MEMORY_ENGINE):
        raise SettingsError("APP_ENV=production refuses the memory-only engine (mongomock://): set MONGODB_URI")
    ours = [name for name in settings.default_secrets if not name.startswith("CARD_")]  # the card's: below
    if settings.uses_dev_secrets or ours:
        raise SettingsError(f"APP_ENV=production refuses default keys and secrets: set {', '.join(ours)}")
    for base in (settings.wechat_api_base, settings.wechat_oauth_base):
        if not base.startswith("https://") or "127.0.0.1" in base or "localhost" in base:
            raise SettingsError(f"APP_ENV=production refuses a WeChat stand-in: {base}")
    card = settings.card_platform
    if card.uses_dev_keys or card.platform_public_key == DEV_CARD_PLATFORM_PUBLIC_KEY:
        raise SettingsError(
            "APP_ENV=production refuses the card platform's development keys: set CARD_CHANNEL_KEY, "
            "CARD_SM2_PRIVATE_KEY, CARD_SM2_PUBLIC_KEY and CARD_PLATFORM_PUBLIC_KEY"
        )
    if not card.base_url.startswith("https://") or "127.0.0.1" in card.base_url or "localhost" in card.base_url:
        raise SettingsError(f"APP_ENV=production refuses a card platform stand-in: {card.base_url}")
    if settings.sms_provider == "standin":
        raise SettingsError("APP_ENV=production refuses the SMS stand-in (SMS_PROVIDER): codes would only be logged")
    for partner in settings.docking.partners:
        if not partner.callback_base.startswith("https://"):
            raise SettingsError(f"APP_ENV=production refuses a docking partner over plain HTTP: {partner.id}")
    for centre in settings.centres:  # a fresh database is seeded with these: parties would call the example
        if centre.demo or placeholder_phone(centre.phone):
            raise SettingsError(
                f"APP_ENV=production refuses centres.{centre.id}'s example contact ({centre.phone or 'no phone'}, "
                "demo: true or a number of zeros): write the centre's real address and phone in config.yaml"
            )


def placeholder_phone(written: str) -> bool:
    """A number nobody answers, as demos and samples write them: after the area code (and a country code) only
    zeros (021-00000000, +86 21 0000 0000), or, written without a separator, its last eight digits zeros."""
    groups = [g for g in re.split(r"[\s-]+", written.strip()) if g]
    if groups and groups[0].startswith("+"):
        groups = groups[1:]  # the country code
    local = "".join(groups[1:]) if len(groups) > 1 else "".join(groups)[-8:]
    return bool(local) and set(local) == {"0"}


def _valid_aes_key(text: str) -> bool:
    # WeChat's EncodingAESKey: 43 base64 characters that decode to 32 bytes once "=" is appended.
    try:
        return len(text) == 43 and len(base64.b64decode(text + "=", validate=True)) == 32
    except ValueError:
        return False


def _retention_settings(raw: Mapping[str, Any], env: Mapping[str, str]) -> RetentionSettings:
    given = raw.get("days") or {}
    unknown = sorted(set(given) - set(RETENTION_DEFAULTS))
    if unknown:
        raise SettingsError(f"retention.days: unknown kinds {unknown}; the kinds are {sorted(RETENTION_DEFAULTS)}")
    try:
        days = {kind: int(given.get(kind, default)) for kind, default in RETENTION_DEFAULTS.items()}
        batch, pause = int(raw.get("batch", 200)), float(raw.get("pause_seconds", 0.02))
        interval = float(raw.get("interval_hours", 24))
    except (TypeError, ValueError) as exc:
        raise SettingsError("retention: days, batch, pause_seconds and interval_hours are numbers") from exc
    for kind, value in days.items():
        if value < RETENTION_FLOORS.get(kind, 1):
            raise SettingsError(f"retention.days.{kind} must be at least {RETENTION_FLOORS.get(kind, 1)} days")
    if not 1 <= batch <= 10_000 or not 0 <= pause <= 10 or interval <= 0:
        raise SettingsError("retention: batch 1 to 10000, pause_seconds 0 to 10, interval_hours above 0")
    folder = env.get("BACKUP_FOLDER", str(raw.get("backup_folder") or ""))
    return RetentionSettings(days, batch, pause, interval, folder)


def _log_format(value: str) -> str:
    if value not in ("text", "json"):
        raise SettingsError(f"LOG_FORMAT must be text or json, not {value!r}")
    return value
