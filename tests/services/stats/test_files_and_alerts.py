"""Collective-dispute warning, P / C / A files and the audit log, as services."""

from __future__ import annotations

import io
import shutil
import zipfile
from typing import Any

import pytest

from services.accounts import audit, rosters
from services.accounts.persons import person_for_identity
from services.accounts.staff import CENTRE_ADMIN, SYSTEM_ADMIN, StaffMember, create_staff
from services.cases import collective
from services.core.errors import ServiceError
from services.intake.submission import submit_application
from services.notify.staff_messages import send_due
from services.stats import counters, files
from standins.sms import RecordingSms
from tests.support.app import OA_APP_ID, STAFF_PASSWORD
from tests.support.browser import require_tool
from tests.support.samples import COMPANY_USCC, EMPLOYEE_ID, employer_body, worker_body

ROOT = StaffMember("root", "系统管理员", SYSTEM_ADMIN, "sh-city")
CITY_ADMIN = StaffMember("city.admin", "市管理员", CENTRE_ADMIN, "sh-city")


async def apply(ctx: Any, n: int, requests: str = "支付拖欠的工资", facts: str = "") -> dict[str, Any]:
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, f"o-worker-{n}")
    body = worker_body()
    body["evidence"] = []
    body["claim"]["requests"] = requests
    body["claim"]["facts"] = facts or body["claim"]["facts"]
    case, _ = await submit_application(ctx, person, f"key-collective-{n:03d}", body, "mp")
    return await ctx.db["cases"].find_one({"_id": case["serial"]})


@pytest.mark.gen_test
async def test_ten_workers_with_a_common_claim_raise_one_alert_and_the_cases_are_linked(ctx, cheap_hashing):
    await create_staff(ctx, None, "city.admin", "市管理员", CENTRE_ADMIN, "sh-city", STAFF_PASSWORD, "13800000001")
    await rosters.save_profile(ctx, CITY_ADMIN, "city.admin", {"alerts_opt_in": "1"})
    for n in range(9):
        await apply(ctx, n)
    other = await apply(ctx, 99, "补缴社会保险费", "公司自入职起未缴纳社会保险")  # not common with the wage claims
    assert await ctx.db["alerts"].find({}).to_list(None) == [] and other.get("collective") is None
    tenth = await apply(ctx, 9)
    [alert] = await collective.alerts_for(ctx, CITY_ADMIN)
    assert alert["kind"] == "collective" and alert["category"] == "pay" and alert["workers"] == 10
    assert len(alert["serials"]) == 10 and tenth["_id"] in alert["serials"] and other["_id"] not in alert["serials"]
    linked = await ctx.db["cases"].find({"collective.alert": alert["id"]}).to_list(None)
    assert len(linked) == 10 and all(d["timeline"][-1]["action"] == "collective_linked" for d in linked)
    await apply(ctx, 10)  # the eleventh joins the open alert
    [alert] = await collective.alerts_for(ctx, CITY_ADMIN)
    assert alert["workers"] == 11 and await collective.open_count(ctx, CITY_ADMIN) == 1
    assert (await counters.recount(ctx))["differing"] == []
    sms = RecordingSms()
    assert await send_due(ctx, sms) == 1
    [message] = sms.messages("SMS_COLLECTIVE_ALERT")  # the kind's own SMS template (notification_templates)
    assert message.mobile == "+8613800000001" and message.params["workers"] == "10"
    assert message.params["employer"] == alert["employer"][:20]
    assert message.params["link"] == ctx.settings.public_base_url + "/office/alerts"
    assert await send_due(ctx, sms) == 0  # sent once
    started = await collective.start_special_procedure(ctx, CITY_ADMIN, alert["id"], "张三, 李四, 王五")
    assert started["special_procedure"]["representatives"] == ["张三", "李四", "王五"] and started["state"] == "handled"
    with pytest.raises(ServiceError):
        await collective.start_special_procedure(ctx, CITY_ADMIN, alert["id"], "赵六")
    with pytest.raises(ServiceError):
        await collective.alerts_for(ctx, StaffMember("m", "调解员", "mediator", "sh-city"))


@pytest.mark.gen_test
async def test_a_collective_contract_alerts_at_once_and_a_layoff_is_a_softer_flag(ctx, cheap_hashing):
    contract = await apply(ctx, 1, "要求公司履行工资集体协议")
    assert contract["_id"] and (await ctx.db["cases"].find_one({"_id": contract["_id"]}))["collective"]["kind"] == (
        "collective_contract"
    )
    layoff = await apply(ctx, 2, "公司经济性裁员30名员工，要求支付经济补偿")
    [flagged] = [a for a in await collective.alerts_for(ctx, ROOT) if a["kind"] == "layoff"]
    assert flagged["serials"] == [layoff["_id"]]
    assert (await ctx.db["cases"].find_one({"_id": layoff["_id"]})).get("collective") is None  # a flag, not a link


