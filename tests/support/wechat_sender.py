"""WeChat's side of the callback, written from WeChat's documentation with `cryptography` only.

Independent of our code path and of wechatpy on purpose: signing (sha1 of the sorted parts),
safe mode (AES-256-CBC, IV = first 16 key bytes, PKCS#7 to 32 bytes, random 16 bytes + 4-byte
network-order length + message + AppID, base64) and decrypting our encrypted replies.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import struct
import time
from urllib.parse import urlencode
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def new_aes_key() -> str:
    """An EncodingAESKey as WeChat's console makes one: 43 base64 characters."""
    return base64.b64encode(os.urandom(32)).decode().rstrip("=")


def text_xml(sender: str, content: str, msg_id: int, to: str = "gh_test", created: int | None = None) -> str:
    created = created or int(time.time())
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(sender: str, event: str, key: str = "", to: str = "gh_test", created: int | None = None) -> str:
    created = created or int(time.time())
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{key_xml}</xml>"
    )


class WeChatSender:
    """Builds what WeChat's servers send to our callback, and reads what we answer."""

    def __init__(self, token: str, app_id: str, aes_key: str = "") -> None:
        self.token = token
        self.app_id = app_id
        self.key = base64.b64decode(aes_key + "=") if aes_key else b""

    @property
    def safe(self) -> bool:
        return bool(self.key)

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, plain: str, app_id: str | None = None) -> str:
        raw = plain.encode()
        data = os.urandom(16) + struct.pack("!I", len(raw)) + raw + (app_id or self.app_id).encode()
        pad = BLOCK - len(data) % BLOCK
        data += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> tuple[str, str]:
        """(message, AppID) of an encrypted payload, checking the padding."""
        decryptor = self._cipher().decryptor()
        data = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        pad = data[-1]
        assert 1 <= pad <= BLOCK and data[-pad:] == bytes([pad]) * pad, "bad PKCS#7 padding"
        data = data[16:-pad]
        (length,) = struct.unpack("!I", data[:4])
        return data[4 : 4 + length].decode(), data[4 + length :].decode()

    def post(
        self,
        message_xml: str | bytes,
        timestamp: int | None = None,
        nonce: str | None = None,
        app_id: str | None = None,
    ) -> tuple[str, bytes]:
        """(path with signed query, body) of one POST, encrypted in safe mode."""
        timestamp_text = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**10))
        query = {
            "signature": sha1_sorted(self.token, timestamp_text, nonce),
            "timestamp": timestamp_text,
            "nonce": nonce,
        }
        if isinstance(message_xml, bytes):
            message_xml = message_xml.decode()
        if not self.safe:
            return "/wechat/callback?" + urlencode(query), message_xml.encode()
        encrypted = self.encrypt(message_xml, app_id)
        query |= {"encrypt_type": "aes", "msg_signature": sha1_sorted(self.token, timestamp_text, nonce, encrypted)}
        body = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        query["openid"] = "ignored-by-us"
        return "/wechat/callback?" + urlencode(query), body.encode()

    def echo(self, echostr: str, timestamp: int | None = None, bad: bool = False) -> str:
        timestamp_text = str(timestamp or int(time.time()))
        nonce = str(secrets.randbelow(10**10))
        sig = sha1_sorted(self.token + ("x" if bad else ""), timestamp_text, nonce)
        return "/wechat/callback?" + urlencode(
            {"signature": sig, "timestamp": timestamp_text, "nonce": nonce, "echostr": echostr}
        )

    def read_reply(self, body: bytes) -> dict[str, str]:
        """Our answer as fields; in safe mode its MsgSignature is checked and it is decrypted first."""
        if body == b"success":
            return {}
        root = ElementTree.fromstring(body)
        fields = {child.tag: child.text or "" for child in root}
        if self.safe:
            expected = sha1_sorted(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            assert fields["MsgSignature"] == expected, "reply signature"
            inner, app_id = self.decrypt(fields["Encrypt"])
            assert app_id == self.app_id
            root = ElementTree.fromstring(inner)
            fields = {child.tag: child.text or "" for child in root}
        return fields
