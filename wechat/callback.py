"""WeChat's callback protocol: signatures in constant time, XML parsed safely first, safe-mode crypto, replies."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
import time
from typing import Any, NoReturn
from xml.parsers import expat

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage

MAX_BODY_BYTES = 64 * 1024  # WeChat's messages are a few hundred bytes; anything far larger is not WeChat


class CallbackRejected(Exception):
    """The request is not a genuine, well-formed WeChat callback: `status` is 400 or 403."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def signature(token: str, *parts: str) -> str:
    """WeChat's signature: sha1 of the sorted, concatenated parts (as wechatpy's WeChatSigner computes it)."""
    return hashlib.sha1(b"".join(sorted(p.encode("utf-8") for p in (token, *parts)))).hexdigest()  # noqa: S324


def signature_matches(expected: str, given: str) -> bool:
    # wechatpy compares with `!=`, which leaks timing: compare in constant time here.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


class XmlForbidden(Exception):
    """A document type, an entity declaration or an external reference: never part of WeChat's XML."""


def _forbid(*_args: object) -> NoReturn:
    raise XmlForbidden


class _Values:
    """expat's callbacks, building xmltodict's shape (what wechatpy's own parser gives its messages):
    a leaf is its stripped text or None, an element with children a dict, a repeated tag a list."""

    def __init__(self) -> None:
        self.root: tuple[str, Any] | None = None
        self._open: list[tuple[str, dict[str, Any], list[str]]] = []

    def start(self, tag: str, _attributes: object) -> None:
        self._open.append((tag, {}, []))

    def text(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)

    def end(self, _tag: str) -> None:
        tag, children, texts = self._open.pop()
        value = children or ("".join(texts).strip() or None)
        if not self._open:
            self.root = (tag, value)
            return
        siblings = self._open[-1][1]
        if tag not in siblings:
            siblings[tag] = value
        elif isinstance(siblings[tag], list):
            siblings[tag].append(value)
        else:
            siblings[tag] = [siblings[tag], value]


def parse_xml(body: bytes) -> dict[str, Any]:
    """The fields of a WeChat `<xml>` document, in the shape wechatpy builds messages from.

    Safe by refusal, as defusedxml does it: expat's handlers for a document type, entity
    declarations and external references raise, so no entity is ever defined or expanded. expat
    directly because defusedxml's parser builds an ElementTree in pure Python (measured at twice
    the time, and a callback in safe mode parses twice). One parse serves our checks and wechatpy:
    the text never reaches xmltodict.
    """
    if len(body) > MAX_BODY_BYTES:
        raise CallbackRejected(400, "xml_too_large", "message too large")
    if not body or not body.strip():
        raise CallbackRejected(400, "xml_empty", "empty body")
    values = _Values()
    parser = expat.ParserCreate("utf-8")  # WeChat sends UTF-8 only, whatever a declaration claims
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = values.start, values.end
    parser.CharacterDataHandler = values.text
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = parser.ExternalEntityRefHandler = _forbid
    try:
        parser.Parse(body, True)
    except XmlForbidden as exc:
        raise CallbackRejected(400, "xml_forbidden", "XML with a DTD or entities is refused") from exc
    except (expat.ExpatError, ValueError, UnicodeError) as exc:
        raise CallbackRejected(400, "xml_malformed", "malformed XML") from exc
    if values.root is None or values.root[0] != "xml":
        raise CallbackRejected(400, "xml_malformed", "the root element is not <xml>")
    return values.root[1] if isinstance(values.root[1], dict) else {}


def text_field(fields: dict[str, Any], name: str) -> str:
    """A top-level text field; "" where it is absent, empty or not text."""
    value = fields.get(name)
    return value if isinstance(value, str) else ""


def read_message(fields: dict[str, Any]) -> BaseMessage:
    """wechatpy's typed object (TextMessage, SubscribeEvent, ClickEvent...) for a message parsed by `parse_xml`.

    The class is chosen as wechatpy 1.8's `parse_message` chooses it (kept equal by a test); only
    its xmltodict parse is left out.
    """
    complete = text_field(fields, "MsgType") and text_field(fields, "FromUserName")
    if not complete or not text_field(fields, "CreateTime").isdigit():
        raise CallbackRejected(400, "message_incomplete", "MsgType, FromUserName or CreateTime missing")
    message = dict(fields)
    message_type = message["MsgType"].lower()
    if message_type != "event" and not message_type.startswith("device_"):
        return MESSAGE_TYPES.get(message_type, UnknownMessage)(message)
    event_type = text_field(message, "Event").lower() or None
    if message_type.startswith("device_"):
        event_type = f"device_{event_type}" if event_type else message_type
    event_key = text_field(message, "EventKey")
    if event_type == "subscribe" and event_key.startswith(("scanbarcode|", "scanimage|")):
        event_type = message["Event"] = "subscribe_scan_product"
    elif event_type == "subscribe" and event_key.startswith("qrscene_"):
        event_type = message["Event"] = "subscribe_scan"  # scanned a parameter QR code to follow
        message["EventKey"] = event_key[len("qrscene_") :]
    return EVENT_TYPES.get(event_type, UnknownMessage)(message)


