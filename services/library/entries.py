"""Laws, policies and typical cases: entries with their title, issuer, number, date, effective status, full text,
the causes they concern and where the text came from; read by everyone, kept by administrators.

A database gets the set shipped in data/library/ (official texts are not protected works, 著作权法 art. 5; each
file records its source and the second copy it was checked against), and later the new shipped version of an entry
nobody has edited (see `seed`). Each change bumps a version number, which every process's
search index compares (services/library/search.py) to rebuild itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cn2an
import yaml
from pymongo.errors import DuplicateKeyError

from services.accounts.staff import SYSTEM_ADMIN, StaffMember
from services.core.codes import read_cause_code
from services.core.context import ServiceContext
from services.core.dates import read_date
from services.core.errors import FieldError, Forbidden, NotFound, ValidationFailed, field_error

LIBRARY = "library"
META = "library_meta"  # {_id: "version", n}: bumped by every change; {_id: "shipped", ids}: the shipped ids given
SHIPPED_BY = "data/library"  # `updated_by` of an entry as shipped (an administrator's edit replaces it)
DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "library"
KINDS = ("law", "regulation", "rule", "interpretation", "policy", "case")
STATUSES = ("effective", "amended", "repealed", "not_yet_effective")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,79}$")
# "第N条" opens an article (Chinese numerals); written by code point, the pattern being no word anyone reads.
_NUMERALS = "".join(
    map(
        chr,
        (
            0x96F6,
            0x3007,
            0x4E00,
            0x4E8C,
            0x4E09,
            0x56DB,
            0x4E94,
            0x516D,
            0x4E03,
            0x516B,
            0x4E5D,
            0x5341,
            0x767E,
            0x5343,
        ),
    )
)
ARTICLE = re.compile(f"^{chr(0x7B2C)}([{_NUMERALS}]+){chr(0x6761)}")
LIMITS = {
    "title": 200,
    "title_en": 300,
    "issuer": 100,
    "number": 200,
    "source_name": 200,
    "source_url": 500,
    "summary_en": 4000,
    "text": 400_000,
}
MAX_CAUSES = 30


@dataclass(frozen=True)
class Passage:
    """A piece of an entry a search can point at: an article of a law (anchor art-N), a paragraph of a case."""

    anchor: str
    article: int
    text: str


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    title: str
    issuer: str
    number: str
    date: str
    effective_date: str
    status: str
    causes: tuple[str, ...]
    text: str
    source: dict[str, str] = field(default_factory=dict)
    title_en: str = ""
    summary_en: str = ""
    text_pending: bool = False
    # Provisions repealed while the rest stays in force: {article, paragraph (0: the whole article), by, since}
    repealed: tuple[dict[str, Any], ...] = ()

    def repealed_notes(self, article: int) -> list[Any]:
        """What the page says at an article some of which is repealed (the text itself is left as published)."""
        from i18n import day, msg

        notes = []
        for part in self.repealed:
            if part.get("article") != article:
                continue
            paragraph = int(part.get("paragraph") or 0)
            key = "library.page.repealed_paragraph" if paragraph else "library.page.repealed_article"
            numerals = {"zh_CN": cn2an.an2cn(paragraph), "en": str(paragraph)}
            notes.append(msg(key, paragraph=numerals, by=part.get("by", ""), since=day(part.get("since", ""))))
        return notes

    def summary(self) -> dict[str, Any]:
        """What a list shows (no full text)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "title_en": self.title_en,
            "issuer": self.issuer,
            "number": self.number,
            "date": self.date,
            "effective_date": self.effective_date,
            "status": self.status,
            "causes": list(self.causes),
            "url": f"/h5/library/{self.id}",
        }

    def as_json(self) -> dict[str, Any]:
        return self.summary() | {
            "text": self.text,
            "source": dict(self.source),
            "summary_en": self.summary_en,
            "text_pending": self.text_pending,
            "repealed": [dict(part) for part in self.repealed],
            "articles": [{"article": p.article, "anchor": p.anchor} for p in self.passages() if p.article],
        }

    def passages(self) -> list[Passage]:
        return passages_of(self.text)


def passages_of(text: str) -> list[Passage]:
    """A law's articles (a line starting 第N条 opens one; lines after it belong to it), or a text's paragraphs."""
    out: list[Passage] = []
    current: list[str] = []
    number = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        found = ARTICLE.match(line)
        if found:
            if current:
                out.append(_passage(number, current, len(out)))
            current, number = [line], _number(found.group(1))
        elif number:
            current.append(line)
        else:
            out.append(_passage(0, [line], len(out)))
    if current:
        out.append(_passage(number, current, len(out)))
    return out


def _passage(number: int, lines: list[str], index: int) -> Passage:
    return Passage(f"art-{number}" if number else f"p-{index + 1}", number, "\n".join(lines))


def _number(numerals: str) -> int:
    try:
        return int(cn2an.cn2an(numerals, "normal"))
    except ValueError:
        return 0


