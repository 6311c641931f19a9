"""Centres as data: kept by the level above, checked, routed to by region code, seen by level, transferred between."""

from __future__ import annotations

from typing import Any

import pytest

from services.accounts import rosters
from services.accounts.persons import person_for_identity
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember
from services.cases import access, transfer
from services.core.errors import NotFound, ServiceError, ValidationFailed
from services.directory import centres
from services.intake import routing
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, make_staff
from tests.support.samples import with_street, worker_body

CITY_ADMIN = StaffMember("city.admin", "市管理员", CENTRE_ADMIN, "sh-city")
PUDONG_ADMIN = StaffMember("pd.admin", "浦东管理员", CENTRE_ADMIN, "sh-pudong")
ROOT = StaffMember("root", "系统管理员", SYSTEM_ADMIN, "sh-city")
ZHANGJIANG = {
    "id": "sh-pd-zhangjiang",
    "name": "张江镇劳动人事争议调解委员会",
    "level": "township",
    "parent_id": "sh-pudong",
    "region_codes": "310115125",
    "address": "张江路1号",
    "phone": "021-58880000",
}


async def refusal(awaitable: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await awaitable
    return caught.value


async def file_case(ctx: Any, street: str = "科苑路88号", key: str = "key-centres-0001") -> dict[str, Any]:
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, f"o-{key}")
    body = worker_body()
    body["evidence"] = []
    with_street(body["respondent"], street)  # routing by the text (no region code given)
    case, _ = await submit_application(ctx, person, key, body, "h5")
    return await ctx.db["cases"].find_one({"_id": case["serial"]})


@pytest.mark.gen_test
async def test_routing_by_the_region_code_of_the_chosen_place_falls_back_up_the_levels(ctx):
    await rosters.create_centre(ctx, CITY_ADMIN, ZHANGJIANG)
    known = await centres.directory(ctx)

    def application(code: str, venue: str = "employer_location", work: Any = "") -> dict[str, Any]:
        return {
            "kind": "worker",
            "claim": {"venue": venue},
            "applicant": {"work_location": work or "某处"},
            "respondent": {"name": "某公司", "address": {"region_code": code, "detail": "某路1号"}},
        }

    assert routing.route(known, application("310115125")).centre.id == "sh-pd-zhangjiang"
    assert routing.route(known, application("310115103")).centre.id == "sh-pudong"  # no township centre: up
    fallback = routing.route(known, application("310104003"))  # Xuhui: nobody below the city serves it
    assert (fallback.centre.id, fallback.rule, fallback.matched_code) == ("sh-city", "region", "310000")
    fields = routing.route(known, application("310115125")).as_case_fields()
    assert fields["region_codes"] == ["310000", "310100", "310115", "310115125"]
    assert fields["routing"] | {} == {
        "rule": "region",
        "venue": "employer_location",
        "place_code": "310115125",
        "place_name": "上海市浦东新区张江镇",
        "matched_code": "310115125",
    }
    at_work = application("310104003", "work_location", {"region_code": "310115125", "detail": "张江路1号"})
    assert routing.route(known, at_work).centre.id == "sh-pd-zhangjiang"  # the place of work, when chosen
    unknown = application("999999")  # a code nobody knows: read like a text without one, then the default
    assert routing.route(known, unknown).rule == "default"


@pytest.mark.gen_test
async def test_config_seeds_a_fresh_database_once(ctx):
    known = await centres.directory(ctx)
    assert {c.id for c in known.centres} == {"sh-city", "sh-pudong"}
    assert known.get("sh-pudong").parent_id == "sh-city" and known.subtree("sh-city") == {"sh-city", "sh-pudong"}
    assert await centres.seed(ctx) == 0  # not again: the data is the administrators' now


@pytest.mark.gen_test
async def test_the_level_above_keeps_centres_and_nobody_acts_above_their_level(ctx):
    district = await rosters.create_centre(
        ctx,
        CITY_ADMIN,
        {
            "id": "sh-minhang",
            "name": "闵行区调解中心",
            "level": "district",
            "parent_id": "sh-city",
            "region_codes": "310112",
        },
    )
    township = await rosters.create_centre(ctx, CITY_ADMIN, ZHANGJIANG)  # below a district below the city
    assert district.parent_id == "sh-city" and township.level == "township"
    assert (
        await refusal(
            rosters.create_centre(
                ctx, PUDONG_ADMIN, {**ZHANGJIANG, "id": "x-1", "parent_id": "sh-city", "level": "district"}
            )
        )
    ).status == 403
    assert (await refusal(rosters.update_centre(ctx, PUDONG_ADMIN, "sh-pudong", ZHANGJIANG))).status == 403
    assert (await refusal(rosters.update_centre(ctx, PUDONG_ADMIN, "sh-minhang", ZHANGJIANG))).status == 404
    edited = await rosters.update_centre(ctx, PUDONG_ADMIN, "sh-pd-zhangjiang", {**ZHANGJIANG, "phone": "021-1234567"})
    assert edited.phone == "021-1234567"
    assert (await refusal(rosters.set_centre_active(ctx, CITY_ADMIN, "sh-pudong", False))).status == 409  # children
    mediator = StaffMember("m", "调解员", "mediator", "sh-city")
    assert (await refusal(rosters.centre_list(ctx, mediator))).status == 403
    public = await rosters.public_centres(ctx)
    item = next(c for c in public["items"] if c["id"] == "sh-pd-zhangjiang")
    assert item["regions"] == [{"code": "310115125", "name": "上海市浦东新区张江镇"}]
    audit = await ctx.db["audit"].find({"action": "centre_create"}).to_list(None)
    assert {a["centre"] for a in audit} == {"sh-minhang", "sh-pd-zhangjiang"}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"region_codes": "999999"}, "region_codes", "unknown_region"),
        ({"region_codes": ""}, "region_codes", "required"),
        ({"region_codes": "310115"}, "region_codes", "not_allowed"),  # a township centre serves townships
        ({"region_codes": "310112103"}, "region_codes", "outside_parent"),  # a Minhang town under Pudong
        ({"parent_id": "nowhere"}, "parent_id", "unknown"),
        ({"level": "city"}, "parent_id", "not_allowed"),  # a city under a district
        ({"id": "Bad Id"}, "id", "invalid"),
        ({"id": "sh-pudong"}, "id", "taken"),
        ({"phone": "call me"}, "phone", "invalid"),
    ],
)
@pytest.mark.gen_test
async def test_a_centre_is_checked_field_by_field(ctx, change, field, code):
    with pytest.raises(ValidationFailed) as refused:
        await rosters.create_centre(ctx, ROOT, {**ZHANGJIANG, **change})
    assert (field, code) in {(e.field, e.code) for e in refused.value.errors}, refused.value.errors
    assert refused.value.status == 422 and refused.value.message


