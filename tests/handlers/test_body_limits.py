"""Issue 22: a body over the limit answers 413 in the JSON error shape on the API, and with the form's own message
on the seal and evidence pages; never Tornado's empty 400, and never before the browser could read the answer (the
body is read and thrown away first)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid

import pytest
from tornado.httputil import HTTPHeaders
from tornado.web import create_signed_value

from handlers.base import DRAIN_BYTES, MAX_BODY_BYTES, _BoundedBody
from services.accounts import web_sessions
from services.accounts.persons import person_for_identity
from tests.support.app import MP_APP_ID, body_of, make_staff, server_environ, sign_in
from tests.support.office import sign_in as office_sign_in
from tests.support.server_process import ServerProcess

BIG = b"x" * (MAX_BODY_BYTES + 1)


def json_error(response) -> dict:
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return body_of(response)["error"]


@pytest.mark.gen_test(timeout=60)
async def test_an_api_body_over_the_limit_is_a_413_in_the_json_shape(app, api):
    for size in (300 * 1024, MAX_BODY_BYTES + 1, 5 * MAX_BODY_BYTES):  # over the JSON limit, over the server's
        body = b'{"a": "' + b"x" * size + b'"}'
        response = await api.call("POST", "/api/calculator", raw=body)
        assert response.code == 413, (size, response.code, response.body[:200])
        error = json_error(response)
        assert error["code"] == "body_too_large" and "过大" in error["message"]
        assert response.headers["X-Request-Id"]
    small = await api.call("POST", "/api/calculator", {"kind": "nonsense"})
    assert small.code != 413  # the limit is not in the way of an ordinary body


def xsrf_part(boundary: str, token: str) -> bytes:
    """The form's XSRF field first, as a browser sends it (in the body: thrown away with it)."""
    return f'--{boundary}\r\nContent-Disposition: form-data; name="_xsrf"\r\n\r\n{token}\r\n--{boundary}\r\n'.encode()


@pytest.mark.gen_test(timeout=60)
async def test_a_seal_over_the_limit_gets_the_seal_forms_own_message(app, office):
    await make_staff(app, "seal.admin", role="centre_admin")
    await office_sign_in(office, "seal.admin")
    boundary = uuid.uuid4().hex
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="seal"; filename="seal.png"\r\n'
    body = (head + "Content-Type: image/png\r\n\r\n").encode() + BIG + f"\r\n--{boundary}--\r\n".encode()
    body = body.replace(b"--" + boundary.encode() + b"\r\n", xsrf_part(boundary, office.cookies["_xsrf"]), 1)
    response = await office.http_client.fetch(
        office.base_url + "/office/seal",
        method="POST",
        body=body,
        headers=office._headers() | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        raise_error=False,
        follow_redirects=False,
    )
    page = response.body.decode()
    assert response.code == 413 and 'id="seal-form"' in page, (response.code, page[:300])
    assert "1024 KB" in page, page  # error.too_large.seal: the seal's own limit, beside its form


@pytest.mark.gen_test(timeout=120)
async def test_evidence_over_the_limit_is_read_then_refused_with_the_size_message(app, api, wechat, http_client):
    ctx = app.settings["services"].ctx
    limits = dataclasses.replace(ctx.settings.evidence, max_file_bytes=2**20)
    ctx.settings = dataclasses.replace(ctx.settings, evidence=limits)
    token = await sign_in(api, wechat, "openid-body-limits")
    data = b"%PDF-1.4\n" + b"0" * (3 * 2**20)
    # As a browser sends it: a Content-Length, no "Expect: 100-continue", the whole body before reading an answer.
    response = await http_client.fetch(
        api.base_url + "/api/mp/files",
        method="POST",
        body=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/pdf", "X-File-Name": "big.pdf"},
        raise_error=False,
    )
    assert response.code == 413, response.code
    error = json_error(response)
    assert error["code"] == "file_too_large" and "1 MB" in error["message"]
    assert await ctx.db["files"].count_documents({}) == 0
    # The evidence pages know the limit and its words before sending (static/js/upload.js).
    person = await person_for_identity(ctx, "wechat_mp", MP_APP_ID, "openid-body-limits", None)
    session = create_signed_value(
        app.settings["cookie_secret"], "h5_session", await web_sessions.issue(ctx, web_sessions.PERSON, person)
    ).decode()
    page = await http_client.fetch(
        api.base_url + "/h5/apply/worker/evidence", headers={"Cookie": f"h5_session={session}"}, raise_error=False
    )
    html = page.body.decode()
    assert page.code == 200 and f'data-max-bytes="{2**20}"' in html and "每个文件最多 1 MB" in html, html[:500]


async def _raw(port: int, head: bytes, body: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 20)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    status, _, rest = raw.partition(b"\r\n\r\n")
    return int(status.split()[1]), rest


@pytest.mark.gen_test(timeout=90)
async def test_the_real_server_answers_large_bodies_in_json_not_tornados_empty_400(wechat, tmp_path):
    """`python app.py` as production runs it (its HTTP server's own limit, the application's): a body over the limit
    is read and answered 413 in JSON; one declared past what is worth reading is answered at once."""
    server = ServerProcess(server_environ(wechat.base_url, str(tmp_path / "blobs")), tmp_path / "server.log").start()
    try:
        body = b'{"a": "' + b"x" * (3 * 2**20) + b'"}'
        head = (
            "POST /api/calculator HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        status, rest = await _raw(server.port, head, body)
        assert status == 413 and b'"body_too_large"' in rest, (status, rest[:300])
        huge = head.replace(f"Content-Length: {len(body)}".encode(), f"Content-Length: {DRAIN_BYTES + 1}".encode())
        status, rest = await _raw(server.port, huge, b"{")
        assert status == 413 and b'"body_too_large"' in rest, (status, rest[:300])
    finally:
        server.stop()
    assert "Traceback" not in server.log()


def test_what_is_thrown_away_is_not_kept():
    class Inner:
        received: list[bytes] = []
        finished = False

        def headers_received(self, start_line, headers):
            return None

        def data_received(self, chunk):
            self.received.append(chunk)

        def finish(self):
            self.finished = True

    class Request:
        connection = None
        headers: dict = {}

    inner, request = Inner(), Request()
    bounded = _BoundedBody(inner, request)
    bounded.headers_received(None, HTTPHeaders())
    for _ in range(3):
        bounded.data_received(b"x" * MAX_BODY_BYTES)
    assert bounded.chunks == [] and bounded.refused
    bounded.finish()
    assert inner.finished and inner.received == [] and request.body_refused
