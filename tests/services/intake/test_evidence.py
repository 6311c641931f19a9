"""Evidence uploads through real HTTP: type by content, limits, EXIF stripped, safe archives, encrypted storage."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import os
import stat
import struct
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from tornado.httpclient import HTTPRequest

from handlers.uploads import MultipartFileParser
from services.core.errors import ServiceError
from store.blobs import BlobError, BlobKeys, LocalBlobStore
from tests.support import pdfs
from tests.support.app import body_of, make_staff, sign_in
from tests.support.browser_session import CookieClient
from tests.support.office import sign_in as office_sign_in
from tests.support.samples import worker_body

MiB = 1024 * 1024
GPS_PLACE = "SECRET-GPS-PLACE"


@pytest.fixture
def env_overrides(tmp_path: Path) -> dict[str, str]:
    return {"UPLOAD_TMP_DIR": str(tmp_path / "incoming")}


# ---------------------------------------------------------------- helpers


def multipart(name: str, data: bytes, content_type: str = "application/octet-stream", field: str = "file"):
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="note"\r\n\r\nfrom the mini-program\r\n'
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def upload(api, token, name, data, content_type="application/octet-stream", **request_options):
    body, multipart_type = multipart(name, data, content_type)
    headers = {"Content-Type": multipart_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = HTTPRequest(api.base_url + "/api/mp/files", method="POST", body=body, headers=headers, **request_options)
    return await api.http_client.fetch(request, raise_error=False)


async def uploaded(api, token, name, data, content_type="application/octet-stream") -> dict:
    response = await upload(api, token, name, data, content_type)
    assert response.code == 201, response.body
    return body_of(response)


async def download(api, token, file_id):
    return await api.http_client.fetch(
        api.base_url + f"/api/mp/files/{file_id}", headers={"Authorization": f"Bearer {token}"}, raise_error=False
    )


def services_of(app):
    return app.settings["services"]


def set_limits(app, **limits) -> None:
    ctx = services_of(app).ctx
    ctx.settings = dataclasses.replace(ctx.settings, evidence=dataclasses.replace(ctx.settings.evidence, **limits))


def blob_files(app) -> list[Path]:
    root = Path(services_of(app).ctx.settings.blob_dir)
    return [p for p in root.rglob("*") if p.is_file()]


def incoming_files(app) -> list[Path]:
    root = Path(services_of(app).ctx.settings.upload_tmp_dir)
    return list(root.rglob("*")) if root.exists() else []


async def file_records(app) -> list[dict]:
    return await services_of(app).ctx.db["files"].find({}).to_list(None)


async def assert_nothing_stored(app) -> None:
    assert await file_records(app) == []
    assert blob_files(app) == []
    assert incoming_files(app) == [], "the received upload must be deleted"


async def refused(api, token, app, name, data, status, code, content_type="application/octet-stream"):
    response = await upload(api, token, name, data, content_type)
    assert response.code == status, response.body
    error = body_of(response)["error"]
    assert error["code"] == code and error["field"] == "file"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), "the message is for people, in Chinese"
    await assert_nothing_stored(app)
    return error["message"]


# ---------------------------------------------------------------- sample files


def photo_with_exif(size=(64, 32)) -> bytes:
    image = Image.new("RGB", size)
    image.putdata([((x * 7) % 256, (y * 11) % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])])
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to show upright
    exif[ExifTags.Base.Make] = "PhoneMaker"
    taken = {ExifTags.Base.DateTimeOriginal: "2026:11:20 21:47:03", ExifTags.Base.OffsetTimeOriginal: "+08:00"}
    exif[ExifTags.IFD.Exif] = taken
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 13.0, 50.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (121.0, 28.0, 12.0),
        ExifTags.GPS.GPSAreaInformation: GPS_PLACE,
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def plain_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def pdf_bytes(padding: int = 0) -> bytes:
    return pdfs.plain(padding)  # a PDF that parses: one that does not is refused (issue 22)


def zip_of(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data, compress_type=method)
    return out.getvalue()


def docx_bytes() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            "word/document.xml": '<?xml version="1.0"?><w:document><w:body>合同</w:body></w:document>'.encode(),
        }
    )


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a pixel flood): a few hundred bytes on the wire."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------- the journey


@pytest.mark.gen_test(timeout=30)
async def test_photo_is_stored_encrypted_without_exif_and_only_its_owner_reads_it(api, wechat, app):
    token = await sign_in(api, wechat)
    original = photo_with_exif()
    assert GPS_PLACE.encode() in original and b"PhoneMaker" in original
    stored = await uploaded(api, token, "合同照片.JPG", original, "image/jpeg")
    assert stored["kind"] == "image" and stored["name"] == "合同照片.jpg"
    # When it was taken is kept as a field of the record (it can be evidence), not in the stored copy.
    assert stored["captured_at"] == "2026-11-20T21:47:03+08:00"
    assert b"2026:11:20" not in (await download(api, token, stored["id"])).body
    assert len(stored["id"]) == 32 and int(stored["id"], 16) >= 0

    response = await download(api, token, stored["id"])
    assert response.code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    clean = response.body
    assert stored["size"] == len(clean)
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "JPEG"
        assert image.size == (32, 64), "orientation applied to the pixels before EXIF was dropped"
        assert not image.getexif(), "no EXIF at all"
        assert "exif" not in image.info
    for secret in (GPS_PLACE.encode(), b"PhoneMaker", b"Exif\x00\x00"):
        assert secret not in clean

    [blob] = blob_files(app)
    at_rest = blob.read_bytes()
    assert stat.S_IMODE(blob.stat().st_mode) == 0o600
    assert stat.S_IMODE(blob.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(services_of(app).ctx.settings.blob_dir).stat().st_mode) == 0o700
    for window in (clean[:16], clean[200:232], clean[-32:], original[200:232], GPS_PLACE.encode()):
        assert window not in at_rest, "the blob holds ciphertext only"
    [record] = await file_records(app)
    assert record["blob_id"] != record["_id"] and record["sha256"] and record["owner_person_id"]
    assert await services_of(app).blobs.key_version(record["blob_id"]) == 2  # TEST_DATA_KEY's current version

    other = await sign_in(api, wechat, "openid-someone-else")
    assert (await download(api, other, stored["id"])).code == 404
    assert (await download(api, other, uuid.uuid4().hex)).code == 404
    anonymous = await api.http_client.fetch(api.base_url + f"/api/mp/files/{stored['id']}", raise_error=False)
    assert anonymous.code == 401
    assert incoming_files(app) == []


@pytest.mark.gen_test
async def test_macro_enabled_word_files_are_refused_like_active_content(api, wechat, app):
    token = await sign_in(api, wechat)
    docm = zip_of(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b'<?xml version="1.0"?><w:document/>',
            "word/vbaProject.bin": b'\xd0\xcf\x11\xe0 Attribute VB_Name = "AutoOpen"',
        }
    )
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument_VBA_PROJECT".encode("utf-16-le")
    for name, data in (("合同.docx", docm), ("合同.docm", docm), ("旧合同.doc", legacy)):
        refused = await upload(api, token, name, data)
        assert refused.code == 422 and body_of(refused)["error"]["code"] == "active_content", name
        assert "宏" in body_of(refused)["error"]["message"]
    assert await file_records(app) == []
    plain = await uploaded(api, token, "照片.jpg", plain_jpeg(), "image/jpeg")
    assert plain["captured_at"] is None  # no EXIF, no capture time


@pytest.mark.gen_test(timeout=30)
async def test_pdf_word_and_zip_are_accepted_and_submitted_as_evidence(api, wechat, app):
    token = await sign_in(api, wechat)
    pdf = await uploaded(api, token, "工资条.pdf", pdf_bytes(), "application/pdf")
    docx = await uploaded(api, token, "劳动合同.docx", docx_bytes())
    legacy = await uploaded(
        api, token, "旧合同.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") * 4
    )
    archive = await uploaded(
        api, token, "考勤记录.zip", zip_of({"考勤/一月.txt": "上班".encode() * 50, "b.csv": b"1,2\n"})
    )
    assert [f["kind"] for f in (pdf, docx, legacy, archive)] == ["pdf", "word", "word", "zip"]
    assert (docx["name"], legacy["name"]) == ("劳动合同.docx", "旧合同.doc")
    assert (await download(api, token, archive["id"])).body == zip_of(
        {"考勤/一月.txt": "上班".encode() * 50, "b.csv": b"1,2\n"}
    ), "non-images are kept byte for byte"

    body = worker_body()
    body["evidence"] = [pdf["id"], docx["id"], legacy["id"], archive["id"]]
    response = await api.call(
        "POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "key-evidence-01"}
    )
    assert response.code == 201, response.body
    assert body_of(response)["evidence"] == body["evidence"]

    other = await sign_in(api, wechat, "openid-other-applicant")
    body["evidence"] = [pdf["id"]]
    response = await api.call(
        "POST", "/api/mp/applications", body, token=other, headers={"Idempotency-Key": "key-evidence-02"}
    )
    assert response.code == 422
    assert body_of(response)["error"]["code"] == "unknown_file"


@pytest.mark.gen_test(timeout=30)
async def test_raw_body_upload_with_a_file_name_header(api, wechat, app):
    token = await sign_in(api, wechat)
    response = await api.call(
        "POST",
        "/api/mp/files",
        token=token,
        raw=pdf_bytes(),
        headers={"Content-Type": "application/pdf", "X-File-Name": "%E4%BB%B2%E8%A3%81.pdf"},
    )
    assert response.code == 201, response.body
    assert body_of(response)["name"] == "仲裁.pdf" and body_of(response)["kind"] == "pdf"


@pytest.mark.gen_test(timeout=30)
async def test_a_multipart_upload_keeps_the_name_of_its_file_name_header(api, wechat, app):
    # wx.uploadFile sends the temporary copy's name in the part; the mini-program sends the person's in the header.
    token = await sign_in(api, wechat)
    body, multipart_type = multipart("tmp_3f2a9c.pdf", pdf_bytes(), "application/pdf")
    headers = {
        "Content-Type": multipart_type,
        "Authorization": f"Bearer {token}",
        "X-File-Name": "%E5%B7%A5%E8%B5%84%E6%9D%A1.pdf",
    }
    request = HTTPRequest(api.base_url + "/api/mp/files", method="POST", body=body, headers=headers)
    response = await api.http_client.fetch(request, raise_error=False)
    assert response.code == 201, response.body
    assert body_of(response)["name"] == "工资条.pdf"
    assert (await uploaded(api, token, "payslip.pdf", pdf_bytes(), "application/pdf"))["name"] == "payslip.pdf"


@pytest.mark.gen_test(timeout=60)
async def test_an_upload_waiting_for_a_newer_notice_is_answered_after_its_body_not_a_broken_connection(
    api, wechat, app
):
    # A phone sends its whole file before it reads any answer: the 409 comes once the body is in, and nothing stays.
    token = await sign_in(api, wechat)
    ctx = services_of(app).ctx
    current = ctx.settings.consent_versions[-1]
    accepted = await api.call("PUT", "/api/mp/consents/notice", {"granted": True, "version": current}, token=token)
    assert accepted.code == 200, accepted.body
    ctx.settings = dataclasses.replace(ctx.settings, consent_versions=(*ctx.settings.consent_versions, "2099-01"))
    body, multipart_type = multipart("payslip.pdf", pdfs.plain(padding=8 * 1024 * 1024), "application/pdf")
    head = (
        f"POST /api/mp/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: {multipart_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    port = int(api.base_url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body)
        await writer.drain()  # the whole file sent first, as a phone does; answered early, this breaks (EPIPE)
        answer = await asyncio.wait_for(reader.read(), 20)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    status, _, rest = answer.partition(b"\r\n\r\n")
    assert int(status.split()[1]) == 409 and b'"consent_required"' in rest, answer[:300]
    await assert_nothing_stored(app)


@pytest.mark.gen_test
async def test_upload_needs_a_sign_in_before_the_body_is_read(api, wechat, app):
    response = await upload(api, None, "a.pdf", pdf_bytes())
    assert response.code == 401
    await assert_nothing_stored(app)


# ---------------------------------------------------------------- refusals: type and content


@pytest.mark.gen_test
async def test_text_named_jpg_is_refused(api, wechat, app):
    token = await sign_in(api, wechat)
    message = await refused(
        api, token, app, "photo.jpg", b"just some text, not a photo\n" * 20, 415, "unsupported_type"
    )
    assert ".jpg" in message and "不是图片" in message


@pytest.mark.gen_test
async def test_jpeg_zip_and_pdf_zip_polyglots_are_refused(api, wechat, app):
    token = await sign_in(api, wechat)
    hidden = zip_of({"payload.html": b"<script>alert(1)</script>"})
    await refused(api, token, app, "photo.jpg", plain_jpeg() + hidden, 422, "polyglot")
    await refused(api, token, app, "doc.pdf", pdf_bytes() + hidden, 422, "polyglot")


@pytest.mark.gen_test
async def test_pixel_flood_is_refused_before_decoding(api, wechat, app):
    token = await sign_in(api, wechat)
    flood = png_declaring(30000, 30000)
    assert len(flood) < 200
    message = await refused(api, token, app, "flood.png", flood, 422, "image_too_many_pixels")
    assert "90000 万像素" in message and "4000 万像素" in message


@pytest.mark.gen_test
async def test_image_over_our_limit_but_under_pillows_guard_is_refused(api, wechat, app):
    token = await sign_in(api, wechat)
    message = await refused(api, token, app, "big.png", png_declaring(8000, 6000), 422, "image_too_many_pixels")
    assert "8000×6000" in message and "4000 万像素" in message


@pytest.mark.gen_test
async def test_damaged_image_is_refused(api, wechat, app):
    token = await sign_in(api, wechat)
    await refused(api, token, app, "cut.jpg", plain_jpeg()[:40], 422, "image_damaged")


# ---------------------------------------------------------------- refusals: archives


@pytest.mark.gen_test(timeout=30)
async def test_zip_bomb_is_refused_while_decompressing(api, wechat, app):
    token = await sign_in(api, wechat)
    bomb = zip_of({"zeros.txt": b"\x00" * (30 * MiB)})
    assert len(bomb) < 100 * 1024
    await refused(api, token, app, "bomb.zip", bomb, 422, "zip_ratio")


@pytest.mark.gen_test(timeout=30)
async def test_one_bomb_entry_is_refused_even_when_the_archive_overall_is_fine(api, wechat, app):
    token = await sign_in(api, wechat)
    archive = zip_of({"noise.bin": os.urandom(2 * MiB), "zeros.txt": b"\x00" * (5 * MiB)})
    assert (2 + 5) * MiB / len(archive) < 10, "overall ratio far under 100:1"
    message = await refused(api, token, app, "mixed.zip", archive, 422, "zip_ratio")
    assert "zeros.txt" in message


@pytest.mark.gen_test(timeout=30)
async def test_zip_bigger_than_the_uncompressed_total_is_refused(api, wechat, app):
    token = await sign_in(api, wechat)
    set_limits(app, zip_max_total_bytes=2 * MiB)
    noise = os.urandom(MiB)  # incompressible: the ratio is fine, the total is not
    await refused(
        api, token, app, "big.zip", zip_of({"a.bin": noise, "b.bin": noise, "c.bin": noise}), 422, "zip_too_large"
    )


@pytest.mark.gen_test
@pytest.mark.parametrize("name", ["../evil.txt", "/abs/path.txt", "docs/../../evil.txt", "C:/windows/evil.txt"])
async def test_zip_slip_paths_are_refused(api, wechat, app, name):
    token = await sign_in(api, wechat)
    await refused(api, token, app, "slip.zip", zip_of({"ok.txt": b"fine", name: b"evil"}), 422, "zip_unsafe_path")


@pytest.mark.gen_test(timeout=30)
async def test_zip_with_too_many_entries_is_refused(api, wechat, app):
    token = await sign_in(api, wechat)
    many = zip_of({f"f{i}.txt": b"x" for i in range(1001)})
    await refused(api, token, app, "many.zip", many, 422, "zip_too_many_entries")
    assert (await upload(api, token, "ok.zip", zip_of({f"f{i}.txt": b"x" for i in range(1000)}))).code == 201


@pytest.mark.gen_test
async def test_nested_archives_are_refused_by_name_and_by_content(api, wechat, app):
    token = await sign_in(api, wechat)
    inner = zip_of({"a.txt": b"a"})
    await refused(api, token, app, "nested.zip", zip_of({"inner.zip": inner}), 422, "zip_nested")
    await refused(api, token, app, "hidden.zip", zip_of({"data.bin": inner}), 422, "zip_nested")
    gz = zlib.compressobj(wbits=31)
    await refused(api, token, app, "gz.zip", zip_of({"x.dat": gz.compress(b"abc") + gz.flush()}), 422, "zip_nested")


@pytest.mark.gen_test
async def test_symlink_entry_is_refused(api, wechat, app):
    token = await sign_in(api, wechat)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("ok.txt", b"fine")
        link = zipfile.ZipInfo("passwd")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    await refused(api, token, app, "link.zip", out.getvalue(), 422, "zip_link")


@pytest.mark.gen_test
async def test_encrypted_entry_is_refused(api, wechat, app):
    token = await sign_in(api, wechat)
    flagged = bytearray(zip_of({"secret.txt": b"flagged as encrypted"}, zipfile.ZIP_STORED))
    central = flagged.index(b"PK\x01\x02")
    flagged[6] |= 0x1  # general purpose flag bit 0 (encrypted), local header and central directory alike
    flagged[central + 8] |= 0x1
    out = io.BytesIO(bytes(flagged))
    await refused(api, token, app, "locked.zip", out.getvalue(), 422, "zip_encrypted")


# ---------------------------------------------------------------- refusals: sizes


@pytest.mark.gen_test(timeout=60)
async def test_21_mb_upload_is_refused_before_its_body_is_read(api, wechat, app):
    token = await sign_in(api, wechat)
    big = os.urandom(21 * MiB)
    response = await upload(api, token, "big.pdf", b"%PDF-1.4\n" + big, expect_100_continue=True)
    assert response.code == 413
    assert body_of(response)["error"]["code"] == "file_too_large"
    assert "20 MB" in body_of(response)["error"]["message"]
    await assert_nothing_stored(app)


async def send_until_refused(port: int, head: bytes, chunks: list[bytes]) -> tuple[int, dict]:
    """Send a chunked body piece by piece (as a phone does) and read the answer; no Content-Length to trust."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        for piece in chunks:
            writer.write(b"%x\r\n" % len(piece) + piece)  # the chunk's CRLF comes with the next piece
            await writer.drain()
            writer.write(b"\r\n")
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head_part, _, body = raw.partition(b"\r\n\r\n")
    return int(head_part.split()[1]), json.loads(body)


