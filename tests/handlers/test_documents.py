"""One-click documents through the fronts: generate from the case page, versions, party downloads, verify."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from docx import Document
from pypdf import PdfReader

from platforms.pdf import PdfConverter
from services.cases.documents import WORKER_NICENESS, Renderers
from tests.support.app import STAFF_PASSWORD, body_of, make_staff
from tests.support.browser import require_tool
from tests.support.browser_session import CookieClient
from tests.support.documents import docx_text, setup_case
from tests.support.office import sign_in
from tests.support.samples import WORKER_ID


@pytest.mark.gen_test(timeout=30)
async def test_generate_versions_download_and_verify(office, app, api, wechat):
    serial, token = await setup_case(app, api, wechat)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    await office.get(f"/office/cases/{serial}")

    refused = await office.post(f"/office/cases/{serial}/document", {"kind": "agreement"})
    assert refused.code == 409 and "尚未调解成功" in refused.body.decode()

    for _ in range(2):
        assert (await office.post(f"/office/cases/{serial}/document", {"kind": "application"})).code == 302
    page = (await office.get(f"/office/cases/{serial}")).body.decode()
    assert "第1版" in page and "第2版" in page
    ids = re.findall(r'href="/office/documents/([0-9a-f]{32})"', page)
    assert len(ids) == 2

    download = await office.get(f"/office/documents/{ids[0]}")
    assert download.code == 200 and download.headers["Content-Type"].startswith("application/vnd.openxml")
    text = docx_text(download.body)
    assert serial in text and "张三 & <李>" in text

    listed = body_of(await api.call("GET", f"/api/mp/applications/{serial}/documents", token=token))["items"]
    assert [d["version"] for d in listed] == [2, 1] and all(d["kind"] == "application" for d in listed)
    mine = await api.call("GET", listed[0]["download"], token=token)
    assert mine.code == 200 and mine.body == download.body  # the same stored bytes, whoever downloads
    stranger = body_of(await api.call("POST", "/api/mp/session", {"code": wechat.state.issue_code("o-x")}))["token"]
    assert (await api.call("GET", f"/api/mp/applications/{serial}/documents", token=stranger)).code == 404
    assert (await api.call("GET", listed[0]["download"], token=stranger)).code == 404

    verify = await office.get(f"/verify/{listed[0]['id']}")
    shown = verify.body.decode()
    assert verify.code == 200 and serial in shown and listed[0]["sm3"] in shown
    assert "张三" not in shown and "13812345678" not in shown and "138****" not in shown  # nothing personal
    doc = await app.settings["services"].ctx.db["cases"].find_one({"_id": serial})
    assert [e["action"] for e in doc["timeline"]].count("document") == 2


async def generated_application(office, app, api, wechat):
    """A submitted case with one generated application document: (serial, token, the party's listed item)."""
    serial, token = await setup_case(app, api, wechat)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    await office.get(f"/office/cases/{serial}")
    assert (await office.post(f"/office/cases/{serial}/document", {"kind": "application"})).code == 302
    [item] = body_of(await api.call("GET", f"/api/mp/applications/{serial}/documents", token=token))["items"]
    return serial, token, item


@pytest.mark.gen_test(timeout=90)  # beyond the 60 s conversion limit: a hung LibreOffice shows as pdf_timeout
async def test_a_party_gets_a_pdf_copy_read_back_with_the_documents_text(office, app, api, wechat):
    require_tool(app.settings["services"].pdf.available, "LibreOffice", "apt-get install libreoffice-writer-nogui")
    serial, token, item = await generated_application(office, app, api, wechat)
    pdf = await api.call("GET", item["download"] + "?format=pdf", token=token)
    assert pdf.code == 200 and pdf.headers["Content-Type"].startswith("application/pdf")
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages))
    assert serial in text and "张三&<李>" in text and "劳动人事争议调解申请书" in text
    stranger = body_of(await api.call("POST", "/api/mp/session", {"code": wechat.state.issue_code("o-y")}))["token"]
    assert (await api.call("GET", item["download"] + "?format=pdf", token=stranger)).code == 404


@pytest.mark.gen_test(timeout=30)
async def test_an_unknown_format_is_refused_naming_the_field(office, app, api, wechat):
    _, token, item = await generated_application(office, app, api, wechat)
    refused = await api.call("GET", item["download"] + "?format=exe", token=token)
    assert refused.code == 400 and body_of(refused)["error"]["field"] == "format"
    staff = await office.get(f"/office/documents/{item['id']}?format=odt")
    assert staff.code == 400 and "docx 或 pdf" in staff.body.decode()
    audited = await app.settings["services"].ctx.db["audit"].count_documents({"action": "document_download"})
    assert audited == 0  # refused before the document was read: nothing was seen


