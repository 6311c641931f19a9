"""WeChat's callback protocol: signatures in constant time, XML parsed safely first, safe-mode crypto, replies."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import struct
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import create_reply, parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.messages import BaseMessage
from wechatpy.utils import WeChatSigner

MAX_BODY_BYTES = 64 * 1024  # WeChat's messages are a few hundred bytes; anything far larger is not WeChat


class CallbackRejected(Exception):
    """The request is not a genuine, well-formed WeChat callback: `status` is 400 or 403."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def signature(token: str, *parts: str) -> str:
    """WeChat's signature: sha1 of the sorted, concatenated parts (wechatpy's signer)."""
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


def signature_matches(expected: str, given: str) -> bool:
    # wechatpy compares with `!=`, which leaks timing: compare in constant time here.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def parse_xml_fields(body: bytes | str) -> dict[str, str]:
    """The top-level fields of a WeChat `<xml>` document, parsed with DTDs and entities forbidden.

    Runs before wechatpy ever sees the text (its xmltodict/expat would expand entities).
    """
    if len(body) > MAX_BODY_BYTES:
        raise CallbackRejected(400, "xml_too_large", "message too large")
    if not body or not body.strip():
        raise CallbackRejected(400, "xml_empty", "empty body")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        refused = f"XML with a DTD or entities is refused: {type(exc).__name__}"
        raise CallbackRejected(400, "xml_forbidden", refused) from exc
    except (ParseError, ValueError, UnicodeError) as exc:
        raise CallbackRejected(400, "xml_malformed", "malformed XML") from exc
    if root.tag != "xml":
        raise CallbackRejected(400, "xml_malformed", "the root element is not <xml>")
    return {child.tag: (child.text or "") for child in root}


def read_message(xml_text: str, fields: dict[str, str] | None = None) -> tuple[dict[str, str], BaseMessage]:
    """The checked message's fields and wechatpy's typed object (TextMessage, SubscribeEvent, ClickEvent...).

    `fields`: the same text already parsed by `parse_xml_fields` (plain mode), not parsed twice.
    """
    fields = fields if fields is not None else parse_xml_fields(xml_text.encode("utf-8"))
    if not fields.get("MsgType") or not fields.get("FromUserName") or not fields.get("CreateTime", "").isdigit():
        raise CallbackRejected(400, "message_incomplete", "MsgType, FromUserName or CreateTime missing")
    return fields, parse_message(xml_text)


def dedup_key(fields: dict[str, Any]) -> str:
    """WeChat's identity of a message across its retries: MsgId; for events, sender + CreateTime."""
    msg_id = fields.get("MsgId") or fields.get("MsgID")
    if msg_id:
        return f"msg:{msg_id}"
    return f"event:{fields.get('FromUserName', '')}:{fields.get('CreateTime', '')}"


def text_reply(message: BaseMessage, content: str) -> str:
    """A passive text reply (XML) to `message`."""
    return create_reply(content, message, render=True)


class SafeMode:
    """Safe (AES) mode: the EncodingAESKey decrypts messages for our AppID and encrypts our replies."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self.token = token
        self.app_id = app_id
        key = base64.b64decode(encoding_aes_key + "=")
        self._prp = PrpCrypto(key)
        self._crypto = WeChatCrypto(token, encoding_aes_key, app_id)

    def decrypt(self, encrypted: str) -> str:
        """The inner XML; a message encrypted for another AppID is refused (403), garbage is 400."""
        try:
            return self._prp.decrypt(encrypted, self.app_id)
        except InvalidAppIdException as exc:
            raise CallbackRejected(403, "appid_mismatch", "the message is not for this AppID") from exc
        except (ValueError, binascii.Error, struct.error, UnicodeDecodeError, IndexError, TypeError) as exc:
            raise CallbackRejected(400, "decrypt_failed", "the Encrypt field cannot be decrypted") from exc

    def encrypt_reply(self, reply_xml: str, timestamp: str) -> str:
        return self._crypto.encrypt_message(reply_xml, secrets.token_hex(8), timestamp)