def chunked_head(token: str, content_type: str, extra: str = "") -> bytes:
    return (
        "POST /api/mp/files HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\n{extra}\r\n"
    ).encode()


@pytest.mark.gen_test(timeout=30)
async def test_streamed_upload_is_refused_as_soon_as_it_passes_the_limit(api, wechat, app, http_port):
    token = await sign_in(api, wechat)
    set_limits(app, max_file_bytes=MiB)
    pieces = [b"%PDF-1.4\n" + os.urandom(64 * 1024 - 9)] + [os.urandom(64 * 1024)] * 15 + [b"one byte too many"]
    status, body = await send_until_refused(http_port, chunked_head(token, "application/pdf"), pieces)
    assert status == 413 and body["error"]["code"] == "file_too_large"
    await assert_nothing_stored(app)


@pytest.mark.gen_test(timeout=30)
async def test_multipart_file_part_over_the_limit_is_refused_mid_stream(api, wechat, app, http_port):
    token = await sign_in(api, wechat)
    set_limits(app, max_file_bytes=MiB)
    body, content_type = multipart("big.pdf", b"%PDF-1.4\n" + os.urandom(MiB))
    pieces = [body[i : i + 64 * 1024] for i in range(0, len(body) - 200, 64 * 1024)]  # stop short of the end
    status, answer = await send_until_refused(http_port, chunked_head(token, content_type), pieces)
    assert status == 413 and answer["error"]["code"] == "file_too_large"
    await assert_nothing_stored(app)


