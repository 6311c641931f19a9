"""An official document stays Chinese; a party who chose English gets a summary page of it in English."""

from __future__ import annotations

import pytest
from tornado.web import create_signed_value

from services.accounts import web_sessions
from services.accounts.persons import person_for_identity
from tests.support.app import MP_APP_ID, make_staff
from tests.support.documents import setup_case
from tests.support.office import sign_in


@pytest.mark.gen_test(timeout=60)
async def test_the_applicant_reads_an_english_summary_of_a_chinese_document(
    office, app, api, wechat, http_client, base_url
):
    serial, _ = await setup_case(app, api, wechat)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    await office.get(f"/office/cases/{serial}")
    assert (await office.post(f"/office/cases/{serial}/document", {"kind": "application"})).code == 302
    ctx = app.settings["services"].ctx
    document_id = (await ctx.db["documents"].find_one({"serial": serial}))["_id"]
    person = await person_for_identity(ctx, "wechat_mp", MP_APP_ID, "o-doc-worker", None)
    session = create_signed_value(
        app.settings["cookie_secret"], "h5_session", await web_sessions.issue(ctx, web_sessions.PERSON, person)
    ).decode()

    async def page(path: str, lang: str):
        return await http_client.fetch(
            base_url + path,
            headers={"Cookie": f"h5_session={session}; lang={lang}"},
            raise_error=False,
            follow_redirects=False,
        )

    case_page = (await page(f"/h5/cases/{serial}", "en")).body.decode()
    assert f"/h5/cases/{serial}/documents/{document_id}/summary" in case_page
    assert "/summary" not in (await page(f"/h5/cases/{serial}", "zh_CN")).body.decode()  # Chinese readers: the original
    summary = await page(f"/h5/cases/{serial}/documents/{document_id}/summary", "en")
    body = summary.body.decode()
    assert summary.code == 200 and "Application for labour and personnel dispute mediation" in body
    assert "the Chinese text is what counts" in body and "张三 &amp; &lt;李&gt;" in body and "Submitted" in body
    stranger = await page(f"/h5/cases/{serial}/documents/{'0' * 32}/summary", "en")
    assert stranger.code == 404