def dedup_key(fields: dict[str, Any]) -> str:
    """WeChat's identity of a message across its retries: MsgId; for events, sender + CreateTime."""
    msg_id = text_field(fields, "MsgId") or text_field(fields, "MsgID")
    if msg_id:
        return f"msg:{msg_id}"
    return f"event:{text_field(fields, 'FromUserName')}:{text_field(fields, 'CreateTime')}"


# wechatpy's TextReply.render, field for field (create_reply(content, message, render=True)), without its
# metaclass fields and conversions: the reply XML is written once per message (issue 24).
_TEXT_REPLY = (
    "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{content}]]></Content>\n"
    "<FromUserName><![CDATA[{source}]]></FromUserName>\n<ToUserName><![CDATA[{target}]]></ToUserName>\n"
    "<CreateTime>{time}</CreateTime>\n</xml>"
)


def text_reply(message: BaseMessage, content: str) -> str:
    """A passive text reply (XML) to `message`: from the account the message went to, to its sender."""
    return _TEXT_REPLY.format(content=content, source=message.target, target=message.source, time=int(time.time()))


# WeChat's encrypted reply, as wechatpy's WeChatCrypto.encrypt_message writes it.
_ENCRYPTED_REPLY = (
    "<xml>\n<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
    "<TimeStamp>{timestamp}</TimeStamp>\n<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>"
)
_BLOCK = 32  # WeChat pads to 32 bytes (PKCS#7 with a 32-byte block), not AES's 16


class SafeMode:
    """Safe (AES) mode: the EncodingAESKey decrypts messages for our AppID and encrypts our replies.

    WeChat's scheme (wechatpy's PrpCrypto, which tests/support/wechat_sender.py checks independently): AES-256-CBC
    with the key's first 16 bytes as IV over 16 random bytes, the message's length (4 bytes, network order), the
    message and the AppID, padded to 32 bytes. One cipher for the process; the 16-character random prefix drawn from
    `secrets` (wechatpy's own uses `random`).
    """

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self.token = token
        self.app_id = app_id
        key = base64.b64decode(encoding_aes_key + "=")
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))
        self._app_id = app_id.encode("utf-8")

    def decrypt(self, encrypted: str) -> str:
        """The inner XML; a message encrypted for another AppID is refused (403), garbage is 400."""
        try:
            decryptor = self._cipher.decryptor()
            plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
            content = plain[16 : -plain[-1]]
            length = struct.unpack("!I", content[:4])[0]
            inner = content[4 : length + 4].decode("utf-8")
            from_id = content[length + 4 :].decode("utf-8")
        except (ValueError, binascii.Error, struct.error, UnicodeDecodeError, IndexError, TypeError) as exc:
            raise CallbackRejected(400, "decrypt_failed", "the Encrypt field cannot be decrypted") from exc
        if from_id != self.app_id:
            raise CallbackRejected(403, "appid_mismatch", "the message is not for this AppID")
        return inner

    def encrypt(self, text: str) -> str:
        """`text` as WeChat's Encrypt field (base64)."""
        raw = text.encode("utf-8")
        body = secrets.token_hex(8).encode("ascii") + struct.pack("!I", len(raw)) + raw + self._app_id
        pad = _BLOCK - len(body) % _BLOCK
        encryptor = self._cipher.encryptor()
        sealed = encryptor.update(body + bytes((pad,)) * pad) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def encrypt_reply(self, reply_xml: str, timestamp: str) -> str:
        nonce = secrets.token_hex(8)
        encrypted = self.encrypt(reply_xml)
        return _ENCRYPTED_REPLY.format(
            encrypt=encrypted,
            signature=signature(self.token, timestamp, nonce, encrypted),
            timestamp=timestamp,
            nonce=nonce,
        )