@pytest.mark.gen_test(timeout=30)
async def test_case_total_is_limited_at_upload_and_at_submission(api, wechat, app):
    token = await sign_in(api, wechat)
    first = await uploaded(api, token, "a.pdf", pdf_bytes(3000))
    second = await uploaded(api, token, "b.pdf", pdf_bytes(3000))
    set_limits(app, max_case_bytes=first["size"] + second["size"] + 100)
    response = await upload(api, token, "c.pdf", pdf_bytes(3000))
    assert response.code == 422 and body_of(response)["error"]["code"] == "evidence_total_too_large"
    assert len(await file_records(app)) == 2 and len(blob_files(app)) == 2

    set_limits(app, max_case_bytes=first["size"] + second["size"] - 1)  # e.g. files of an older, larger limit
    body = worker_body()
    body["evidence"] = [first["id"], second["id"]]
    response = await api.call(
        "POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "key-evidence-sum"}
    )
    assert response.code == 422, response.body
    error = body_of(response)["error"]
    assert error["code"] == "evidence_total_too_large" and error["field"] == "evidence"
    body["evidence"] = [first["id"]]
    response = await api.call(
        "POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "key-evidence-one"}
    )
    assert response.code == 201, response.body


@pytest.mark.gen_test(timeout=30)
async def test_files_attached_to_a_case_no_longer_count_as_pending(api, wechat, app):
    token = await sign_in(api, wechat)
    first = await uploaded(api, token, "a.pdf", pdf_bytes(3000))
    body = worker_body()
    body["evidence"] = [first["id"]]
    response = await api.call(
        "POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "key-evidence-att"}
    )
    assert response.code == 201
    set_limits(app, max_case_bytes=first["size"] + 10)
    assert (await upload(api, token, "b.pdf", pdf_bytes(3000))).code == 201


