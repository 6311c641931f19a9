"""The cause taxonomy: the default 17/89 list (the 65 of docs/domain.md#the-cause-taxonomy, those found missing, an
"other" under each first level), stable codes, arbitration-inadmissible causes with their warnings, a centre's own
list, bad files, snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.cases.taxonomy import DEFAULT_FILE, Taxonomies, TaxonomyError, load_taxonomy, parse_taxonomy
from services.core.errors import NotFound, ServiceError
from settings import load_settings
from tests.support.app import Api, body_of

ROOT = Path(__file__).resolve().parents[3]
# docs/domain.md#the-cause-taxonomy: second-level causes per first level, 01..17
# (3+4+3+6+7+4+5+5+3+2+3+3+3+4+3+3+4 = 65), then the ones added at the end of their level (02-05, 02-06, 04-07,
# 04-08, 09-04, 15-04, 17-05) and NN-99 "other".
SECOND_LEVEL_COUNTS = [3, 4, 3, 6, 7, 4, 5, 5, 3, 2, 3, 3, 3, 4, 3, 3, 4]
ADDED = {"02": 2, "04": 2, "09": 1, "15": 1, "17": 1}


@pytest.fixture(scope="module")
def default() -> Any:
    return load_taxonomy(DEFAULT_FILE)


def test_default_list_has_17_first_and_89_second_level_causes(default: Any) -> None:
    assert default.version == "default-2026-11"
    assert len(default.first_level) == 17
    assert sum(len(first.children) for first in default.first_level) == 65 + 7 + 17
    assert default.counts() == (17, 89)


def test_default_codes_are_stable(default: Any) -> None:
    # Codes are stored in cases: renumbering the default list would relabel filed requests.
    expected = [
        (f"{i:02d}", [f"{i:02d}-{j:02d}" for j in range(1, n + 1 + ADDED.get(f"{i:02d}", 0))] + [f"{i:02d}-99"])
        for i, n in enumerate(SECOND_LEVEL_COUNTS, 1)
    ]
    assert [(f.code, [c.code for c in f.children]) for f in default.first_level] == expected
    assert default.label("01") == "确认劳动关系"
    assert default.label("05-04") == "延长工作时间加班工资"
    assert default.label("14-04") == "超龄劳动者用工争议"
    assert default.label("17-04") == "其他劳动人事争议"


def test_lookup_label_second_level_and_snapshot(default: Any) -> None:
    assert default.lookup("04-01") == ("04", "劳动合同解除和终止", "04-01", "违法解除或终止劳动合同赔偿金")
    assert [c.code for c in default.second_level("10")] == ["10-01", "10-02", "10-99"]
    assert default.snapshot("08-03") == {
        "taxonomy_version": "default-2026-11",
        "cause_code": "08-03",
        "cause_label": "一次性伤残补助金",
        "cause_level1_code": "08",
        "cause_level1_label": "工伤保险待遇",
    }
    served = default.as_json()
    assert served["version"] == "default-2026-11" and len(served["causes"]) == 17
    assert served["causes"][0]["children"][0] == {
        "code": "01-01",
        "label": "确认存在劳动关系",
        "library": "/h5/library?cause=01-01",
    }  # its laws and cases


@pytest.mark.parametrize("call", ["lookup", "snapshot", "label", "second_level"])
def test_unknown_code_is_a_422_naming_it(default: Any, call: str) -> None:
    with pytest.raises(ServiceError) as caught:
        getattr(default, call)("99-99")
    assert caught.value.status == 422
    assert caught.value.code == "unknown_cause"
    assert caught.value.message == "未知的争议类别代码：99-99"


def test_request_items_need_a_second_level_code(default: Any) -> None:
    with pytest.raises(ServiceError) as caught:
        default.lookup("05", field="items.0.cause_code")
    assert caught.value.status == 422 and caught.value.code == "cause_not_second_level"
    assert caught.value.field == "items.0.cause_code"


def official_list() -> dict[str, Any]:
    return {
        "version": "pudong-2026-03",
        "causes": [
            {"code": "A", "label": "劳动报酬", "children": [{"code": "A1", "label": "拖欠工资（浦东）"}]},
            {"code": "B", "label": "其他", "children": [{"code": "B1", "label": "其他争议"}]},
        ],
    }


def write_config(tmp_path: Path, taxonomy_file: str) -> Path:
    """config.yaml with the first centre pointing at `taxonomy_file` (relative to the config's folder)."""
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    raw["centres"][0]["taxonomy_file"] = taxonomy_file
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_centre_replaces_the_list_by_a_file_without_code_change(tmp_path: Path, default: Any) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "pudong.yaml").write_text(yaml.safe_dump(official_list(), allow_unicode=True), "utf-8")
    settings = load_settings(write_config(tmp_path, "lists/pudong.yaml"), environ={})
    pudong, city = settings.centres[0].id, settings.centres[1].id
    taxonomies = Taxonomies.load(settings.centres)

    own = taxonomies.for_centre(pudong)
    assert own.version == "pudong-2026-03"
    assert own.lookup("A1") == ("A", "劳动报酬", "A1", "拖欠工资（浦东）")
    assert taxonomies.for_centre(city).counts() == (17, 89)
    with pytest.raises(ServiceError, match="未知的争议类别代码：05-01"):
        own.lookup("05-01")
    with pytest.raises(NotFound):
        taxonomies.for_centre("nowhere")


