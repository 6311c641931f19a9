"""The card platform's cryptography: SM2-with-SM3 signatures (gmssl), SM4-GCM channel payloads, canonical strings."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import sm2

_ORDER = int(sm2.default_ecc_table["n"], 16)
_HEX_LEN = len(sm2.default_ecc_table["n"])  # 64: one coordinate, one half of r||s
NONCE_BYTES, TAG_BYTES = 12, 16


class SignatureInvalid(ValueError):
    """A signature that is malformed or does not verify."""


def _crypt(private_key: str = "", public_key: str = "") -> sm2.CryptSM2:
    crypt = sm2.CryptSM2(private_key=private_key, public_key="")
    # gmssl strips a leading "04" with str.lstrip("04"), which also eats any 0 or 4 that starts the
    # x coordinate: set the bare 128-hex key ourselves instead of going through the constructor.
    crypt.public_key = public_key[2:] if len(public_key) == 2 * _HEX_LEN + 2 else public_key
    return crypt


def generate_key_pair() -> tuple[str, str]:
    """A fresh SM2 key pair as hex: (private key, uncompressed public key "04" + x + y)."""
    d = secrets.randbelow(_ORDER - 2) + 1
    private_key = f"{d:064x}"
    return private_key, "04" + _crypt(private_key)._kg(d, sm2.default_ecc_table["g"])


def canonical(fields: Mapping[str, Any]) -> bytes:
    """What is signed: `key=value` pairs sorted by key, joined by `&`, without `sign` and empty values."""
    pairs = sorted((k, str(v)) for k, v in fields.items() if k != "sign" and v not in (None, ""))
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


def sm2_sign(private_key: str, public_key: str, data: bytes) -> str:
    """SM2 over SM3 (with the default user id) as base64 DER, the encoding the platform exchanges.

    Blocking (about 15 ms of pure Python): call through the executor.
    """
    # gmssl's default nonce comes from `random`, not a CSPRNG: give it one from `secrets`.
    raw = _crypt(private_key, public_key).sign_with_sm3(data, secrets.token_hex(_HEX_LEN // 2))
    r, s = int(raw[:_HEX_LEN], 16), int(raw[_HEX_LEN:], 16)
    return base64.b64encode(encode_dss_signature(r, s)).decode()


def sm2_verify(public_key: str, data: bytes, signature: str) -> None:
    """Raise SignatureInvalid unless `signature` (base64 DER) signs `data`. Blocking: use the executor."""
    try:
        r, s = decode_dss_signature(base64.b64decode(signature, validate=True))
    except ValueError as exc:
        raise SignatureInvalid("signature is not base64 DER") from exc
    if not (0 < r < _ORDER and 0 < s < _ORDER):  # gmssl itself does not check the range
        raise SignatureInvalid("signature out of range")
    if not _crypt(public_key=public_key).verify_with_sm3(f"{r:064x}{s:064x}", data):
        raise SignatureInvalid("signature does not verify")


def seal_payload(key: bytes, payload: Mapping[str, Any], channel_id: str) -> str:
    """SM4-GCM of the JSON payload under the channel key, the channel id as associated data; base64."""
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(channel_id.encode())
    ct = encryptor.update(json.dumps(payload, ensure_ascii=False).encode()) + encryptor.finalize()
    return base64.b64encode(nonce + ct + encryptor.tag).decode()


def open_payload(key: bytes, sealed: str, channel_id: str) -> dict[str, Any]:
    """The payload of `seal_payload`; ValueError when it does not authenticate or is not a JSON object."""
    try:
        blob = base64.b64decode(sealed, validate=True)
    except ValueError as exc:
        raise ValueError("payload is not base64") from exc
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise ValueError("payload too short")
    nonce, ct, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(channel_id.encode())
    try:
        data = json.loads(decryptor.update(ct) + decryptor.finalize())
    except InvalidTag as exc:
        raise ValueError("payload does not authenticate under the channel key") from exc
    if not isinstance(data, dict):
        raise ValueError("payload is not an object")
    return data
