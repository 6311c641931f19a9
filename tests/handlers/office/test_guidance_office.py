"""A centre's document templates (download, replace with a checked one that the next document uses, restore) and
training material (a link and a file, who read what)."""

from __future__ import annotations

import io
import uuid

import pytest
from docx import Document

from docgen.templates import DEFAULT_DIR
from services.accounts.staff import CENTRE_ADMIN
from tests.support.app import make_staff
from tests.support.browser_session import CookieClient
from tests.support.documents import docx_text, setup_case
from tests.support.office import sign_in


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def post_files(office, url, fields, files):
    body, content_type = multipart(fields | {"_xsrf": office.cookies.get("_xsrf", "")}, files)
    response = await office.http_client.fetch(
        office.base_url + url,
        method="POST",
        body=body,
        raise_error=False,
        follow_redirects=False,
        headers=office._headers() | {"Content-Type": content_type},
    )
    office._remember(response)
    return response


def own_application_template() -> bytes:
    document = Document(str(DEFAULT_DIR / "application.docx"))
    document.add_paragraph("浦东调解中心专用模板")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.gen_test(timeout=60)
async def test_a_centre_replaces_a_template_and_the_next_document_uses_it(office, app, api, wechat):
    serial, _ = await setup_case(app, api, wechat)
    centre = (await app.settings["services"].ctx.db["cases"].find_one({"_id": serial}))["centre"]["id"]
    await make_staff(app, "tpl.admin", role=CENTRE_ADMIN, centre_id=centre)
    await make_staff(app, "tpl.mediator", centre_id=centre)
    await sign_in(office, "tpl.admin")
    listing = (await office.get(f"/office/templates?centre={centre}")).body.decode()
    assert "系统默认模板" in listing
    default = await office.get(f"/office/templates/application?centre={centre}")
    assert default.code == 200 and default.body == (DEFAULT_DIR / "application.docx").read_bytes()

    broken = Document(str(DEFAULT_DIR / "application.docx"))
    broken.add_paragraph("{{ worker.nmae }}")
    out = io.BytesIO()
    broken.save(out)
    refused = await post_files(
        office, "/office/templates/application", {"centre": centre}, {"file": ("application.docx", out.getvalue())}
    )
    assert refused.code == 422 and "worker.nmae" in refused.body.decode(), refused.body.decode()[-600:]
    not_docx = await post_files(
        office, "/office/templates/application", {"centre": centre}, {"file": ("a.docx", b"hello")}
    )
    assert not_docx.code == 422

    replaced = await post_files(
        office,
        "/office/templates/application",
        {"centre": centre},
        {"file": ("application.docx", own_application_template())},
    )
    assert replaced.code == 200 and "第 1 版" in replaced.body.decode()

    mediator = CookieClient(office.http_client, office.base_url)
    await sign_in(mediator, "tpl.mediator")
    await mediator.get(f"/office/cases/{serial}")
    assert (await mediator.post(f"/office/cases/{serial}/document", {"kind": "application"})).code == 302
    page = (await mediator.get(f"/office/cases/{serial}")).body.decode()
    document_id = page.split('href="/office/documents/')[1][:32]
    text = docx_text((await mediator.get(f"/office/documents/{document_id}")).body)
    assert "浦东调解中心专用模板" in text and serial in text
    # A mediator downloads, but does not replace.
    assert (await mediator.get(f"/office/templates/application?centre={centre}")).code == 200
    forbidden = await post_files(
        mediator,
        "/office/templates/application",
        {"centre": centre},
        {"file": ("application.docx", own_application_template())},
    )
    assert forbidden.code == 403
    restored = await office.post("/office/templates/application", {"centre": centre, "action": "restore"})
    assert restored.code == 200 and "浦东调解中心专用模板" not in docx_text(
        (await office.get(f"/office/templates/application?centre={centre}")).body
    )


@pytest.mark.gen_test(timeout=30)
async def test_training_material_and_who_read_what(office, app):
    await make_staff(app, "train.admin", role=CENTRE_ADMIN, centre_id="sh-city")
    await make_staff(app, "train.mediator", name="王调解", centre_id="sh-pudong")
    await sign_in(office, "train.admin")
    await office.get("/office/training")
    fields = {"title": "劳动争议调解实务", "url": "", "description": "第一讲"}
    published = await post_files(office, "/office/training", fields, {"file": ("lesson.pdf", b"%PDF-1.4 lesson")})
    assert published.code == 302
    link = await office.post("/office/training", {"title": "调解仲裁法解读", "url": "https://www.mohrss.gov.cn/"})
    assert link.code == 302
    bad = await office.post("/office/training", {"title": "", "url": "ftp://x"})
    assert bad.code == 422 and bad.body.decode().count('aria-invalid="true"') == 2

    mediator = CookieClient(office.http_client, office.base_url)
    await sign_in(mediator, "train.mediator")
    listing = (await mediator.get("/office/training")).body.decode()
    assert "劳动争议调解实务" in listing and "调解仲裁法解读" in listing  # a centre above published them
    material = listing.split('href="/office/training/')[1][:32]
    opened = await mediator.get(f"/office/training/{material}")
    assert opened.code in (200, 302)
    readers = (await office.get("/office/training")).body.decode()
    assert "王调解" in readers
    assert (await mediator.post(f"/office/training/{material}", {})).code == 403
