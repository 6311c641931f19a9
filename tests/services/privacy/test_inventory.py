"""The privacy notice parties read and the impact assessment in docs/privacy.md list the same processing
(PIPL arts. 17, 30, 55-56): one inventory (services/privacy/inventory.py) feeds the notice, and the assessment's table
has a row for each of its entries, in the same order; every entry is in words in both languages."""

from __future__ import annotations

import re

from i18n import catalogue
from services.accounts import consents
from services.privacy import inventory
from tests.support.modules import ROOT

ROW = re.compile(r"^\| `([a-z_]+)` \|", re.M)


def assessment_rows() -> list[str]:
    text = (ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
    section = text.split("### What is processed, why, where, who sees it, how long", 1)[1].split("\n### ", 1)[0]
    return ROW.findall(section)


def test_the_assessment_has_a_row_for_every_entry_of_the_notice():
    assert assessment_rows() == [item.id for item in inventory.ITEMS]


def test_every_entry_is_in_words_in_chinese_and_in_english():
    for item in inventory.ITEMS:
        for word in inventory.WORDS:
            key = f"privacy.item.{item.id}.{word}"
            assert catalogue().has(key, "zh_CN") and catalogue().has(key, "en"), key
        assert item.basis in inventory.BASES and set(item.persons) <= set(inventory.PERSONS)
    zh, en = inventory.notice("zh_CN"), inventory.notice("en")
    assert [i["id"] for i in zh["items"]] == [i["id"] for i in en["items"]]
    assert all(i["title"] != j["title"] for i, j in zip(zh["items"], en["items"], strict=True))


def test_what_rests_on_consent_is_in_the_notice_with_its_sensitivity():
    entries = {item.id: item for item in inventory.ITEMS}
    for purpose in consents.OPTIONAL.values():
        item = entries[f"consent_{purpose.id}"]
        assert item.basis == "consent" and item.sensitive == purpose.sensitive
    assert {i.id for i in inventory.ITEMS if i.basis == "consent"} == {f"consent_{p}" for p in consents.OPTIONAL}


def test_the_check_can_fail():
    assert ROW.findall("| `identity` | a |\n| not a row |\n| `contact` | b |") == ["identity", "contact"]
