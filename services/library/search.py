"""Searching the library in Chinese: a character-bigram index ranked with BM25, plus the words people say.

Chinese has no spaces, so every run of Chinese characters is indexed as its overlapping two-character
pieces (a bigram index, the classic alternative to a word segmenter such as jieba: no dictionary to load,
no word the segmenter splits differently in the text and in the query). A query is cut the same way, after
its colloquial words are joined by the terms the texts use (data/library/synonyms.yaml: "加班费" also looks
for "延长工作时间的工资报酬"), so a worker's own word finds the article. Each entry's weights are computed
once when the index is built; a query adds up at most MAX_POSTINGS weights per piece, best first, and then
points into the best passage (an article, a paragraph) of each entry found.

The index lives in each process and is rebuilt when the library's version changes (checked at most every
CHECK_SECONDS): the library is small next to the cases, and every process answers from memory.
"""

from __future__ import annotations

import heapq
import math
import re
import time
import unicodedata
from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from services.core.codes import read_cause_code
from services.core.context import ServiceContext
from services.core.errors import ValidationFailed, field_error
from services.core.numbers import parse_whole
from services.library import entries as library
from services.library.entries import Entry, Passage

SYNONYMS_FILE = Path(__file__).resolve().parents[2] / "data" / "library" / "synonyms.yaml"
MAX_QUERY = 100  # characters: a question, not a document
MAX_RESULTS = 50
MAX_POSTINGS = 1000  # per piece, the heaviest first: the tail of a very common piece changes no top result
CHECK_SECONDS = 5.0
K1, B = 1.2, 0.75
TITLE_BOOST = 3  # a piece in the title counts as this many in the text
SNIPPET = 90  # characters shown around the best match
_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


@dataclass(frozen=True)
class Vocabulary:
    synonyms: dict[str, tuple[str, ...]]
    stop: frozenset[str]


@lru_cache(maxsize=1)
def vocabulary(path: Path = SYNONYMS_FILE) -> Vocabulary:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    synonyms = {_normal(k): tuple(_normal(v) for v in values) for k, values in (data.get("synonyms") or {}).items()}
    return Vocabulary(synonyms, frozenset(_normal(s) for s in data.get("stop") or ()))


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).lower()


