"""Field encryption with key versions, the keyed lookup hash, and masks."""

from __future__ import annotations

import pytest

from services.core.personal_data import FieldCipher, mask_document_number, mask_phone, seal_party, unseal_party

OLD, NEW = bytes(range(16)), bytes(range(16, 32))


def test_round_trip_and_the_field_is_bound():
    cipher = FieldCipher({1: OLD}, 1, b"lookup")
    sealed = cipher.encrypt("110101199003071234", "applicant.id_number")
    assert sealed["kv"] == 1 and b"1101" not in bytes(sealed["ct"])
    assert cipher.decrypt(sealed, "applicant.id_number") == "110101199003071234"
    with pytest.raises(ValueError):
        cipher.decrypt(sealed, "respondent.id_number")  # moved to another field: refused


def test_tampered_ciphertext_is_refused():
    cipher = FieldCipher({1: OLD}, 1, b"lookup")
    sealed = cipher.encrypt("13812345678", "applicant.phone")
    blob = bytearray(bytes(sealed["ct"]))
    blob[14] ^= 1
    with pytest.raises(ValueError):
        cipher.decrypt({"kv": 1, "ct": bytes(blob)}, "applicant.phone")


def test_rotation_old_values_still_read_new_values_use_the_new_key():
    before = FieldCipher({1: OLD}, 1, b"lookup")
    old_value = before.encrypt("13812345678", "applicant.phone")
    after = FieldCipher({2: NEW, 1: OLD}, 2, b"lookup")
    assert after.decrypt(old_value, "applicant.phone") == "13812345678"
    new_value = after.encrypt("13812345678", "applicant.phone")
    assert new_value["kv"] == 2
    with pytest.raises(KeyError):
        before.decrypt(new_value, "applicant.phone")
    assert before.lookup_hash("13812345678", "phone") == after.lookup_hash("13812345678", "phone")


def test_lookup_hash_is_keyed_and_kind_scoped():
    a = FieldCipher({1: OLD}, 1, b"key-a")
    b = FieldCipher({1: OLD}, 1, b"key-b")
    assert a.lookup_hash("x", "phone") != b.lookup_hash("x", "phone")
    assert a.lookup_hash("x", "phone") != a.lookup_hash("x", "id")
    assert len(a.lookup_hash("x", "phone")) == 64


def test_masks_as_api_md_says():
    assert mask_document_number("310115199003070011") == "310115********0011"
    assert mask_document_number("E12345678") == "E1*****78"
    assert mask_phone("13812345678") == "138****5678"


def test_seal_and_unseal_a_party():
    cipher = FieldCipher({1: OLD}, 1, b"lookup")
    party = {"name": "张三", "id_number": "310115199003070011", "phone": "13812345678"}
    sealed = seal_party(cipher, party, "applicant")
    assert sealed["name"] == "张三" and sealed["phone"]["masked"] == "138****5678"
    assert unseal_party(cipher, sealed, "applicant") == party
