"""Settings: read once at start from config.yaml and the environment (which wins), then passed in."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Development defaults: usable on a laptop, refused when APP_ENV=production.
DEV_DATA_KEY = "1:" + "00112233445566778899aabbccddeeff"
DEV_LOOKUP_KEY = "dev-lookup-key-not-for-production"
DEV_COOKIE_SECRET = "dev-cookie-secret-not-for-production"


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
    blob_dir: str = "var/blobs"  # the embedded engine's blob folder (a real MongoDB uses GridFS)
    behind_proxy: bool = False  # trust X-Real-IP / X-Forwarded-For only behind our own load balancer
    evidence: EvidenceLimits = field(default_factory=EvidenceLimits)
    upload_tmp_dir: str = ""  # private folders for uploads being received; empty: the system's temp folder
    wechat_menu: dict[str, Any] = field(default_factory=dict)  # WeChat's menu JSON (button/sub_button)
    wechat_clicks: dict[str, dict[str, str]] = field(default_factory=dict)  # click key -> {action|text}
    bootstrap_admin: str = ""  # BOOTSTRAP_ADMIN "login:password": the first system administrator, if none
    listen_address: str = "127.0.0.1"  # LISTEN_ADDRESS: 0.0.0.0 behind a load balancer
    uses_dev_secrets: bool = field(default=False)

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
        )
        for c in raw.get("centres", [])
    )
    settings = Settings(
        app_env=env.get("APP_ENV", raw.get("app_env", "development")),
        port=int(raw.get("port", 8000)),
        mongodb_uri=env.get("MONGODB_URI", raw.get("mongodb_uri", "mongomock://")),
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
        public_base_url=env.get("PUBLIC_BASE_URL", raw.get("public_base_url", "http://127.0.0.1:8000")).rstrip("/"),
        blob_dir=env.get("BLOB_DIR", raw.get("blob_dir", "var/blobs")),
        behind_proxy=bool(raw.get("behind_proxy", False)),
        evidence=_evidence_limits(raw.get("evidence") or {}),
        upload_tmp_dir=env.get("UPLOAD_TMP_DIR", raw.get("upload_tmp_dir", "")),
        wechat_menu=raw.get("wechat_menu") or {},
        wechat_clicks=raw.get("wechat_clicks") or {},
        bootstrap_admin=env.get("BOOTSTRAP_ADMIN", ""),
        listen_address=env.get("LISTEN_ADDRESS", raw.get("listen_address", "127.0.0.1")),
        uses_dev_secrets=(
            data_key_text == DEV_DATA_KEY
            or lookup_key == DEV_LOOKUP_KEY
            or cookie_secret == DEV_COOKIE_SECRET
            or "WECHAT_APP_SECRET" not in env
            or "WECHAT_MP_APP_SECRET" not in env
        ),
    )
    check_settings(settings)
    return settings


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


def check_settings(settings: Settings) -> None:
    """Refuse a production start on anything meant only for development."""
    if not any(c.id == settings.default_centre for c in settings.centres):
        raise SettingsError(f"default_centre {settings.default_centre!r} is not among the centres")
    if settings.wechat_aes_key and not _valid_aes_key(settings.wechat_aes_key):
        raise SettingsError("WECHAT_AES_KEY must be WeChat's EncodingAESKey: 43 base64 characters (32 bytes)")
    if not settings.production:
        return
    if settings.mongodb_uri.startswith("mongomock://"):
        raise SettingsError("APP_ENV=production refuses the embedded engine: set MONGODB_URI")
    if settings.uses_dev_secrets:
        raise SettingsError(
            "APP_ENV=production refuses default keys and secrets: set DATA_KEY, LOOKUP_KEY, "
            "COOKIE_SECRET, WECHAT_APP_SECRET and WECHAT_MP_APP_SECRET"
        )
    for base in (settings.wechat_api_base, settings.wechat_oauth_base):
        if not base.startswith("https://") or "127.0.0.1" in base or "localhost" in base:
            raise SettingsError(f"APP_ENV=production refuses a WeChat stand-in: {base}")


def _valid_aes_key(text: str) -> bool:
    # WeChat's EncodingAESKey: 43 base64 characters that decode to 32 bytes once "=" is appended.
    try:
        return len(text) == 43 and len(base64.b64decode(text + "=", validate=True)) == 32
    except ValueError:
        return False
