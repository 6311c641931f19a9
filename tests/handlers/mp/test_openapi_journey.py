"""The OpenAPI document against real answers: a mini-program developer's whole journey (reference data, a draft, an
upload, an application, the clarified items, the respondent's invitation and answer, a video session, the signed
agreement, performance, a route's document, a withdrawal, errors), every JSON answer checked against the schema the
document gives for its operation and status. The response schemas forbid undocumented fields, so a field the code
adds without describing it fails here."""

from __future__ import annotations

import io
import json
import os
import re
from typing import Any

import jsonschema_rs
import pytest
from PIL import Image

from handlers.public.openapi import openapi_document
from services.accounts.staff import StaffMember
from services.cases import clarification, handling, signing
from tests.support.app import body_of, sign_in
from tests.support.parties import (
    due_in,
    invitation_link,
    signature_body,
    ten_in_the_morning,
    upload_seal,
)
from tests.support.samples import worker_body

DUMP: list[Any] | None = [] if os.environ.get("JOURNEY_DUMP") else None  # while writing the schemas
MEDIATOR = StaffMember("li.ming", "李明", "mediator", "sh-city")
ADMIN = StaffMember("boss", "主任", "centre_admin", "sh-city")


def to_json_schema(schema: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type (jsonschema knows no `nullable`)."""
    if isinstance(schema, list):
        return [to_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: to_json_schema(v) for k, v in schema.items() if k not in ("nullable", "example", "examples")}
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:  # a $ref, allOf or enum made nullable
            inner = {k: v for k, v in out.items() if k not in ("description",)}
            out = {"anyOf": [inner, {"type": "null"}]}
        if "enum" in out:
            out["enum"] = [*(v for v in out["enum"] if v is not None), None]
    return out


class Checker:
    """Finds each answer's operation in the document and validates the JSON body against its schema."""

    def __init__(self) -> None:
        self.document = openapi_document()
        self.schema = to_json_schema(self.document)
        self.routes = [
            (re.compile("^" + re.sub(r"\{\w+\}", r"[^/]+", path) + "$"), path) for path in self.document["paths"]
        ]
        self.seen: set[tuple[str, str, int]] = set()

    def __call__(self, method: str, path: str, response: Any) -> Any:
        bare = path.split("?", 1)[0]
        template = next((t for pattern, t in self.routes if pattern.match(bare)), None)
        if DUMP is not None:
            DUMP.append(
                {
                    "op": f"{method} {template or bare} {response.code}",
                    "body": body_of(response) if "json" in response.headers.get("Content-Type", "") else None,
                }
            )
            return body_of(response) if "json" in response.headers.get("Content-Type", "") else None
        assert template is not None, f"{path}: no operation in the document"
        operation = self.document["paths"][template][method.lower()]
        status = str(response.code)
        assert status in operation["responses"], f"{method} {template}: {status} is not documented"
        content = operation["responses"][status].get("content", {})
        self.seen.add((method, template, response.code))
        if "application/json" not in content:
            return None
        body = body_of(response)
        schema = self.schema["paths"][template][method.lower()]["responses"][status]["content"]["application/json"]
        # The operation's schema beside the document's components, which its references name.
        validator = jsonschema_rs.Draft7Validator({"components": self.schema["components"], **schema["schema"]})
        errors = list(validator.iter_errors(body))
        assert not errors, (
            f"{method} {template} {status}: "
            + "; ".join(f"{e.message} at {list(e.instance_path)}" for e in errors[:5])
            + "\n"
            + json.dumps(body, ensure_ascii=False)[:1500]
        )
        return body


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 140, 160)).save(out, "PNG")
    return out.getvalue()