@pytest.mark.gen_test
async def test_a_case_goes_to_the_most_specific_centre_and_is_seen_by_level(ctx, cheap_hashing):
    await rosters.create_centre(ctx, CITY_ADMIN, ZHANGJIANG)
    doc = await file_case(ctx, street="上海市浦东新区张江镇科苑路88号")
    assert doc["centre"]["id"] == "sh-pd-zhangjiang"
    assert doc["routing"]["matched_code"] == "310115125" and doc["routing"]["place_name"] == "上海市浦东新区张江镇"
    other = await file_case(ctx, street="上海市浦东新区川沙新镇", key="key-centres-0002")  # no township centre there
    assert other["centre"]["id"] == "sh-pudong" and other["routing"]["matched_code"] == "310115"
    township = await make_staff(ctx, "zj.med", centre_id="sh-pd-zhangjiang")
    pudong_mediator = await make_staff(ctx, "pd.med", centre_id="sh-pudong")
    assert (await access.for_staff(ctx, township, doc["_id"]))["_id"] == doc["_id"]
    with pytest.raises(NotFound):  # a mediator sees their own centre's cases only
        await access.for_staff(ctx, pudong_mediator, doc["_id"])
    with pytest.raises(NotFound):
        await access.for_staff(ctx, township, other["_id"])
    for admin in (PUDONG_ADMIN, CITY_ADMIN, ROOT):  # the district's administrator, and so on up
        assert (await access.for_staff(ctx, admin, doc["_id"]))["_id"] == doc["_id"]


@pytest.mark.gen_test
async def test_a_transfer_is_an_event_with_the_applicant_told_and_refuses_what_it_must(ctx, cheap_hashing):
    await rosters.create_centre(ctx, CITY_ADMIN, ZHANGJIANG)
    doc = await file_case(ctx)
    assert doc["centre"]["id"] == "sh-city"
    moved = await transfer.transfer(ctx, CITY_ADMIN, doc["_id"], "sh-pd-zhangjiang", "属张江镇管辖")
    assert moved["centre"] == {"id": "sh-pd-zhangjiang", "name": ZHANGJIANG["name"]} and moved["status"] == "submitted"
    event = moved["timeline"][-1]
    assert event["action"] == "transfer" and event["data"] == {"from": "sh-city", "to": "sh-pd-zhangjiang"}
    assert moved["notifications"][-1]["kind"] == "transfer"
    await rosters.set_centre_active(ctx, CITY_ADMIN, "sh-pd-zhangjiang", False)
    back = await transfer.transfer(ctx, CITY_ADMIN, doc["_id"], "sh-pudong")
    refused = await refusal(transfer.transfer(ctx, CITY_ADMIN, doc["_id"], "sh-pd-zhangjiang"))
    assert refused.status == 422 and refused.field == "centre" and "停用" in refused.message
    assert back["centre"]["id"] == "sh-pudong"
    mediator = await make_staff(ctx, "pd.med", centre_id="sh-pudong")
    assert (await refusal(transfer.transfer(ctx, mediator, doc["_id"], "sh-city"))).status == 403
    assert (await refusal(transfer.transfer(ctx, CITY_ADMIN, doc["_id"], "nowhere"))).status == 422


@pytest.mark.gen_test
async def test_the_demo_contact_stays_an_example_until_an_administrator_writes_a_real_one(ctx):
    """Issue 25, item 11: config.yaml's Pudong contact is the demo's (`demo: true`), named by example_contacts (a
    production start refuses those); written again by an administrator, it is real."""
    known = await centres.directory(ctx)
    assert known.get("sh-pudong").demo and centres.example_contacts(known) == ["sh-pudong (021-00000000)"]
    pudong = known.get("sh-pudong")
    form = {
        "name": pudong.name,
        "level": pudong.level,
        "parent_id": pudong.parent_id,
        "region_codes": ",".join(pudong.region_codes),
        "address": pudong.address,
        "phone": pudong.phone,
    }
    renamed = await rosters.update_centre(ctx, ROOT, "sh-pudong", form | {"name": pudong.name + "（新）"})
    assert renamed.demo  # the contact itself unchanged: still the example
    zeros = await rosters.update_centre(ctx, ROOT, "sh-pudong", form | {"address": "上海市浦东新区世纪大道1号"})
    assert not zeros.demo and centres.example_contacts(await centres.directory(ctx)) == ["sh-pudong (021-00000000)"]
    real = await rosters.update_centre(ctx, ROOT, "sh-pudong", form | {"phone": "021-58880000"})
    assert not real.demo and centres.example_contacts(await centres.directory(ctx)) == []
