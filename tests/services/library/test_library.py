"""The library: the shipped entries and their sources, articles as anchors, the search in everyday words."""

from __future__ import annotations

import pytest

from services.accounts.staff import MEDIATOR, SYSTEM_ADMIN, StaffMember
from services.core.errors import Forbidden, ValidationFailed
from services.library import entries, search

ADMIN = StaffMember("root", "管理员", SYSTEM_ADMIN, "sh-city")
MEDIATOR_MEMBER = StaffMember("m", "调解员", MEDIATOR, "sh-city")


def test_every_shipped_entry_records_its_source_and_reads():
    shipped = entries.shipped_entries()
    assert {
        "labour_law",
        "labour_contract_law",
        "labour_contract_regulations",
        "mediation_arbitration_law",
        "arbitration_rules",
        "enterprise_mediation_rules",
        "paid_leave_regulations",
        "wage_payment_provisions",
    } <= {d["_id"] for d in shipped}
    assert sum(d["kind"] == "case" for d in shipped) >= 10
    for doc in shipped:
        assert doc["source"]["name"] and doc["title"] and doc["issuer"] and doc["text"].strip(), doc["_id"]
        assert doc["status"] in entries.STATUSES and doc["kind"] in entries.KINDS
    total = sum(len(d["text"]) for d in shipped)
    assert total < 300_000  # the shipped data stays reasonable in size


def test_articles_are_cut_and_numbered():
    law = next(d for d in entries.shipped_entries() if d["_id"] == "labour_law")
    passages = entries.passages_of(law["text"])
    article = next(p for p in passages if p.article == 44)
    assert article.anchor == "art-44" and "百分之一百五十" in article.text


@pytest.mark.gen_test
async def test_a_colloquial_word_finds_the_formal_article_and_edits_rebuild_the_index(ctx):
    await entries.seed(ctx)
    found = await search.search(ctx, "加班费")
    labour_law = next(i for i in found["items"] if i["id"] == "labour_law")
    assert labour_law["article"] == 44 and "延长工作时间" in found["also_searched"]
    cases = await search.search(ctx, "老板不给加班费怎么办", kind="case")
    assert cases["items"] and all(i["kind"] == "case" for i in cases["items"])
    with pytest.raises(Forbidden):
        await entries.save_entry(ctx, MEDIATOR_MEMBER, {})
    with pytest.raises(ValidationFailed) as caught:
        await entries.save_entry(ctx, ADMIN, {"id": "x", "kind": "poem", "date": "later", "causes": "abc"})
    assert {"id", "kind", "status", "title", "issuer", "date", "causes", "text", "source_name"} <= {
        e.field for e in caught.value.errors
    }
    await entries.save_entry(
        ctx,
        ADMIN,
        {
            "id": "sh_overtime_guide",
            "kind": "policy",
            "title": "浦东加班指引",
            "issuer": "浦东新区人社局",
            "date": "2025-01-01",
            "status": "effective",
            "text": "第一条 周末加班应当支付双倍工资。",
            "source_name": "测试",
        },
    )
    search.forget(ctx)
    again = await search.search(ctx, "周末加班")
    assert again["items"][0]["id"] == "sh_overtime_guide"


# Issue 21 item 16: the texts the system cites are in the library, each from a copy found and checked.
CITED = {
    "civil_procedure_law": (125, 205, 206, 225, 226, 227, 228),  # mediation first, confirmation, payment orders
    "civil_code": (188, 195, 201, 202, 203),  # limitation and the counting of periods
    "online_mediation_rules": (12, 15, 21, 24, 25, 26),  # 法释〔2021〕23号, the delegated cases
    "judicial_confirmation_rules": (3,),  # 法释〔2011〕5号, the attachments of a confirmation
    "arbitration_rules": (26, 27, 74, 80),  # 办案规则: limitation, arbitral review, working days
    "enterprise_mediation_rules": (29, 31),
    "holiday_measures": (2, 6),  # the statutory holidays and their make-up days
    "work_injury_regulations": (14, 17),
    "judicial_interpretation_2": (6, 16, 21),
}


def test_every_text_a_rule_cites_is_shipped_with_its_source_and_its_check():
    from services.core.laws import LAWS

    shipped = {d["_id"]: d for d in entries.shipped_entries()}
    assert set(LAWS) <= set(shipped)
    for law in LAWS:
        doc = shipped[law]
        assert not doc.get("text_pending"), law  # nothing listed as pending: a text or no entry
        assert doc["source"].get("transcription"), law
    for law, articles in CITED.items():
        doc = shipped[law]
        assert doc["source"].get("checked"), law  # what it was checked against, or that no second copy was found
        numbers = {p.article for p in entries.passages_of(doc["text"])}
        assert set(articles) <= numbers, (law, set(articles) - numbers)


def test_a_repealed_provision_is_marked_and_the_text_kept():
    # 法释〔2025〕12号 art. 21 repealed 法释〔2020〕26号 art. 32 para. 1 from 2025-09-01.
    doc = next(d for d in entries.shipped_entries() if d["_id"] == "judicial_interpretation_1")
    entry = entries._entry(doc)
    notes = [n.text() for n in entry.repealed_notes(32)]
    assert notes == ["【已废止】本条第一款已被法释〔2025〕12号第二十一条废止，自2025年9月1日起不再适用。"]
    assert entry.repealed_notes(33) == [] and "按劳务关系处理" in entry.text  # the published text stays
    assert [n.text("en") for n in entry.repealed_notes(32)][0].startswith("[Repealed] Paragraph 1 ")
    assert entry.as_json()["repealed"] == [
        {"article": 32, "paragraph": 1, "by": "法释〔2025〕12号第二十一条", "since": "2025-09-01"}
    ]


@pytest.mark.gen_test
async def test_an_existing_library_gets_new_texts_without_losing_an_edit_or_reviving_a_deletion(ctx):
    # A database seeded before: a pending text as shipped, an administrator's edit, an entry they deleted.
    shipped = {d["_id"]: d for d in entries.shipped_entries()}
    pending = shipped["arbitration_rules"] | {"text": "尚未录入", "text_pending": True, "updated_by": "data/library"}
    edited = shipped["labour_law"] | {"text": "第一条 管理员改过的文本。", "updated_by": "root"}
    await ctx.db[entries.LIBRARY].insert_one(pending)
    await ctx.db[entries.LIBRARY].insert_one(edited)
    await ctx.db[entries.META].insert_one(
        {"_id": "shipped", "ids": ["arbitration_rules", "labour_law", "legal_aid_law"]}
    )
    changed = await entries.seed(ctx)
    assert changed == len(shipped) - 2  # the pending one renewed, every new one added; not the edit, not the deleted
    renewed = await entries.get_entry(ctx, "arbitration_rules")
    assert not renewed.text_pending and "仲裁审查申请" in renewed.text
    assert (await entries.get_entry(ctx, "labour_law")).text.startswith("第一条 管理员改过的文本")
    assert await ctx.db[entries.LIBRARY].find_one({"_id": "legal_aid_law"}) is None
    assert await entries.seed(ctx) == 0  # once
