"""The back office over HTTP: sign-in, the queue and its filters, the case page, moves, reveal, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.accounts.persons import person_for_identity
from services.cases import handling
from services.core.context import SHANGHAI
from services.intake.submission import submit_application
from tests.support.app import OA_APP_ID, STAFF_PASSWORD, make_staff
from tests.support.browser_session import CookieClient
from tests.support.office import sign_in
from tests.support.parties import ten_in_the_morning
from tests.support.samples import WORKER_ID, worker_body
from tests.support.store import cases_for_setup


async def new_case(app, openid="o-applicant", street="科苑路88号", key="key-office-0001"):
    ctx = app.settings["services"].ctx
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, openid)
    body = worker_body()
    body["evidence"] = []
    del body["respondent"]["address"]  # wave 1's street, which routes by the place names it contains
    body["respondent"]["street"] = street
    case, _ = await submit_application(ctx, person, key, body, "h5")
    return case["serial"], person


@pytest.mark.gen_test
async def test_sign_in_wrong_password_and_signed_out_redirect(office, app):
    await make_staff(app, "li.ming")
    assert (await office.get("/office/")).headers["Location"].startswith("/office/login")
    await office.get("/office/login")
    wrong = await office.post("/office/login", {"login": "li.ming", "password": "nope"})
    assert wrong.code == 401 and "用户名或密码错误" in wrong.body.decode()
    await sign_in(office, "li.ming")
    header = next(h for h in office.set_cookie_headers if h.startswith("office_session="))
    assert "HttpOnly" in header and "Secure" in header and "SameSite=Lax" in header
    assert (await office.get("/office/")).code == 200


@pytest.mark.gen_test
async def test_forged_form_without_xsrf_changes_nothing(office, app):
    serial, _ = await new_case(app)
    await make_staff(app, "li.ming")
    await sign_in(office, "li.ming")
    response = await office.post(f"/office/cases/{serial}/accept", {}, xsrf=False)
    assert response.code == 403
    doc = await app.settings["services"].ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "submitted"


@pytest.mark.gen_test
async def test_another_centres_case_is_not_found(office, app):
    serial, _ = await new_case(app, street="浦东新区川沙新镇")  # routed to sh-pudong
    await make_staff(app, "city.mediator", centre_id="sh-city")
    await sign_in(office, "city.mediator")
    assert (await office.get(f"/office/cases/{serial}")).code == 404
    await office.get("/office/")
    assert (await office.post(f"/office/cases/{serial}/accept", {})).code == 404
    queue = (await office.get("/office/")).body.decode()
    assert serial not in queue


@pytest.mark.gen_test
async def test_queue_filters_and_overdue(office, app):
    ctx = app.settings["services"].ctx
    old_serial, _ = await new_case(app, key="key-office-old1")
    await cases_for_setup(ctx).update_one(
        {"_id": old_serial}, {"$set": {"created_at": ctx.clock() - timedelta(days=40)}}
    )
    new_serial, _ = await new_case(app, key="key-office-new1")
    await make_staff(app, "li.ming")
    await sign_in(office, "li.ming")
    page = (await office.get("/office/")).body.decode()
    assert old_serial in page and new_serial in page and "已超期" in page
    overdue = (await office.get("/office/?overdue=1")).body.decode()
    assert old_serial in overdue and new_serial not in overdue
    accepted = (await office.get("/office/?status=accepted")).body.decode()
    assert old_serial not in accepted and "共 0 件" in accepted
    unassigned = (await office.get("/office/?mediator=none")).body.decode()
    assert "共 2 件" in unassigned
    bad = await office.get("/office/?status=nonsense")
    assert bad.code == 422


@pytest.mark.gen_test
async def test_moves_reveal_and_errors_through_the_pages(office, app):
    ctx = app.settings["services"].ctx
    today = ten_in_the_morning(ctx)
    serial, _ = await new_case(app)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    page = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert WORKER_ID not in page and WORKER_ID[-4:] in page  # masked

    revealed = await office.post(f"/office/cases/{serial}/reveal", {"field": "applicant.id_number"})
    assert revealed.code == 200 and WORKER_ID in revealed.body.decode()
    [audit] = await ctx.db["audit"].find({}).to_list(None)
    assert audit["who"] == "li.ming" and audit["field"] == "applicant.id_number" and audit["serial"] == serial

    not_allowed = await office.post(f"/office/cases/{serial}/open_session", {})
    assert not_allowed.code == 409 and "不能开始调解" in not_allowed.body.decode()

    unknown_cause = await office.post(
        f"/office/cases/{serial}/clarify", {"cause_code": ["99-99"], "text": ["x"], "amount": ["1"]}
    )
    assert unknown_cause.code == 422 and "未知的争议类别代码" in unknown_cause.body.decode()

    assert (await office.post(f"/office/cases/{serial}/assign", {"mediator": "li.ming"})).code == 302
    assert (await office.post(f"/office/cases/{serial}/accept", {})).code == 302
    no_place = await office.post(f"/office/cases/{serial}/schedule", {"at": "2099-01-01T09:30"})
    assert no_place.code == 422
    when = (ctx.clock() + timedelta(days=3)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    assert (await office.post(f"/office/cases/{serial}/schedule", {"at": when, "place": "调解室1"})).code == 302
    too_early = await office.post(f"/office/cases/{serial}/open_session", {})  # a session opens on its day
    assert too_early.code == 409 and "当天才能开始调解" in too_early.body.decode()
    today_at_11 = {"at": f"{today}T11:00", "place": "调解室1"}
    assert (await office.post(f"/office/cases/{serial}/schedule", today_at_11)).code == 302
    assert (await office.post(f"/office/cases/{serial}/open_session", {})).code == 302
    empty_terms = await office.post(f"/office/cases/{serial}/draft_agreement", {"term_text": ""})
    assert empty_terms.code == 422
    terms = {
        "term_text": "支付12000元",
        "term_amount": "12000",
        "term_due": "",
        "term_method": "银行转账",
        "term_category": "wages",
    }
    no_due = await office.post(f"/office/cases/{serial}/draft_agreement", terms)  # a term without a due date
    assert no_due.code == 422 and "请填写第1项条款的履行期限" in no_due.body.decode()
    no_seal = await office.post(f"/office/cases/{serial}/draft_agreement", terms | {"term_due": "2099-01-01"})
    assert no_seal.code == 409 and "尚未上传印章" in no_seal.body.decode()
    from services.accounts.staff import StaffMember
    from tests.support.parties import upload_seal

    await upload_seal(ctx, app.settings["services"].blobs, StaffMember("boss", "主任", "centre_admin", "sh-city"))
    drafted = await office.post(f"/office/cases/{serial}/draft_agreement", terms | {"term_due": "2099-01-01"})
    assert drafted.code == 302

    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["status"] == "signing" and doc["mediator"]["name"] == "李明"
    assert doc["agreement"]["terms"][0]["due_date"] == "2099-01-01" and doc["agreement"]["signatures"] == []
    actions = [e["action"] for e in doc["timeline"]]
    assert actions == ["submit", "assign", "accept", "schedule", "schedule", "open_session", "draft_agreement"]
    assert all(e["actor"] == {"type": "staff", "id": "li.ming"} for e in doc["timeline"][1:])
    to_applicant = [n["kind"] for n in doc["notifications"] if n["to"]["type"] == "applicant"]
    assert to_applicant == [
        "submitted",
        "assigned",
        "accept",
        "schedule",
        "schedule",
        "open_session",
        "draft_agreement",
    ]
    to_respondent = [n["kind"] for n in doc["notifications"] if n["to"]["type"] == "respondent"]
    assert to_respondent == ["invite", "schedule", "schedule", "open_session", "draft_agreement"]
    assert all(n["state"] in ("pending", "claimed", "sent") for n in doc["notifications"] if n["kind"] != "submitted")


@pytest.mark.gen_test
async def test_deactivated_staff_lose_access_at_once(office, app):
    from services.accounts.staff import set_active

    await make_staff(app, "li.ming")
    admin = await make_staff(app, "boss", role="system_admin")
    await sign_in(office, "li.ming")
    assert (await office.get("/office/")).code == 200
    await set_active(app.settings["services"].ctx, admin, "li.ming", False)
    assert (await office.get("/office/")).code == 302


@pytest.mark.gen_test
async def test_centre_admin_manages_mediators_and_a_mediator_cannot(office, app):
    await make_staff(app, "zhang.admin", role="centre_admin")
    await sign_in(office, "zhang.admin")
    await office.get("/office/staff")
    weak = await office.post(
        "/office/staff",
        {"action": "create", "login": "new.one", "name": "王调解", "role": "mediator", "password": "short"},
    )
    assert weak.code == 422 and "至少10" in weak.body.decode()
    made = await office.post(
        "/office/staff",
        {"action": "create", "login": "new.one", "name": "王调解", "role": "mediator", "password": STAFF_PASSWORD},
    )
    assert made.code == 200 and "账号已创建" in made.body.decode() and "new.one" in made.body.decode()
    admin_of_other = await office.post(
        "/office/staff",
        {"action": "create", "login": "other.admin", "name": "某", "role": "system_admin", "password": STAFF_PASSWORD},
    )
    assert admin_of_other.code == 403
    mediator = CookieClient(office.http_client, office.base_url)
    await sign_in(mediator, "new.one")
    assert (await mediator.get("/office/staff")).code == 403
    assert (await mediator.get("/office/calendar")).code == 403


@pytest.mark.gen_test
async def test_configured_calendar_makes_a_provisional_deadline_exact(office, app, http_client, base_url):
    from datetime import UTC, datetime

    ctx = app.settings["services"].ctx
    serial, _ = await new_case(app)
    centre = (await ctx.db["cases"].find_one({"_id": serial}))["centre"]["id"]
    received = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)  # day 15 falls in 2027
    await cases_for_setup(ctx).update_one({"_id": serial}, {"$set": {"created_at": received}})
    await make_staff(app, "root.admin", role="system_admin")
    await sign_in(office, "root.admin")
    before = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert "暂定" in before and "2027-01-04" in before
    await office.get("/office/calendar?year=2027")
    bad = await office.post("/office/calendar", {"year": "2027", "holidays": "2027-13-01", "working_days": ""})
    assert bad.code == 422
    saved = await office.post(
        "/office/calendar", {"year": "2027", "holidays": "2027-01-01\n2027-01-04", "working_days": ""}
    )
    assert saved.code == 200 and "已保存" in saved.body.decode()
    after = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert "2027-01-05" in after and "暂定" not in after

    # A centre administrator edits only their own centre's entries: a local holiday moves this
    # centre's deadlines, never the national arrangement nor another centre's.
    other = next(c.id for c in ctx.settings.centres if c.id != centre)
    for login, at in (("local.admin", centre), ("other.admin", other)):
        await make_staff(app, login, role="centre_admin", centre_id=at)
        admin = CookieClient(http_client, base_url)
        await sign_in(admin, login)
        page = (await admin.get("/office/calendar?year=2027")).body.decode()
        assert "本中心" in page and "2027-01-04" not in page  # not the national entries
        local = {"year": "2027", "holidays": "2027-01-05", "working_days": ""}
        assert (await admin.post("/office/calendar", local)).code == 200
        if at == other:
            continue
        moved = (await admin.get(f"/office/cases/{serial}")).body.decode()
        assert "2027-01-06" in moved
    national = (await office.get("/office/calendar?year=2027")).body.decode()
    assert "2027-01-04" in national and "2027-01-05" not in national


@pytest.mark.gen_test
async def test_overdue_applicants_are_told_once(app):
    from services.cases.deadline_watch import notify_overdue

    ctx = app.settings["services"].ctx
    old, _ = await new_case(app, key="key-overdue-old")
    fresh, _ = await new_case(app, key="key-overdue-new")
    closed, person = await new_case(app, key="key-overdue-closed")
    for serial in (old, closed):
        await cases_for_setup(ctx).update_one(
            {"_id": serial}, {"$set": {"created_at": ctx.clock() - timedelta(days=30)}}
        )
    await handling.withdraw(ctx, person, closed, "已与公司和解", "h5")
    assert await notify_overdue(ctx) == 1
    assert await notify_overdue(ctx) == 0  # once
    doc = await ctx.db["cases"].find_one({"_id": old})
    assert doc["notifications"][-1]["kind"] == "overdue" and doc["timeline"][-1]["action"] == "overdue"
    for serial in (fresh, closed):
        assert not (await ctx.db["cases"].find_one({"_id": serial})).get("overdue_notified_at")


@pytest.mark.gen_test
async def test_odd_query_values_and_unknown_mediators_are_not_500(office, app):
    serial, _ = await new_case(app)
    await make_staff(app, "zhang.admin", role="centre_admin")
    await sign_in(office, "zhang.admin")
    assert (await office.get("/office/?page=99999999999999999999999")).code == 200
    assert (await office.get("/office/?page=-3")).code == 200
    assert (await office.get("/office/calendar?year=abc")).code == 200
    unknown = await office.post(f"/office/cases/{serial}/assign", {"mediator": "nobody.here"})
    assert unknown.code == 422 and "在职的调解员" in unknown.body.decode()


@pytest.mark.gen_test
async def test_password_guessing_is_rate_limited_per_client(office, app):
    await make_staff(app, "li.ming")
    await office.get("/office/login")
    codes = [(await office.post("/office/login", {"login": "nobody", "password": "x"})).code for _ in range(31)]
    assert codes[:30] == [401] * 30 and codes[30] == 429


@pytest.mark.gen_test
async def test_an_administrator_unlocks_a_locked_mediator_and_the_sign_in_page_names_who_helps(office, app):
    from services.accounts.staff import authenticate

    ctx = app.settings["services"].ctx
    await make_staff(app, "li.ming")
    await make_staff(app, "zhang.admin", role="centre_admin", name="张管理")
    for _ in range(5):
        with pytest.raises(Exception, match="bad_credentials"):
            await authenticate(ctx, "li.ming", "Wrong-password-1", "203.0.113.9")
    forgot = (await office.get("/office/forgot")).body.decode()
    assert "张管理" in forgot and "忘记密码" in forgot
    assert 'href="/office/forgot"' in (await office.get("/office/login")).body.decode()
    await sign_in(office, "zhang.admin")
    page = (await office.get("/office/staff")).body.decode()
    assert "（已锁定）" in page and 'value="unlock"' in page
    unlocked = await office.post("/office/staff", {"action": "unlock", "login": "li.ming"})
    assert unlocked.code == 200 and "已解锁" in unlocked.body.decode() and "（已锁定）" not in unlocked.body.decode()
    assert (await authenticate(ctx, "li.ming", STAFF_PASSWORD, "203.0.113.9")).login == "li.ming"


@pytest.mark.gen_test
async def test_the_system_administrators_queue_shows_every_centre_and_filters_by_one(
    office, app, http_client, base_url
):
    ctx = app.settings["services"].ctx
    pudong, _ = await new_case(app, street="川沙新镇", key="key-queue-pudong")
    city, _ = await new_case(app, openid="o-city", street="某某街道", key="key-queue-city")
    centres = {s: (await ctx.db["cases"].find_one({"_id": s}))["centre"]["id"] for s in (pudong, city)}
    if centres[pudong] == centres[city]:  # routing put both in one centre: move one, as another routing would
        other = next(c for c in ctx.settings.centres if c.id != centres[pudong])
        await cases_for_setup(ctx).update_one({"_id": city}, {"$set": {"centre": {"id": other.id, "name": other.name}}})
        centres[city] = other.id
    await make_staff(app, "root.admin", role="system_admin")
    await sign_in(office, "root.admin")
    everything = (await office.get("/office/")).body.decode()
    assert pudong in everything and city in everything and 'id="centre-filter"' in everything
    one = (await office.get(f"/office/?centre={centres[pudong]}")).body.decode()
    assert pudong in one and city not in one
    assert (await office.get("/office/?centre=nowhere")).code == 422

    await make_staff(app, "local.admin", role="centre_admin", centre_id=centres[pudong])
    local = CookieClient(http_client, base_url)
    await sign_in(local, "local.admin")
    own = (await local.get("/office/")).body.decode()
    assert pudong in own and city not in own and 'id="centre-filter"' not in own
    assert (await local.get(f"/office/?centre={centres[city]}")).code == 422
    # One rule of who sees which centre's cases (staff.visible_centres): the city's administrator sees the city's
    # and the districts' below it, may filter by one of them, and not by a centre outside (none is).
    await make_staff(app, "city.admin", role="centre_admin", centre_id="sh-city")
    upper = CookieClient(http_client, base_url)
    await sign_in(upper, "city.admin")
    both = (await upper.get("/office/")).body.decode()
    assert pudong in both and city in both and 'id="centre-filter"' in both
    below = (await upper.get("/office/?centre=sh-pudong")).body.decode()
    assert (pudong in below) == (centres[pudong] == "sh-pudong") and (city in below) == (centres[city] == "sh-pudong")
    assert (await upper.get("/office/?centre=nowhere")).code == 422


@pytest.mark.gen_test
@pytest.mark.parametrize("venue", [None, ""])
async def test_a_case_without_the_optional_venue_opens_in_the_back_office(office, app, venue):
    """The venue is optional in the API (null, blank or left out): the case page reads without it, never a 500."""
    ctx = app.settings["services"].ctx
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, "o-no-venue")
    body = worker_body() | {"evidence": []}
    if venue is None:
        del body["claim"]["venue"]
    else:
        body["claim"]["venue"] = venue
    case, _ = await submit_application(ctx, person, "key-no-venue-01", body, "mp")
    await make_staff(app, "li.ming")
    await sign_in(office, "li.ming")
    page = await office.get(f"/office/cases/{case['serial']}")
    assert page.code == 200 and case["serial"] in page.body.decode()


def only_required(value, schema, schemas):
    """`value` with every property the OpenAPI schema does not require left out, at every depth."""
    while isinstance(schema, dict) and "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(value, dict) and "properties" in schema:
        required = set(schema.get("required", []))
        return {
            k: only_required(v, schema["properties"].get(k, {}), schemas) for k, v in value.items() if k in required
        }
    return value


@pytest.mark.gen_test
@pytest.mark.parametrize("kind", ["worker", "employer"])
async def test_an_application_of_only_what_the_api_requires_opens_on_every_page(office, app, kind):
    """What the mini-program may send (the OpenAPI's required fields, nothing else) is read by the back office's case
    page and the applicant's: an optional field left out is never a 500."""
    from handlers.public.openapi import openapi_document
    from tests.support.samples import employer_body

    ctx = app.settings["services"].ctx
    schemas = openapi_document()["components"]["schemas"]
    sample = worker_body() if kind == "worker" else employer_body()
    body = only_required(sample, schemas[f"{kind.capitalize()}Application"], schemas)
    assert "venue" not in body["claim"] and len(body["applicant"]) < len(sample["applicant"])
    for part in ("applicant", "respondent"):  # one of address or street is asked (a rule no schema states)
        if "address" in sample[part] and isinstance(sample[part]["address"], dict):
            body[part].setdefault("address", sample[part]["address"])
    person = await person_for_identity(ctx, "wechat_oa", OA_APP_ID, f"o-minimal-{kind}")
    case, _ = await submit_application(ctx, person, f"key-minimal-{kind}", body, "mp")
    await make_staff(app, "li.ming")
    await sign_in(office, "li.ming")
    assert (await office.get(f"/office/cases/{case['serial']}")).code == 200
    from services.cases import party_pages

    page = await party_pages.case_page(ctx, person, case["serial"], "applicant")
    assert page["case"]["serial"] == case["serial"]


@pytest.mark.gen_test
async def test_the_mediator_records_an_agents_authority_and_corrects_where_evidence_came_from(office, app):
    """Issue 21: an agent signs for the company only on an authorisation the mediator saw (民法典 art. 165); where each
    piece of evidence came from and what it proves (调解仲裁法 art. 28 (三)) is the mediator's to correct."""
    ctx = app.settings["services"].ctx
    serial, person = await new_case(app)
    authority, payslips = "b" * 32, "c" * 32
    for file_id, name, owner in ((authority, "授权委托书.pdf", "company"), (payslips, "工资条.jpg", person)):
        await ctx.db["files"].insert_one(
            {"_id": file_id, "owner_person_id": owner, "purpose": "evidence", "name": name}
        )
    await cases_for_setup(ctx).update_one(
        {"_id": serial}, {"$set": {"respondent_evidence": [authority], "evidence": [payslips]}}
    )
    await make_staff(app, "li.ming")
    await sign_in(office, "li.ming")
    page = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert 'id="authority-form"' in page and "授权委托书.pdf" in page
    refused = await office.post(f"/office/cases/{serial}/authority", {"agent_name": "", "file_id": authority})
    assert refused.code == 422 and "请填写委托代理人的姓名" in refused.body.decode()
    wrong_file = await office.post(f"/office/cases/{serial}/authority", {"agent_name": "周代理", "file_id": payslips})
    assert wrong_file.code == 422  # the applicant's file is no authority of the company's
    recorded = await office.post(f"/office/cases/{serial}/authority", {"agent_name": "周代理", "file_id": authority})
    assert recorded.code == 302
    page = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert "已核验授权委托书：委托代理人周代理" in page
    doc = await ctx.db["cases"].find_one({"_id": serial})
    assert doc["authorities"]["respondent"]["agent_name"] == "周代理"
    noted = await office.post(
        f"/office/cases/{serial}/evidence_note", {"file_id": payslips, "source": "单位发放", "proves": "证明工资标准"}
    )
    assert noted.code == 302
    assert (await ctx.db["files"].find_one({"_id": payslips}))["source"] == "单位发放"
    assert await ctx.db["audit"].find_one({"action": "evidence_note", "serial": serial, "file_id": payslips})
    unknown = await office.post(f"/office/cases/{serial}/evidence_note", {"file_id": "d" * 32, "source": "x"})
    assert unknown.code == 404
