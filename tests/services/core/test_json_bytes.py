"""json_bytes (services/core/text.py): the JSON of answers and of a body's fingerprint, through orjson."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.core.text import json_bytes
from services.intake.submission import body_fingerprint
from tests.support.samples import employer_body, worker_body


@dataclass
class Interval:
    start: int
    end: int


# What a parsed body holds: text (never a lone surrogate: refused where it is parsed), integers, booleans, null.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT
BODIES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4))


def the_json_module(value: object, sort_keys: bool) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode()


@given(BODIES, st.booleans())
def test_the_same_bytes_as_the_json_module(value, sort_keys):
    """So a fingerprint stored before orjson still matches the retry of the same body after it."""
    assert json_bytes(value, sort_keys=sort_keys) == the_json_module(value, sort_keys)


def test_the_application_bodies_fingerprint_as_before():
    for body in (worker_body(), employer_body()):
        canonical = the_json_module(body, sort_keys=True)
        assert json_bytes(body, sort_keys=True) == canonical
        assert body_fingerprint(body) == hashlib.sha256(canonical).hexdigest()
        assert body_fingerprint(dict(reversed(list(body.items())))) == body_fingerprint(body)


def test_what_orjson_refuses_goes_through_the_json_module():
    huge = {"amount": 10**30, "名": "张三"}
    assert json_bytes(huge) == '{"amount":1000000000000000000000000000000,"名":"张三"}'.encode()
    lone = {"text": "a\ud800b"}
    assert json.loads(json_bytes(lone)) == lone  # written as its escape: valid UTF-8 all the same
    json_bytes(lone).decode("utf-8")
    assert json_bytes({1: "a", None: "b"}) == the_json_module({1: "a", None: "b"}, False)
    assert json_bytes([float("nan"), float("inf")]) == b"[null,null]"


@pytest.mark.parametrize("value", [datetime(2026, 12, 8, 3, 0), Interval(1, 2)])
def test_what_the_json_module_refuses_is_refused(value):
    """A view that forgot to say how a time is shown fails as it did, not with a time orjson wrote its own way."""
    with pytest.raises(TypeError):
        json_bytes({"at": value})
