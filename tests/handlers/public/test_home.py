"""The front door and the addresses nobody serves: a person gets pages in their language, the API its JSON."""

from __future__ import annotations

import json

import pytest


@pytest.mark.gen_test
async def test_the_home_page_says_what_this_is_and_where_each_person_goes(app, api):
    response = await api.call("GET", "/", headers={"Content-Type": "text/html"})
    page = response.body.decode()
    assert response.code == 200 and response.headers["Content-Type"].startswith("text/html")
    for link in (
        "/h5/triage",
        "/h5/calculator",
        "/h5/library",
        "/h5/apply",
        "/h5/cases",
        "/h5/respondent/cases",
        "/h5/progress",
        "/office/",
        "/api/openapi.json",
    ):
        assert f'href="{link}"' in page, link
    assert "申请调解" in page
    english = (await api.call("GET", "/", headers={"Cookie": "lang=en"})).body.decode()
    assert "Apply for mediation" in english and "申请调解" not in english


@pytest.mark.gen_test
async def test_an_address_nobody_serves_is_a_page_for_people_and_json_for_the_api(app, api):
    for method, path in (("GET", "/h5/no-such-page"), ("GET", "/nothing/here"), ("POST", "/nothing/here")):
        response = await api.call(method, path, {} if method == "POST" else None)
        assert response.code == 404, (method, path)
        assert response.headers["Content-Type"].startswith("text/html"), (method, path)
        assert 'href="/h5/apply"' in response.body.decode()
    missing = await api.call("GET", "/api/no-such-thing")
    assert missing.code == 404 and json.loads(missing.body)["error"]["code"] == "http_404"