@pytest.mark.gen_test
async def test_person_and_company_files_and_every_view_audited(ctx, cheap_hashing):
    worker_case = await apply(ctx, 1)
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-hr")
    body = employer_body()
    body["evidence"] = []
    employer_case, _ = await submit_application(ctx, person, "key-files-employer", body, "portal")
    by_number = await files.person_file(ctx, ROOT, id_number=EMPLOYEE_ID)  # the worker an employer applied against
    assert [c["serial"] for c in by_number["cases"]] == [employer_case["serial"]]
    mine = await files.person_file(ctx, ROOT, person_id=worker_case["owner_person_id"])
    assert [c["serial"] for c in mine["cases"]] == [worker_case["_id"]] and mine["identities"][0]["provider"]
    company = await files.company_file(ctx, ROOT, COMPANY_USCC.lower())
    assert [c["serial"] for c in company["cases"]] == [worker_case["_id"]] and company["claimed"] == "12000.00"
    assert company["cases"][0]["claimed"] == "12000.00" and company["agreed"] == "0.00"
    # The respondent gave a credit code: its name, or a part of it, finds the same file (issue 25, item 1).
    by_name = await files.company_file(ctx, ROOT, " 上海 某某物流有限公司 ")
    assert by_name["key"] == company["key"] and [c["serial"] for c in by_name["cases"]] == [worker_case["_id"]]
    assert (await files.company_file(ctx, ROOT, "某某物流"))["key"] == company["key"]
    views = await audit.search(ctx, ROOT, audit.parse_filter({"action": "file_view"}))
    assert len(views) == 5 and {v["who"] for v in views} == {"root"}
    assert {v["action"] for v in views} == {"查看档案"} and {v["role"] for v in views} == {"系统管理员"}
    assert all(len(v["at"]) == 19 and "T" not in v["at"] for v in views)  # 2026-12-07 22:29:09, Shanghai time
    with pytest.raises(ServiceError) as refused:
        await audit.search(ctx, CITY_ADMIN, audit.parse_filter({}))
    assert refused.value.status == 403


@pytest.mark.gen_test(timeout=90)
async def test_the_case_archive_holds_the_documents_timeline_operations_and_an_index_pdf(app, cheap_hashing):
    require_tool(
        shutil.which("soffice") is not None or shutil.which("libreoffice") is not None,
        "LibreOffice",
        "apt-get install libreoffice-writer-nogui",
    )
    services = app.settings["services"]
    case = await apply(services.ctx, 1)
    path, name = await files.case_archive(services.ctx, ROOT, services.blobs, services.pdf, case["_id"])
    with open(path, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert {"case.json", "timeline.json", "operations.json", "index.docx", "index.pdf"} <= set(names)
    assert archive.read("index.pdf").startswith(b"%PDF") and name == f"{case['_id']}-archive.zip"


@pytest.mark.gen_test
async def test_a_company_is_found_by_code_name_or_part_of_one_and_several_are_a_list(ctx, cheap_hashing):
    """Issue 25, item 1: the company file by name finds a company that gave a credit code; several match: a list."""
    coded = await apply(ctx, 1)  # 上海某某物流有限公司, with its credit code
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-worker-named")
    body = worker_body()
    body["evidence"], body["respondent"]["uscc"] = [], ""
    body["respondent"]["name"] = "上海某某物流（集团）有限公司"
    filed, _ = await submit_application(ctx, person, "key-files-named", body, "mp")
    named = await ctx.db["cases"].find_one({"_id": filed["serial"]})
    found = await files.company_file(ctx, ROOT, "某某物流")  # both hold it: a list to choose from
    assert [c["key"] for c in found["choices"]] == [coded["employer_key"], named["employer_key"]]
    assert found["choices"][0]["uscc"] == COMPANY_USCC and found["choices"][1]["uscc"] == ""
    chosen = await files.company_file(ctx, ROOT, key=named["employer_key"])
    assert [c["serial"] for c in chosen["cases"]] == [named["_id"]] and chosen["uscc"] == ""
    assert (await files.company_file(ctx, ROOT, "上海某某物流(集团)有限公司"))["key"] == named["employer_key"]
    with pytest.raises(ServiceError) as nothing:
        await files.company_file(ctx, ROOT, "不存在的单位")
    assert nothing.value.status == 404
    # An index that lost an employer (built before this, or restored) is found wanting and repaired by the recount.
    indexed = "employer|" + coded["employer_key"] + "|上海某某物流有限公司"
    await ctx.db[counters.STATS].delete_one({"_id": indexed})
    assert (await counters.recount(ctx))["differing"] == [indexed]
    await counters.recount(ctx, repair=True)
    assert (await counters.recount(ctx))["differing"] == []
    assert (await files.company_file(ctx, ROOT, "某某物流有限"))["key"] == coded["employer_key"]