def _entry(doc: dict[str, Any]) -> Entry:
    return Entry(
        id=doc["_id"],
        kind=doc.get("kind", "law"),
        title=doc.get("title", ""),
        issuer=doc.get("issuer", ""),
        number=doc.get("number", ""),
        date=str(doc.get("date") or ""),
        effective_date=str(doc.get("effective_date") or ""),
        status=doc.get("status", "effective"),
        causes=tuple(doc.get("causes") or ()),
        text=doc.get("text", ""),
        source=dict(doc.get("source") or {}),
        title_en=doc.get("title_en", ""),
        summary_en=doc.get("summary_en", ""),
        text_pending=bool(doc.get("text_pending")),
        repealed=tuple(dict(part) for part in doc.get("repealed") or ()),
    )


# ---------------------------------------------------------------------------------------------
# Reading


async def version(ctx: ServiceContext) -> int:
    doc = await ctx.db[META].find_one({"_id": "version"})
    return int(doc["n"]) if doc else 0


async def all_entries(ctx: ServiceContext) -> list[Entry]:
    docs = await ctx.db[LIBRARY].find({}).to_list(None)
    return [_entry(d) for d in docs]


async def get_entry(ctx: ServiceContext, entry_id: str) -> Entry:
    doc = await ctx.db[LIBRARY].find_one({"_id": entry_id})
    if doc is None:
        raise NotFound("library_entry_not_found")
    return _entry(doc)


async def list_entries(ctx: ServiceContext, kind: str = "", cause: str = "") -> list[dict[str, Any]]:
    """Every entry (no text), newest first; `kind` and `cause` (a first- or second-level code) narrow it."""
    query: dict[str, Any] = {}
    if kind:
        if kind not in KINDS:
            raise ValidationFailed([field_error("kind", "not_allowed", "error.not_allowed.library_kind")])
        query["kind"] = kind
    docs = await ctx.db[LIBRARY].find(query, {"text": 0}).to_list(None)
    entries = [_entry(d | {"text": ""}) for d in docs]
    if cause:
        code = read_cause_code(cause)
        if code is None:
            raise ValidationFailed([field_error("cause", "invalid", "error.invalid.library_cause")])
        entries = [e for e in entries if cause_matches(e.causes, code)]
    entries.sort(key=lambda e: (KINDS.index(e.kind) if e.kind in KINDS else 9, e.date), reverse=False)
    return [e.summary() for e in entries]


def cause_matches(tags: tuple[str, ...], cause: str) -> bool:
    """A tag of "05" concerns every "05-xx"; a tag "05-04" concerns "05-04" and its parent "05"."""
    return any(t == cause or cause.startswith(t + "-") or t.startswith(cause + "-") for t in tags)


# ---------------------------------------------------------------------------------------------
# Keeping


def may_edit(member: StaffMember) -> bool:
    """The library is national: its texts are kept by system administrators (a centre reads them)."""
    return member.role == SYSTEM_ADMIN