# ---------------------------------------------------------------- the pieces on their own


@pytest.mark.parametrize("step", [1, 7, 64, 100_000])
def test_multipart_parser_finds_the_file_whatever_the_chunking(tmp_path, step):
    data = os.urandom(5000) + b"\r\n--not-the-boundary\r\n" + os.urandom(3000)
    body, content_type = multipart("证据.pdf", data)
    boundary = content_type.split("boundary=")[1]
    sink = io.BytesIO()
    parser = MultipartFileParser(boundary, sink, max_file_bytes=MiB)
    for i in range(0, len(body), step):
        parser.feed(body[i : i + step])
    parser.close()
    assert sink.getvalue() == data and parser.filename == "证据.pdf" and parser.file_bytes == len(data)


def test_multipart_parser_refuses_truncation_a_missing_field_and_two_files():
    body, content_type = multipart("a.pdf", b"abc")
    boundary = content_type.split("boundary=")[1]
    parser = MultipartFileParser(boundary, io.BytesIO(), MiB)
    parser.feed(body[:-10])
    with pytest.raises(ServiceError, match="不完整"):
        parser.close()
    other, other_type = multipart("a.pdf", b"abc", field="photo")
    parser = MultipartFileParser(other_type.split("boundary=")[1], io.BytesIO(), MiB)
    parser.feed(other)
    with pytest.raises(ServiceError, match="file"):
        parser.close()
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\n\r\nabc\r\n'.encode()
    twice = part + part + f"--{boundary}--\r\n".encode()
    parser = MultipartFileParser(boundary, io.BytesIO(), MiB)
    with pytest.raises(ServiceError, match="一个文件"):
        parser.feed(twice)


