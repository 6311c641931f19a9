"""Documents in tests: a case submitted from the mini-program, a .docx read back as text."""

from __future__ import annotations

import io

from docx import Document

from tests.support.app import body_of
from tests.support.samples import worker_body


async def setup_case(app, api, wechat):
    """A worker's case submitted from the mini-program, and a mediator of its centre signed in."""
    code = wechat.state.issue_code("o-doc-worker")
    token = body_of(await api.call("POST", "/api/mp/session", {"code": code}))["token"]
    body = worker_body()
    body["evidence"] = []
    body["applicant"]["name"] = "张三 & <李>"
    created = await api.call(
        "POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "key-doc-0001"}
    )
    return body_of(created)["serial"], token


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)
