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