KEY_1, KEY_2 = b"\x11" * 16, b"\x22" * 16


@pytest.mark.gen_test
async def test_blob_store_round_trip_tamper_and_key_rotation(tmp_path):
    old = LocalBlobStore(tmp_path / "blobs", BlobKeys({1: KEY_1}, 1), segment_size=1000)
    for size in (0, 1, 999, 1000, 1001, 5000, 64_321):
        data = os.urandom(size)
        blob_id = await old.put(io.BytesIO(data))
        assert await old.read(blob_id) == data
    source = tmp_path / "source.bin"
    source.write_bytes(b"evidence " * 1000)
    blob_id = await old.put(str(source))
    assert await old.key_version(blob_id) == 1

    rotated = LocalBlobStore(tmp_path / "blobs", BlobKeys({2: KEY_2, 1: KEY_1}, 2), segment_size=1000)
    assert await rotated.read(blob_id) == source.read_bytes(), "old blobs still open after a new key is added"
    assert await rotated.rewrap(blob_id) is True and await rotated.rewrap(blob_id) is False
    new_only = LocalBlobStore(tmp_path / "blobs", BlobKeys({2: KEY_2}, 2), segment_size=1000)
    assert await new_only.key_version(blob_id) == 2
    assert await new_only.read(blob_id) == source.read_bytes()

    path = new_only.path_of(blob_id)
    pristine = path.read_bytes()
    flipped = bytearray(pristine)
    flipped[len(flipped) // 2] ^= 1
    path.write_bytes(bytes(flipped))
    with pytest.raises(BlobError):
        await new_only.read(blob_id)
    path.write_bytes(pristine[:-1016])  # exactly one whole segment (1000 + tag) cut off the end
    with pytest.raises(BlobError):
        await new_only.read(blob_id)
    path.write_bytes(pristine)
    assert await new_only.read(blob_id) == source.read_bytes()
    await new_only.delete(blob_id)
    assert not path.exists()
    assert not list((tmp_path / "blobs" / ".tmp").iterdir()), "no temp file left behind"


@pytest.mark.gen_test(timeout=30)
async def test_staff_of_the_cases_centre_download_evidence_and_each_download_is_audited(
    api, wechat, app, http_client, base_url, cheap_hashing
):
    token = await sign_in(api, wechat)
    pdf = await uploaded(api, token, "工资条.pdf", pdf_bytes(), "application/pdf")
    body = worker_body()
    body["evidence"] = [pdf["id"]]
    created = await api.call(
        "POST", "/api/mp/applications", body, token=token, headers={"Idempotency-Key": "key-evidence-staff"}
    )
    serial = body_of(created)["serial"]
    db = app.settings["services"].ctx.db
    centre = (await db["cases"].find_one({"_id": serial}))["centre"]["id"]
    await make_staff(app, "li.ming", centre_id=centre)
    await make_staff(app, "wang.fang", centre_id="sh-city" if centre == "sh-pudong" else "sh-pudong")
    mine, elsewhere = CookieClient(http_client, base_url), CookieClient(http_client, base_url)
    await office_sign_in(mine, "li.ming")
    await office_sign_in(elsewhere, "wang.fang")
    got = await mine.get(f"/office/files/{pdf['id']}")
    assert got.code == 200 and got.body == pdf_bytes()
    assert (await elsewhere.get(f"/office/files/{pdf['id']}")).code == 404
    assert (await download(api, token, pdf["id"])).code == 200  # the party's own download: no record
    records = await db["audit"].find({"action": "evidence_download"}).to_list(None)
    assert [(r["who"], r["serial"], r["file_id"]) for r in records] == [("li.ming", serial, pdf["id"])]