def check_entry(values: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """An entry as typed in the back office: every problem at once (422 naming the fields)."""
    errors: list[FieldError] = []
    out: dict[str, Any] = {}

    def line(name: str, required: bool = True) -> str:
        value = " ".join(str(values.get(name) or "").split())
        if required and not value:
            errors.append(field_error(name, "required", "error.required.library_field", label=_label(name)))
        elif len(value) > LIMITS[name]:
            errors.append(
                field_error(name, "too_long", "error.too_long.library_field", label=_label(name), limit=LIMITS[name])
            )
        return value

    entry_id = str(values.get("id") or "").strip()
    if new and not ID_PATTERN.fullmatch(entry_id):
        errors.append(field_error("id", "invalid", "error.invalid.library_id"))
    out["_id"] = entry_id
    kind = str(values.get("kind") or "")
    if kind not in KINDS:
        errors.append(field_error("kind", "not_allowed", "error.not_allowed.library_kind"))
    status = str(values.get("status") or "")
    if status not in STATUSES:
        errors.append(field_error("status", "not_allowed", "error.not_allowed.library_status"))
    out |= {
        "kind": kind,
        "status": status,
        "title": line("title"),
        "issuer": line("issuer"),
        "number": line("number", required=False),
        "title_en": line("title_en", required=False),
    }
    for name, required in (("date", True), ("effective_date", False)):
        raw = str(values.get(name) or "").strip()
        if not raw and not required:
            out[name] = ""
            continue
        day = read_date(raw)
        if day is None:
            errors.append(field_error(name, "invalid", "error.invalid.library_date", label=_label(name)))
        out[name] = day.isoformat() if day else raw
    causes = values.get("causes") or []
    if isinstance(causes, str):
        causes = [c for c in re.split(r"[\s,，、;；]+", causes) if c]
    codes = [read_cause_code(c) for c in causes]
    bad = [str(c)[:10] for c, code in zip(causes, codes, strict=True) if code is None]
    if bad or len(causes) > MAX_CAUSES:
        errors.append(field_error("causes", "invalid", "error.invalid.library_causes", given="、".join(bad[:3])))
    out["causes"] = sorted({code for code in codes if code})
    text = str(values.get("text") or "").replace("\r\n", "\n").strip()
    if not text:
        errors.append(field_error("text", "required", "error.required.library_field", label=_label("text")))
    elif len(text) > LIMITS["text"]:
        errors.append(
            field_error("text", "too_long", "error.too_long.library_field", label=_label("text"), limit=LIMITS["text"])
        )
    out["text"] = text + "\n"
    summary = str(values.get("summary_en") or "").strip()
    if len(summary) > LIMITS["summary_en"]:
        errors.append(
            field_error(
                "summary_en",
                "too_long",
                "error.too_long.library_field",
                label=_label("summary_en"),
                limit=LIMITS["summary_en"],
            )
        )
    out["summary_en"] = summary
    source = {"name": line("source_name"), "url": line("source_url", required=False)}
    if source["url"] and not re.match(r"^https?://", source["url"]):
        errors.append(field_error("source_url", "invalid", "error.invalid.library_source_url"))
    out["source"] = source
    if errors:
        raise ValidationFailed(errors)
    return out


def _label(name: str) -> Any:
    from i18n import msg

    return msg(f"library.field.{name}")


async def save_entry(ctx: ServiceContext, member: StaffMember, values: dict[str, Any], entry_id: str = "") -> Entry:
    """Creates an entry (no `entry_id`) or replaces one; the source is required: where the text came from."""
    if not may_edit(member):
        raise Forbidden("library_forbidden")
    if entry_id:
        values = values | {"id": entry_id}
        old = await ctx.db[LIBRARY].find_one({"_id": entry_id}, {"_id": 1})
        if old is None:
            raise NotFound("library_entry_not_found")
    doc = check_entry(values, new=not entry_id)
    doc |= {"updated_by": member.login, "updated_at": ctx.clock(), "text_pending": False}
    if entry_id:
        await ctx.db[LIBRARY].update_one({"_id": entry_id}, {"$set": {k: v for k, v in doc.items() if k != "_id"}})
    else:
        try:
            await ctx.db[LIBRARY].insert_one(doc)
        except DuplicateKeyError:
            raise ValidationFailed([field_error("id", "taken", "error.taken.library_id")]) from None
    await _bump(ctx)
    return _entry(doc)


async def delete_entry(ctx: ServiceContext, member: StaffMember, entry_id: str) -> None:
    if not may_edit(member):
        raise Forbidden("library_forbidden")
    result = await ctx.db[LIBRARY].delete_one({"_id": entry_id})
    if not result.deleted_count:
        raise NotFound("library_entry_not_found")
    await _bump(ctx)


async def _bump(ctx: ServiceContext) -> None:
    await ctx.db[META].update_one({"_id": "version"}, {"$inc": {"n": 1}}, upsert=True)


def shipped_entries(folder: Path = DATA_DIR) -> list[dict[str, Any]]:
    """The starting set: one YAML file per entry (data/library/<id>.yaml), its source recorded in it."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "synonyms.yaml":
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["_id"] = doc.pop("id")
        out.append(doc)
    return out


def _fingerprint(doc: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


async def seed(ctx: ServiceContext) -> int:
    """Gives the database the shipped set: a fresh one all of it; an existing one each shipped entry it has not
    had yet (one an administrator deleted stays deleted) and the new shipped version of an entry nobody edited since
    it was shipped (a text once pending, a provision marked repealed). Returns how many entries were added or
    renewed."""
    meta = await ctx.db[META].find_one({"_id": "shipped"})
    held = {d["_id"]: d for d in await ctx.db[LIBRARY].find({}, {"updated_by": 1, "shipped_version": 1}).to_list(None)}
    given = set(meta["ids"]) if meta else set(held)  # a database seeded before this record: what it holds
    changed = 0
    for doc in shipped_entries():
        version = _fingerprint(doc)
        stamp = {"updated_by": SHIPPED_BY, "updated_at": ctx.clock(), "shipped_version": version}
        old = held.get(doc["_id"])
        if old is None:
            if doc["_id"] in given:
                continue  # an administrator deleted it
            try:
                await ctx.db[LIBRARY].insert_one(doc | stamp)
                changed += 1
            except DuplicateKeyError:  # another process seeded it at the same moment
                pass
        elif old.get("updated_by") == SHIPPED_BY and old.get("shipped_version") != version:
            fields = {k: v for k, v in doc.items() if k != "_id"} | stamp
            fields |= {"text_pending": bool(doc.get("text_pending")), "repealed": doc.get("repealed") or []}
            result = await ctx.db[LIBRARY].update_one({"_id": doc["_id"], "updated_by": SHIPPED_BY}, {"$set": fields})
            changed += result.modified_count
    await ctx.db[META].update_one(
        {"_id": "shipped"}, {"$addToSet": {"ids": {"$each": [d["_id"] for d in shipped_entries()]}}}, upsert=True
    )
    if changed or not meta:
        await _bump(ctx)
    return changed