def test_old_snapshots_keep_their_labels_when_the_list_changes(tmp_path: Path, default: Any) -> None:
    filed = default.snapshot("05-01")
    relabelled = official_list() | {"version": "default-2027"}
    relabelled["causes"].append({"code": "05", "label": "工资", "children": [{"code": "05-01", "label": "欠薪"}]})
    newer = parse_taxonomy(relabelled, "test")
    assert newer.snapshot("05-01")["cause_label"] == "欠薪"
    assert filed == {
        "taxonomy_version": "default-2026-11",
        "cause_code": "05-01",
        "cause_label": "拖欠工资",
        "cause_level1_code": "05",
        "cause_level1_label": "劳动报酬",
    }


def broken(change: str) -> Any:
    data = official_list()
    first, second = data["causes"][0], data["causes"][0]["children"][0]
    if change == "no version":
        del data["version"]
    elif change == "unquoted code":
        first["code"] = 1
    elif change == "duplicate first":
        data["causes"][1]["code"] = "A"
    elif change == "duplicate second":
        data["causes"][1]["children"][0]["code"] = "A1"
    elif change == "second equals a first":
        second["code"] = "B"
    elif change == "empty label":
        second["label"] = "  "
    elif change == "no children":
        first["children"] = []
    elif change == "bad code":
        second["code"] = "A 1"
    elif change == "no causes":
        data["causes"] = []
    elif change == "a list":
        return [data]
    return data


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("no version", "`version` must be a non-empty string"),
        ("unquoted code", "`code` must be a quoted string, got 1"),
        ("duplicate first", "duplicate code 'A'"),
        ("duplicate second", "duplicate code 'A1'"),
        ("second equals a first", "duplicate code 'B'"),
        ("empty label", "(code 'A1'): `label` must be a non-empty string"),
        ("no children", "first-level cause 'A' has no second-level causes"),
        ("bad code", "code 'A 1' must be"),
        ("no causes", "`causes` must be a non-empty list"),
        ("a list", "expected a mapping"),
    ],
)
def test_invalid_files_are_refused_naming_file_and_problem(tmp_path: Path, change: str, problem: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(broken(change), allow_unicode=True), encoding="utf-8")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_unquoted_yaml_code_is_caught(tmp_path: Path) -> None:
    # The trap the rule is for: YAML reads 01 as the number 1.
    path = tmp_path / "unquoted.yaml"
    path.write_text("version: v1\ncauses:\n  - code: 01\n    label: 甲\n    children: []\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="quoted string, got 1"):
        load_taxonomy(path)


def test_unreadable_or_malformed_files_and_a_centre_pointing_at_one(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot be read"):
        load_taxonomy(tmp_path / "missing.yaml")
    (tmp_path / "junk.yaml").write_text("causes: [unclosed", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        load_taxonomy(tmp_path / "junk.yaml")
    settings = load_settings(write_config(tmp_path, "junk.yaml"), environ={})
    with pytest.raises(TaxonomyError) as caught:  # a SettingsError: the server refuses to start
        Taxonomies.load(settings.centres)
    assert str(tmp_path / "junk.yaml") in str(caught.value)


@pytest.mark.gen_test
async def test_get_api_taxonomy(api: Api) -> None:
    response = await api.call("GET", "/api/taxonomy")
    assert response.code == 200
    body = body_of(response)
    assert body["version"] == "default-2026-11"
    assert len(body["causes"]) == 17 and sum(len(c["children"]) for c in body["causes"]) == 89
    assert body["causes"][4] == body_of(await api.call("GET", "/api/taxonomy?centre=sh-city"))["causes"][4]
    assert "max-age" in response.headers["Cache-Control"]

    unknown = await api.call("GET", "/api/taxonomy?centre=nowhere")
    assert unknown.code == 404 and body_of(unknown)["error"]["code"] == "unknown_centre"


def test_causes_arbitration_will_not_accept_carry_their_warning_and_the_missing_ones_are_there(default: Any) -> None:
    social = default.snapshot("07-01")
    assert social["arbitrable"] is False and "不予受理" in social["cause_warning"]
    assert "社会保险经办机构" in social["cause_warning"]
    assert default.snapshot("09-04")["arbitrable"] is False  # the housing fund: a referral
    assert "arbitrable" not in default.snapshot("05-01") and "cause_warning" not in default.snapshot("05-01")
    labels = {c.code: c.label for first in default.first_level for c in first.children}
    assert labels["02-05"] == "未订立无固定期限劳动合同二倍工资"
    assert "第八十二条第二款" in default.snapshot("02-05")["cause_warning"]
    assert labels["04-07"] == "加付赔偿金" and labels["02-06"] == "违法约定试用期赔偿金"
    assert labels["04-08"] == "医疗补助费" and labels["15-04"] == "办理退工登记"
    assert labels["17-05"] == "用人单位请求返还财物或赔偿财产损失"
    assert all(labels[f"{first.code}-99"].startswith("其他") for first in default.first_level)
    served = {c["code"]: c for first in default.as_json()["causes"] for c in first["children"]}
    assert served["07-01"]["arbitrable"] is False and served["07-01"]["warning"]
    assert served["05-01"] == {"code": "05-01", "label": "拖欠工资", "library": "/h5/library?cause=05-01"}


def test_the_unsettled_and_the_agency_causes_warn(default: Any) -> None:
    # 14-04: 法释〔2025〕12号 art. 21 repealed 法释〔2020〕26号 art. 32 para. 1 (a pensioner's work "as a service
    # relation") from 2025-09-01: how a commission treats it is unsettled, so ask it. 14-03: occupational injury of
    # platform workers is confirmed by the social insurance agency (人社厅函〔2025〕79号, chapter 4).
    pensioner = default.snapshot("14-04")["cause_warning"]
    assert "法释〔2025〕12号第二十一条" in pensioner and "第三十二条第一款" in pensioner and "2025年9月1日" in pensioner
    assert "仲裁委员会" in pensioner
    platform = default.snapshot("14-03")["cause_warning"]
    assert "社会保险经办机构" in platform and "确认" in platform


def test_a_bad_mark_is_refused_naming_the_cause() -> None:
    raw = {
        "version": "v",
        "causes": [{"code": "01", "label": "x", "children": [{"code": "01-01", "label": "y", "arbitrable": "no"}]}],
    }
    with pytest.raises(TaxonomyError, match="01-01"):
        parse_taxonomy(raw, "test")