@pytest.mark.gen_test(timeout=30)
async def test_without_libreoffice_the_pdf_copy_is_a_clear_503(office, app, api, wechat):
    app.settings["services"].pdf = PdfConverter(soffice="")
    _, token, item = await generated_application(office, app, api, wechat)
    pdf = await api.call("GET", item["download"] + "?format=pdf", token=token)
    assert pdf.code == 503 and body_of(pdf)["error"]["code"] == "pdf_unavailable"
    assert "Word" in body_of(pdf)["error"]["message"]
    assert (await api.call("GET", item["download"], token=token)).code == 200  # the .docx is still there


@pytest.mark.gen_test(timeout=30)
async def test_verify_page_compares_an_uploaded_copy(office, app, api, wechat, http_client, base_url):
    serial, token = await setup_case(app, api, wechat)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    await office.get(f"/office/cases/{serial}")
    await office.post(f"/office/cases/{serial}/document", {"kind": "arbitration"})
    [item] = body_of(await api.call("GET", f"/api/mp/applications/{serial}/documents", token=token))["items"]
    original = (await api.call("GET", f"/api/mp/applications/{serial}/documents/{item['id']}", token=token)).body

    async def upload(data: bytes) -> str:
        await office.get(f"/verify/{item['id']}")
        boundary = "verifyboundary"
        payload = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="_xsrf"\r\n\r\n{office.cookies["_xsrf"]}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.docx"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        response = await http_client.fetch(
            f"{base_url}/verify/{item['id']}",
            method="POST",
            body=payload,
            raise_error=False,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": "; ".join(f"{k}={v}" for k, v in office.cookies.items()),
            },
        )
        return response.body.decode()

    assert "一致：" in await upload(original)
    tampered = original[:-10] + b"0123456789"
    assert "不一致" in await upload(tampered)
    assert (await office.get("/verify/" + "0" * 32)).code == 404


@pytest.mark.gen_test(timeout=120)
async def test_verify_page_knows_the_systems_own_pdf_copy(office, app, api, wechat, http_client, base_url):
    """The PDF copy is made once and fingerprinted: every download is that file, /verify accepts it as the system's
    own, and a modified PDF is not an original."""
    require_tool(app.settings["services"].pdf.available, "LibreOffice", "apt-get install libreoffice-writer-nogui")
    serial, token = await setup_case(app, api, wechat)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    await office.get(f"/office/cases/{serial}")
    await office.post(f"/office/cases/{serial}/document", {"kind": "arbitration"})
    [item] = body_of(await api.call("GET", f"/api/mp/applications/{serial}/documents", token=token))["items"]
    first = (await api.call("GET", item["download"] + "?format=pdf", token=token)).body
    again = (await api.call("GET", item["download"] + "?format=pdf", token=token)).body
    assert first.startswith(b"%PDF") and again == first

    async def verdict(data: bytes, name: str) -> str:
        await office.get(f"/verify/{item['id']}")
        boundary = "verifyboundary"
        payload = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="_xsrf"\r\n\r\n{office.cookies["_xsrf"]}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        payload += data + f"\r\n--{boundary}--\r\n".encode()
        response = await http_client.fetch(
            f"{base_url}/verify/{item['id']}",
            method="POST",
            body=payload,
            raise_error=False,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": "; ".join(f"{k}={v}" for k, v in office.cookies.items()),
            },
        )
        return re.sub(r"\s+", "", response.body.decode())

    assert "一致：该文件与本系统出具的文书PDF副本逐字节相同" in await verdict(first, "a.pdf")
    # One byte changed inside the file is no longer the original.
    at = len(first) // 2
    modified = first[:at] + bytes([first[at] ^ 1]) + first[at + 1 :]
    assert modified != first and "不一致" in await verdict(modified, "b.pdf")
    # A file with something added after the PDF's end (what an incremental edit appends) is not the original.
    assert "不一致" in await verdict(first + b"%appended\n", "c.pdf")


