"""What a phone on a slow line gets from any page: gzip, static files cached by version, HEAD, a favicon."""

from __future__ import annotations

import gzip
import re

import pytest


async def fetch(http_client, base_url, path, **kwargs):
    return await http_client.fetch(
        base_url + path, raise_error=False, follow_redirects=False, decompress_response=False, **kwargs
    )


@pytest.mark.gen_test
async def test_pages_and_static_files_are_compressed_and_cached_by_version(http_client, base_url):
    page = await fetch(http_client, base_url, "/portal/login", headers={"Accept-Encoding": "gzip"})
    assert page.code == 200 and page.headers.get("Content-Encoding") == "gzip"
    html = gzip.decompress(page.body).decode()
    css = re.search(r'href="(/static/weui/weui\.min\.css\?v=[0-9a-f]+)"', html).group(1)
    assert re.search(r'rel="icon" href="/static/favicon\.ico\?v=', html)
    sheet = await fetch(http_client, base_url, css, headers={"Accept-Encoding": "gzip"})
    assert sheet.code == 200 and sheet.headers["Content-Encoding"] == "gzip"
    assert sheet.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(sheet.body) < 40_000 < len(gzip.decompress(sheet.body))
    unversioned = await fetch(http_client, base_url, css.split("?")[0])
    assert unversioned.headers["Cache-Control"] == "no-cache"  # no version: checked each time
    api = await fetch(http_client, base_url, "/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert api.headers.get("Content-Encoding") == "gzip"


@pytest.mark.gen_test
async def test_head_is_answered_like_get_without_a_body(http_client, base_url):
    for path in ("/healthz", "/api/regions", "/portal/login", "/h5/progress", "/favicon.ico"):
        get = await fetch(http_client, base_url, path)
        head = await fetch(http_client, base_url, path, method="HEAD")
        assert head.code == get.code == 200, path
        assert head.body == b"" and head.headers["Content-Type"] == get.headers["Content-Type"], path
    post_only = await fetch(http_client, base_url, "/office/cases/20261122000017/accept", method="HEAD")
    assert post_only.code == 405 and post_only.headers["Allow"] == "POST"


@pytest.mark.gen_test
async def test_favicon(http_client, base_url):
    icon = await fetch(http_client, base_url, "/favicon.ico")
    assert (
        icon.code == 200
        and icon.body[:4] == b"\x00\x00\x01\x00"
        and icon.headers["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    )
    refused = await fetch(http_client, base_url, "/favicon.ico", method="POST", body=b"")
    assert refused.code == 405 and refused.headers["Allow"] == "GET, HEAD"