async def upload(http_client, base_url: str, token: str, name: str) -> Any:
    boundary = "journeyboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + png_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return await http_client.fetch(
        base_url + "/api/mp/files",
        method="POST",
        body=body,
        raise_error=False,
        headers={"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


@pytest.mark.gen_test(timeout=120)
async def test_every_answer_of_a_journey_matches_the_document(api, wechat, app, http_client, base_url):
    services = app.settings["services"]
    ctx, sms = services.ctx, services.sms
    today = ten_in_the_morning(ctx)
    check = Checker()

    async def call(method: str, path: str, body: Any = None, token: str | None = None, **kwargs: Any) -> Any:
        response = await api.call(method, path, body, token=token, **kwargs)
        return check(method, path, response), response.code

    for path in (
        "/api/notice",
        "/api/reference",
        "/api/regions",
        "/api/regions?parent=310115",
        "/api/centres",
        "/api/taxonomy",
        "/api/taxonomy?centre=sh-city",
        "/api/openapi.json",
    ):
        assert (await call("GET", path))[1] == 200, path
    assert (await call("GET", "/api/regions?parent=999999"))[1] == 404
    assert (await call("GET", "/api/taxonomy?centre=nowhere"))[1] == 404

    worker = await sign_in(api, wechat, "o-journey-worker")
    assert (await call("GET", "/api/mp/drafts/worker", token=worker))[1] == 404
    body = worker_body()
    draft, status = await call(
        "PUT", "/api/mp/drafts/worker", {"kind": "worker", "applicant": body["applicant"]}, token=worker
    )
    assert status == 200 and draft["applicant"]["id_number"].count("*")
    assert (await call("GET", "/api/mp/drafts/worker", token=worker))[1] == 200
    uploaded = upload(http_client, base_url, worker, "工资条.png")
    stored = check("POST", "/api/mp/files", await uploaded)
    # Where it came from and what it proves (调解仲裁法 art. 28 (三)): optional, the uploader's to say.
    noted, status = await call(
        "PUT", f"/api/mp/files/{stored['id']}", {"source": "单位发放", "proves": "证明工资标准"}, token=worker
    )
    assert status == 200 and (noted["source"], noted["proves"]) == ("单位发放", "证明工资标准")
    assert (await call("PUT", f"/api/mp/files/{stored['id']}", {"proves": None}, token=worker))[1] == 422
    assert (await call("PUT", f"/api/mp/files/{'0' * 32}", {"source": "x"}, token=worker))[1] == 404
    body["evidence"] = [stored["id"]]
    bad = dict(body, applicant=dict(body["applicant"], id_number="123"))
    assert (await call("POST", "/api/mp/applications", bad, token=worker, headers={"Idempotency-Key": "journey-0000"}))[
        1
    ] == 422
    created, status = await call(
        "POST", "/api/mp/applications", body, token=worker, headers={"Idempotency-Key": "journey-0001"}
    )
    assert status == 201 and created["evidence_files"][0]["name"] == "工资条.png"
    serial = created["serial"]
    assert (await call("GET", "/api/mp/applications", token=worker))[1] == 200
    assert (await call("GET", f"/api/mp/applications/{serial}", token=worker))[1] == 200
    assert (await call("GET", "/api/mp/applications/20261122000171", token=worker))[1] == 404
    assert (await call("GET", f"/api/progress?serial={serial}&phone_last4=5678"))[1] == 200
    assert (await call("GET", f"/api/progress?serial={serial[:-1]}0&phone_last4=5678"))[1] in (404, 429)

    # The mediator clarifies; the applicant confirms in the mini-program.
    items = [{"cause_code": "05-01", "text": "支付2026年8月至10月工资", "amount": "12000"}]
    await clarification.push_clarified(ctx, services.taxonomies, MEDIATOR, serial, items)
    answered, status = await call(
        "POST", f"/api/mp/applications/{serial}/clarified", {"version": 1, "decision": "confirm"}, token=worker
    )
    assert status == 200 and answered["clarified"]["state"] == "confirmed"
    await handling.decide(ctx, MEDIATOR, serial, "accept", {})

    # The respondent: the invitation, the code, the proof, the answer, evidence.
    token = (await invitation_link(ctx, serial)).rsplit("/", 1)[1]
    invitation = f"/api/mp/invitations/{serial}/{token}"
    assert (await call("GET", invitation))[1] == 200
    assert (await call("POST", invitation + "/code"))[1] == 200
    hr = await sign_in(api, wechat, "o-journey-employer")
    assert (await call("POST", invitation + "/claim", {"code": "000000"}, token=hr))[1] in (409, 422)
    claimed, status = await call(
        "POST", invitation + "/claim", {"code": sms.last_code("13987654321", "respond")}, token=hr
    )
    assert status == 200 and claimed["role"] == "respondent"
    mine = f"/api/mp/respondent/cases/{serial}"
    assert (await call("GET", "/api/mp/respondent/cases", token=hr))[1] == 200
    assert (await call("GET", mine, token=hr))[1] == 200
    assert (await call("POST", mine + "/answer", {"decision": "propose"}, token=hr))[1] == 422
    assert (
        await call(
            "POST", mine + "/answer", {"decision": "propose", "proposal": "分两期支付", "amount": "12000"}, token=hr
        )
    )[1] == 200
    theirs = check("POST", "/api/mp/files", await upload(http_client, base_url, hr, "考勤记录.png"))
    assert (await call("POST", mine + "/evidence", {"file_ids": [theirs["id"]]}, token=hr))[1] == 200
    assert (await call("POST", mine + "/evidence", {"file_ids": ["0" * 32]}, token=hr))[1] == 404

    # Evidence after submitting, an online session today, its page before and after the link opens.
    more = check("POST", "/api/mp/files", await upload(http_client, base_url, worker, "聊天记录.png"))
    added, status = await call(
        "POST", f"/api/mp/applications/{serial}/evidence", {"file_ids": [more["id"]]}, token=worker
    )
    assert status == 200 and added["evidence_files"][-1]["added_at"]
    await handling.decide(
        ctx, MEDIATOR, serial, "schedule", {"at": f"{today}T10:10", "online_link": "https://meeting.example.com/j/1"}
    )
    page, _ = await call("GET", f"/api/mp/applications/{serial}/page", token=worker)
    assert page["case"]["session"]["join_open"] and page["case"]["session"]["online_link"]
    await handling.decide(ctx, MEDIATOR, serial, "open_session", {})
    assert (await call("GET", mine + "/page", token=hr))[1] == 200

    # The agreement: drafted, signed by both parties here and the mediator in the office; the last settles it.
    await upload_seal(ctx, services.blobs, ADMIN)
    rows = [{"text": "被申请人支付申请人工资", "amount": "12000", "due_date": due_in(ctx, 10), "category": "wages"}]
    await handling.decide(ctx, MEDIATOR, serial, "draft_agreement", {"copies": "3"}, rows)
    signature = signature_body()
    assert (await call("POST", mine + "/signature", {"version": 1, "image": "data:image/png;base64,AAAA"}, token=hr))[
        1
    ] == 422
    assert (await call("POST", mine + "/signature", signature, token=hr))[1] == 201
    await signing.sign(
        ctx,
        services.blobs,
        signing.Signer("mediator", "li.ming", "office:li.ming", MEDIATOR),
        serial,
        signature,
        "backoffice",
    )
    settled, status = await call("POST", f"/api/mp/applications/{serial}/signature", signature, token=worker)
    assert status == 201 and settled["case"]["status"] == "settled"
    assert (await call("POST", f"/api/mp/applications/{serial}/signature", signature, token=worker))[1] == 409
    reported, status = await call(
        "POST",
        f"/api/mp/applications/{serial}/performance",
        {"term": 1, "performed": True, "note": "已到账"},
        token=worker,
    )
    assert status == 200 and reported["items"][0]["reports"]
    issued, status = await call("POST", f"/api/mp/applications/{serial}/papers/judicial_confirmation", token=worker)
    assert status == 201 and issued["download"].endswith(issued["id"])
    assert (await call("POST", f"/api/mp/applications/{serial}/papers/payment_order", token=worker))[1] == 409
    listed, _ = await call("GET", f"/api/mp/applications/{serial}/documents", token=worker)
    assert {d["kind"] for d in listed["items"]} >= {"agreement", "judicial_confirmation"}
    assert (await call("GET", mine + "/documents", token=hr))[1] == 200
    assert (await call("GET", f"/api/mp/applications/{serial}/documents/{issued['id']}", token=worker))[1] == 200

    # Another application, withdrawn; a refusal to sign on a third; subscriptions; signing out.
    second = body_of(
        await api.call(
            "POST",
            "/api/mp/applications",
            dict(body, evidence=[]),
            token=worker,
            headers={"Idempotency-Key": "journey-0002"},
        )
    )["serial"]
    assert (await call("POST", f"/api/mp/applications/{second}/withdraw", {}, token=worker))[1] == 422
    withdrawn, status = await call(
        "POST", f"/api/mp/applications/{second}/withdraw", {"reason": "已协商解决"}, token=worker
    )
    assert status == 200 and withdrawn["status"] == "withdrawn" and withdrawn["closed"]
    assert (await call("POST", f"/api/mp/applications/{second}/evidence", {"file_ids": [more["id"]]}, token=worker))[
        1
    ] == 409
    assert (await call("GET", "/api/mp/subscriptions", token=worker))[1] == 200
    template = ctx.settings.notifications.kinds["schedule"].mini_program.template_id
    assert (await call("POST", "/api/mp/subscriptions", {"template_ids": [template]}, token=worker))[1] == 200
    assert (
        await call("POST", "/api/mp/drafts/worker/submit", token=worker, headers={"Idempotency-Key": "journey-0003"})
    )[1] in (201, 404, 422)
    assert (await call("DELETE", "/api/mp/drafts/worker", token=worker))[1] == 204
    assert (await call("GET", "/api/mp/applications", token="forged"))[1] == 401
    assert (await call("DELETE", "/api/mp/session", token=worker))[1] == 204
    if DUMP is not None:
        with open(os.environ["JOURNEY_DUMP"], "w") as out:
            json.dump(DUMP, out, ensure_ascii=False, indent=1)
        return
    # 52 distinct (operation, status) answers today: fewer means a step of the journey stopped checking.
    assert len(check.seen) >= 50, sorted(check.seen)
