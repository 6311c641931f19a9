"""Employers as the company (C) file and the collective-dispute warning know them: one key per employer.

By unified social credit code where the case has one, else by the normalised name (full-width forms folded
by NFKC, brackets unified, spaces and punctuation dropped, Latin letters in one case), so "上海 某某（集团）
有限公司" and "上海某某(集团)有限公司" are the same employer.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_DROP = re.compile(r"[\s\u00b7\u30fb.,，。、:：;；'\"“”‘’\-—_/\\()\[\]{}<>《》【】]+")


def normalise_name(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name or "").replace("（", "(").replace("）", ")")
    return _DROP.sub("", folded).casefold()


def employer_key(party: dict[str, Any]) -> str:
    """`uscc:<code>` or `name:<normalised name>`; "" for a party without either."""
    uscc = str(party.get("uscc") or "").strip().upper()
    if uscc:
        return f"uscc:{uscc}"
    name = normalise_name(str(party.get("name") or ""))
    return f"name:{name}" if name else ""


def employer_of(application: dict[str, Any]) -> dict[str, Any]:
    """The employer party of an application: the respondent of a worker, the applicant of an employer."""
    return application["respondent"] if application.get("kind") == "worker" else application["applicant"]
