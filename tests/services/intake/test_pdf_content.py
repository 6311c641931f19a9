"""Issue 22: PDFs are parsed (platforms/pdf_content.py), and one carrying JavaScript, a launch action, embedded files,
rich media or an XFA form is refused with `active_content` on every upload path (the mini-program's and the H5
pages' evidence, a court's delegated documents); one that cannot be parsed is refused too. Each fixture of the
review is refused; a plain PDF and a fillable form without scripts are accepted."""

from __future__ import annotations

import base64

import pytest

from platforms.pdf_content import PdfUnreadable, findings
from services.core.errors import ServiceError
from services.court import delegations
from services.intake import evidence
from tests.support import pdfs
from tests.support.app import body_of, sign_in
from tests.support.court import COURT, delegation_body

WORDS = {
    "javascript": "JavaScript",
    "launch": "Launch",
    "embedded_files": "嵌入的附件",
    "rich_media": "RichMedia",
    "xfa": "XFA",
}


@pytest.mark.parametrize("name", sorted(pdfs.refused()))
def test_each_kind_of_active_content_is_found_by_parsing(name, tmp_path):
    data, kind = pdfs.refused()[name]
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    assert findings(str(path)) == [kind]
    with pytest.raises(ServiceError) as refused:
        evidence.check_pdf(str(path))
    assert (refused.value.status, refused.value.code, refused.value.field) == (422, "active_content", "file")
    assert WORDS[kind] in refused.value.message_in("zh_CN")


def test_a_plain_pdf_and_a_form_without_scripts_pass_and_an_unparseable_one_does_not(tmp_path):
    for data in (pdfs.plain(), pdfs.fillable_form()):
        (tmp_path / "ok.pdf").write_bytes(data)
        assert findings(str(tmp_path / "ok.pdf")) == []
        evidence.check_pdf(str(tmp_path / "ok.pdf"))
    (tmp_path / "bad.pdf").write_bytes(pdfs.unparseable())
    with pytest.raises(PdfUnreadable):
        findings(str(tmp_path / "bad.pdf"))
    with pytest.raises(ServiceError) as refused:
        evidence.check_pdf(str(tmp_path / "bad.pdf"))
    assert (refused.value.status, refused.value.code) == (422, "pdf_unreadable")


async def _upload(http_client, url: str, headers: dict[str, str], data: bytes):
    return await http_client.fetch(
        url,
        method="POST",
        body=data,
        headers=headers | {"Content-Type": "application/pdf", "X-File-Name": "evidence.pdf"},
        raise_error=False,
    )


@pytest.mark.gen_test(timeout=60)
async def test_evidence_uploads_refuse_every_fixture_and_keep_the_two_plain_ones(app, api, wechat, http_client):
    token = await sign_in(api, wechat)
    headers = {"Authorization": f"Bearer {token}"}
    db = app.settings["services"].ctx.db
    for name, (data, _kind) in sorted(pdfs.refused().items()):
        response = await _upload(http_client, api.base_url + "/api/mp/files", headers, data)
        assert response.code == 422 and body_of(response)["error"]["code"] == "active_content", (name, response.body)
    unreadable = await _upload(http_client, api.base_url + "/api/mp/files", headers, pdfs.unparseable())
    assert unreadable.code == 422 and body_of(unreadable)["error"]["code"] == "pdf_unreadable"
    assert await db["files"].count_documents({}) == 0
    for data in (pdfs.plain(), pdfs.fillable_form()):
        response = await _upload(http_client, api.base_url + "/api/mp/files", headers, data)
        assert response.code == 201 and body_of(response)["kind"] == "pdf", response.body
    assert await db["files"].count_documents({}) == 2


@pytest.mark.gen_test(timeout=60)
async def test_a_courts_document_with_active_content_is_refused_naming_it(ctx, blobs):
    partner = ctx.settings.docking.partner(COURT)
    for name, (data, _kind) in sorted(pdfs.refused().items()):
        content = base64.b64encode(data).decode()
        document = {"name": "起诉状.pdf", "content_type": "application/pdf", "content_base64": content}
        body = delegation_body(documents=[document])
        with pytest.raises(ServiceError) as refused:
            await delegations.create(ctx, blobs, partner, body)
        fields = {e.field: e.code for e in refused.value.errors}
        assert fields.get("documents[0].content_base64") == "active_content", (name, fields)
    assert await ctx.db["cases"].count_documents({}) == 0 and await ctx.db["files"].count_documents({}) == 0