def pieces(text: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """The index terms of a text: overlapping character pairs of each Chinese run (a lone character as itself),
    latin words and numbers whole."""
    out: list[str] = []
    for run in _RUNS.findall(_normal(text)):
        if run[0].isascii():
            out.append(run)
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(g for g in (run[i : i + 2] for i in range(len(run) - 1)) if g not in stop)
    return out


@dataclass
class Index:
    """Per piece, the entries holding it and their BM25 term weights (before idf), heaviest first, in two compact
    arrays (a library of 5,000 long texts holds some ten million of them); the idf is applied per piece at query
    time, so the index is built in one pass."""

    version: int
    entries: list[Entry]
    postings: dict[str, tuple[array, array]]  # piece -> (entry positions 'i', tf weights 'f'), heaviest first
    idf: dict[str, float]
    texts: list[str]  # normalised title + text, for phrase checks
    _passages: dict[int, tuple[list[Passage], list[str]]] = field(default_factory=dict)  # filled as results show

    def passages(self, position: int) -> tuple[list[Passage], list[str]]:
        """An entry's passages and their normalised texts, cut once and kept (only entries a search showed)."""
        found = self._passages.get(position)
        if found is None:
            cut = self.entries[position].passages()
            found = self._passages[position] = (cut, [_normal(p.text) for p in cut])
        return found

    @classmethod
    def build(cls, version: int, entries: list[Entry]) -> Index:
        counts: list[Counter[str]] = []
        lengths: list[int] = []
        for entry in entries:
            count = Counter(pieces(entry.text))
            for piece in pieces(entry.title):
                count[piece] += TITLE_BOOST
            counts.append(count)
            lengths.append(sum(count.values()))
        n = max(len(entries), 1)
        average = (sum(lengths) / n) or 1.0
        raw: dict[str, tuple[array, array]] = {}
        for position, count in enumerate(counts):
            norm = K1 * (1 - B + B * lengths[position] / average)
            for piece, tf in count.items():
                listed = raw.get(piece)
                if listed is None:
                    listed = raw[piece] = (array("i"), array("f"))
                listed[0].append(position)
                listed[1].append(tf * (K1 + 1) / (tf + norm))
            counts[position] = Counter()  # free it as we go
        postings: dict[str, tuple[array, array]] = {}
        idf: dict[str, float] = {}
        for piece, (positions, weights) in raw.items():
            df = len(positions)
            idf[piece] = math.log(1 + (n - df + 0.5) / (df + 0.5))
            order = sorted(range(df), key=weights.__getitem__, reverse=True)[:MAX_POSTINGS]
            postings[piece] = (array("i", (positions[i] for i in order)), array("f", (weights[i] for i in order)))
        texts = [_normal(e.title + "\n" + e.text) for e in entries]
        return cls(version, entries, postings, idf, texts)


def _cache(ctx: ServiceContext) -> dict[str, Any]:
    return ctx.caches.setdefault("library_index", {})


async def index(ctx: ServiceContext) -> Index:
    """This process's index, rebuilt when another change to the library has been made (any process)."""
    cache = _cache(ctx)
    current: Index | None = cache.get("index")
    if current is not None and time.monotonic() - cache.get("checked", 0.0) < CHECK_SECONDS:
        return current
    version = await library.version(ctx)
    if current is None or current.version != version:
        current = Index.build(version, await library.all_entries(ctx))
        cache["index"] = current
    cache["checked"] = time.monotonic()
    return current


def forget(ctx: ServiceContext) -> None:
    _cache(ctx).clear()


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[str, ...]  # what was asked and the formal words it stands for (phrases)
    pieces: tuple[str, ...]


def parse_query(text: Any) -> Query:
    """A search as typed: 1 to MAX_QUERY characters after trimming, else a 422 naming `q`."""
    raw = " ".join(str(text or "").split())
    if not raw:
        raise ValidationFailed([field_error("q", "required", "error.required.library_query")])
    if len(raw) > MAX_QUERY:
        raise ValidationFailed([field_error("q", "too_long", "error.too_long.library_query", limit=MAX_QUERY)])
    words = vocabulary()
    normal = _normal(raw)
    terms = [t for t in re.split(r"[\s,，、;；。?？!！]+", normal) if t]
    expanded: list[str] = []
    for colloquial, formal in words.synonyms.items():
        if colloquial in normal:
            expanded.extend(formal)
    found = pieces(normal, words.stop) + [p for term in expanded for p in pieces(term)]
    if not found:  # only words that say nothing ("怎么办"): search them anyway rather than nothing
        found = pieces(normal)
    return Query(raw, tuple(dict.fromkeys(terms + expanded)), tuple(dict.fromkeys(found)))


def rank(idx: Index, query: Query, *, kind: str = "", cause: str = "", limit: int = 20) -> list[tuple[float, int]]:
    scores = [0.0] * len(idx.entries)
    for piece in query.pieces:
        found = idx.postings.get(piece)
        if found is None:
            continue
        weight = idx.idf[piece]
        for position, tf_weight in zip(*found, strict=True):
            scores[position] += weight * tf_weight
    candidates = ((p, s) for p, s in enumerate(scores) if s > 0)
    if kind or cause:
        candidates = (
            (p, s)
            for p, s in candidates
            if (not kind or idx.entries[p].kind == kind)
            and (not cause or library.cause_matches(idx.entries[p].causes, cause))
        )
    best = heapq.nlargest(limit * 3, candidates, key=lambda item: item[1])
    # A whole phrase of the question (or of the words it stands for) in the text is worth more than its pieces.
    boosted = []
    for position, score in best:
        text = idx.texts[position]
        bonus = sum(1.0 for term in query.terms if len(term) >= 2 and term in text)
        boosted.append((score * (1 + 0.5 * bonus), position))
    boosted.sort(reverse=True)
    return boosted[:limit]


def best_passage(idx: Index, position: int, query: Query) -> tuple[str, int, str]:
    """(anchor, article number or 0, snippet) of the passage holding the most of the query's pieces and phrases."""
    cut, normal = idx.passages(position)
    phrases = [t for t in query.terms if len(t) >= 2]
    best, best_score = -1, -1.0
    for index, text in enumerate(normal):
        score = sum(1.0 for piece in query.pieces if piece in text) + sum(2.0 for t in phrases if t in text)
        if score > best_score:
            best, best_score = index, score
    if best < 0:
        return "", 0, ""
    passage = cut[best]
    return passage.anchor, passage.article, _snippet(passage.text, query)


def _snippet(text: str, query: Query) -> str:
    flat = " ".join(text.split())
    normal = _normal(flat)
    at = min((normal.find(t) for t in query.terms if len(t) >= 2 and t in normal), default=-1)
    if at < 0:
        at = min((normal.find(p) for p in query.pieces if p in normal), default=0)
    start = max(0, at - SNIPPET // 3)
    piece = flat[start : start + SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(flat) else "")


def parse_limit(limit: int | str) -> int:
    """How many results a search returns, as typed in a query (or a number): 1 to MAX_RESULTS, else 422."""
    return parse_whole(limit, "limit", 1, MAX_RESULTS, "error.invalid.library_limit", high=MAX_RESULTS)


async def search(ctx: ServiceContext, q: Any, kind: str = "", cause: str = "", limit: int | str = 10) -> dict[str, Any]:
    """`GET /api/library?q=加班费`: the entries that best match, each with its best article or paragraph."""
    query = parse_query(q)
    limit = parse_limit(limit)
    if kind and kind not in library.KINDS:
        raise ValidationFailed([field_error("kind", "not_allowed", "error.not_allowed.library_kind")])
    if cause:
        code = read_cause_code(cause)
        if code is None:
            raise ValidationFailed([field_error("cause", "invalid", "error.invalid.library_cause")])
        cause = code
    idx = await index(ctx)
    hits = rank(idx, query, kind=kind, cause=cause, limit=limit)
    items = []
    for score, position in hits:
        entry = idx.entries[position]
        anchor, article, snippet = best_passage(idx, position, query)
        url = f"/h5/library/{entry.id}" + (f"#{anchor}" if anchor else "")
        items.append(
            entry.summary()
            | {"score": round(score, 3), "anchor": anchor, "article": article, "snippet": snippet, "url": url}
        )
    return {"q": query.text, "also_searched": [t for t in query.terms if t not in _normal(query.text)], "items": items}