@pytest.mark.gen_test(timeout=30)
async def test_agreement_and_judicial_confirmation_after_settlement(office, app, api, wechat):
    from services.accounts.staff import StaffMember
    from services.cases import signing
    from tests.support.parties import claim_invitation, signature_body, upload_seal

    serial, token = await setup_case(app, api, wechat)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    services = app.settings["services"]
    ctx = services.ctx
    member = StaffMember("li.ming", "李明", "mediator", "sh-city")
    await upload_seal(ctx, services.blobs, StaffMember("admin", "管理员", "centre_admin", "sh-city"))
    await office.get(f"/office/cases/{serial}")
    assert (await office.post(f"/office/cases/{serial}/accept", {})).code == 302
    no_terms = await office.post(f"/office/cases/{serial}/draft_agreement", {"copies": "3"})
    assert no_terms.code == 422 and "至少填写一项" in no_terms.body.decode()
    due = (ctx.clock() + timedelta(days=10)).date().isoformat()
    drafted = await office.post(
        f"/office/cases/{serial}/draft_agreement",
        {
            "term_text": ["被申请人支付申请人工资", ""],
            "term_amount": ["12000", ""],
            "term_due": [due, ""],
            "term_method": ["银行转账", ""],
            "term_category": ["wages", "other"],
            "waivers": "双方再无其他争议",
            "copies": "3",
            "without_session": "双方到调解室当面协商一致",
        },
    )
    assert drafted.code == 302
    respondent_person = await claim_invitation(ctx, services.sms, serial)
    applicant_person = (await ctx.db["cases"].find_one({"_id": serial}))["owner_person_id"]
    for signer in (
        signing.Signer("", applicant_person, "mp"),
        signing.Signer("", respondent_person, "h5"),
        signing.Signer("mediator", "li.ming", "office:li.ming", member),
    ):
        await signing.sign(ctx, services.blobs, signer, serial, signature_body(), "h5")
    assert (await ctx.db["cases"].find_one({"_id": serial}))["status"] == "settled"
    for kind in ("agreement", "judicial_confirmation"):
        assert (await office.post(f"/office/cases/{serial}/document", {"kind": kind})).code == 302
    items = body_of(await api.call("GET", f"/api/mp/applications/{serial}/documents", token=token))["items"]
    agreement = next(i for i in items if i["kind"] == "agreement")
    data = (await api.call("GET", f"/api/mp/applications/{serial}/documents/{agreement['id']}", token=token)).body
    text = docx_text(data)
    assert "被申请人支付申请人工资" in text and "壹万贰仟元整" in text and "双方再无其他争议" in text


@pytest.mark.gen_test(timeout=30)
async def test_the_printed_qr_code_leads_to_the_verification_page(office, app, api, wechat, settings):
    """Decode the QR image inside the issued .docx, follow its address, find the same fingerprint."""
    import zxingcpp
    from PIL import Image

    serial, token = await setup_case(app, api, wechat)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    await office.get(f"/office/cases/{serial}")
    assert (await office.post(f"/office/cases/{serial}/document", {"kind": "application"})).code == 302
    [item] = body_of(await api.call("GET", f"/api/mp/applications/{serial}/documents", token=token))["items"]
    data = (await api.call("GET", f"/api/mp/applications/{serial}/documents/{item['id']}", token=token)).body
    document = Document(io.BytesIO(data))
    images = [rel.target_part.blob for rel in document.part.rels.values() if "image" in rel.reltype]
    decoded = [r.text for blob in images for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(blob)))]
    assert decoded == [f"{settings.public_base_url}/verify/{item['id']}"]
    page = await office.get(urlsplit(decoded[0]).path)
    assert page.code == 200 and item["sm3"] in page.body.decode() and serial in page.body.decode()


@pytest.mark.gen_test(timeout=30)
async def test_staff_downloads_are_audited_and_party_downloads_are_not(office, app, api, wechat, http_client, base_url):
    serial, token = await setup_case(app, api, wechat)
    await make_staff(app, "li.ming", name="李明")
    await sign_in(office, "li.ming")
    await office.get(f"/office/cases/{serial}")
    for _ in range(2):
        assert (await office.post(f"/office/cases/{serial}/document", {"kind": "application"})).code == 302
    newest, first = body_of(await api.call("GET", f"/api/mp/applications/{serial}/documents", token=token))["items"]
    audit = app.settings["services"].ctx.db["audit"]
    assert (await api.call("GET", newest["download"], token=token)).code == 200  # the party's own: no record
    assert await audit.count_documents({}) == 0

    before = app.settings["services"].ctx.clock()
    assert (await office.get(f"/office/documents/{first['id']}?format=docx")).code == 200
    [entry] = await audit.find({}).to_list(None)
    assert {k: entry[k] for k in ("who", "role", "action", "serial", "document_id", "kind", "version")} == {
        "who": "li.ming",
        "role": "mediator",
        "action": "document_download",
        "serial": serial,
        "document_id": first["id"],
        "kind": "application",
        "version": 1,
    }
    assert entry["at"].replace(tzinfo=before.tzinfo) >= before.replace(microsecond=0)
    assert WORKER_ID not in repr(entry) and "13812345678" not in repr(entry)  # nothing personal in the trail

    # Refused downloads (another centre's staff, an unknown document) leave no record: nothing left.
    other = CookieClient(http_client, base_url)
    await make_staff(app, "zhou.pd", centre_id="sh-pudong")
    await other.get("/office/login")
    assert (await other.post("/office/login", {"login": "zhou.pd", "password": STAFF_PASSWORD})).code == 302
    assert (await other.get(f"/office/documents/{first['id']}")).code == 404
    assert (await office.get("/office/documents/" + "0" * 32)).code == 404
    assert await audit.count_documents({}) == 1


def test_renders_run_below_the_event_loops_priority():
    renderers = Renderers({})
    try:
        worker_niceness = renderers._executor().submit(os.nice, 0).result(timeout=60)
    finally:
        renderers.close()
    assert worker_niceness >= min(19, os.nice(0) + WORKER_NICENESS)
