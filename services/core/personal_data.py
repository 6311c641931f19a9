"""Personal numbers at rest: SM4-GCM field encryption under a key version, a keyed SM3 lookup hash, masks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from bson import Binary
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from services.core.idnumbers import normalise_number
from services.core.phones import mask_phone as mask_phone  # re-exported: callers mask through this module
from services.core.phones import mask_typed_phone

NONCE_BYTES = 12
TAG_BYTES = 16


class FieldCipher:
    """Seals one text value; the field name is authenticated data, so a value cannot be moved."""

    def __init__(self, keys: dict[int, bytes], current_version: int, lookup_key: bytes) -> None:
        # The keys as SM4 takes them, checked once (a third of an encryption when made for each value).
        self._sm4 = {version: algorithms.SM4(key) for version, key in keys.items()}
        self._current = current_version
        self._lookup_key = lookup_key

    def encrypt(self, plaintext: str, field: str) -> dict[str, Any]:
        nonce = os.urandom(NONCE_BYTES)
        encryptor = Cipher(self._sm4[self._current], modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(field.encode())
        ct = encryptor.update(plaintext.encode()) + encryptor.finalize()
        return {"kv": self._current, "ct": Binary(nonce + ct + encryptor.tag)}

    def decrypt(self, sealed: Mapping[str, Any], field: str) -> str:
        blob = bytes(sealed["ct"])
        nonce, ct, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
        key = self._sm4.get(sealed["kv"])
        if key is None:
            raise KeyError(f"no data key of version {sealed['kv']}")
        decryptor = Cipher(key, modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(field.encode())
        try:
            return (decryptor.update(ct) + decryptor.finalize()).decode()
        except InvalidTag as exc:
            raise ValueError(f"sealed value of {field} does not authenticate") from exc

    def lookup_hash(self, value: str, kind: str) -> str:
        """Keyed SM3 hash for equality lookups; stable across data-key rotations."""
        mac = hmac.HMAC(self._lookup_key, hashes.SM3())
        mac.update(f"{kind}\x00{value}".encode())
        return mac.finalize().hex()


def mask_document_number(number: str) -> str:
    """18-character IDs keep their first 6 and last 4; shorter numbers their first 2 and last 2."""
    if len(number) >= 18:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


# Which fields of which party hold personal numbers, and how each is masked.
SEALED_FIELDS: dict[str, str] = {
    "id_number": "document",
    "contact_id_number": "document",
    "phone": "phone",
    "contact_phone": "phone",
    "legal_representative_phone": "phone",
}


def _mask(kind: str, value: str) -> str:
    """A number masked as its parser reads it (a draft holds it as typed: spaces, +86, full-width digits)."""
    return mask_typed_phone(value) if kind == "phone" else mask_document_number(normalise_number(value))


def mask_field(name: str, value: str) -> str:
    """`value` masked as the party field `name` (one of SEALED_FIELDS) is shown."""
    return _mask(SEALED_FIELDS[name], value)


def seal_party(cipher: FieldCipher, party: dict[str, Any], path: str) -> dict[str, Any]:
    """Replace each personal number of a party by {kv, ct, masked}; other fields are kept as they are."""
    sealed = dict(party)
    for name, kind in SEALED_FIELDS.items():
        value = party.get(name)
        if value:
            sealed[name] = cipher.encrypt(value, f"{path}.{name}") | {"masked": _mask(kind, value)}
    return sealed


def unseal_party(cipher: FieldCipher, party: dict[str, Any], path: str) -> dict[str, Any]:
    """The party with its personal numbers in clear (for documents and staff who may see them)."""
    clear = dict(party)
    for name in SEALED_FIELDS:
        value = party.get(name)
        if isinstance(value, dict) and "ct" in value:
            clear[name] = cipher.decrypt(value, f"{path}.{name}")
    return clear


def masked_party(party: dict[str, Any]) -> dict[str, Any]:
    """The party as any response shows it: personal numbers masked."""
    shown = dict(party)
    for name in SEALED_FIELDS:
        value = party.get(name)
        if isinstance(value, dict) and "masked" in value:
            shown[name] = value["masked"]
    return shown
