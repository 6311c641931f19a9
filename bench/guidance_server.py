"""The guidance bench's server: a library of N entries of realistic length, in its own process, then serving.

    python bench/guidance_server.py --port N --entries 5000

The embedded engine lives in one process, so the entries are stored where they are served: the same app as
app.py (make_app, start, which seeds the shipped texts), then N entries more made of the shipped ones: typical
cases and laws cut and recombined (a case's paragraphs, a law's run of articles), so their length and vocabulary
are those of real entries. The index is built once before serving (the first search would otherwise pay it).
One JSON line `READY {...}` on stdout says it is serving.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import make_app, start  # noqa: E402
from services.library import entries, search  # noqa: E402
from settings import load_settings  # noqa: E402


def realistic_entries(count: int, seed: int = 16) -> list[dict]:
    """`count` entries, two in three case-like (2,000 to 6,000 characters: paragraphs of the shipped cases and
    articles), one in three law-like (30 to 120 consecutive articles of a shipped law)."""
    rng = random.Random(seed)
    shipped = entries.shipped_entries()
    cases = [e for e in shipped if e["kind"] == "case"]
    laws = [e for e in shipped if e["kind"] != "case" and not e.get("text_pending")]
    paragraphs = [p for e in cases + laws for p in e["text"].splitlines() if len(p) > 20]
    out = []
    for n in range(count):
        if n % 3 < 2:
            base = rng.choice(cases)
            target = rng.randint(2000, 6000)
            text, parts = "", []
            while len(text) < target:
                parts.append(rng.choice(paragraphs))
                text = "\n".join(parts)
            kind, title = "case", f"{base['title']}（汇编{n}）"
        else:
            base = rng.choice(laws)
            articles = entries.passages_of(base["text"])
            start = rng.randrange(max(1, len(articles) - 30))
            text = "\n".join(p.text for p in articles[start : start + rng.randint(30, 120)])
            kind, title = base["kind"], f"{base['title']}（节选{n}）"
        out.append(
            {
                "_id": f"bench_{n:05d}",
                "kind": kind,
                "title": title,
                "issuer": base["issuer"],
                "number": base.get("number", ""),
                "date": base["date"],
                "effective_date": base["effective_date"],
                "status": "effective",
                "causes": base.get("causes", []),
                "text": text,
                "source": {"name": "bench"},
            }
        )
    return out


async def main(port: int, count: int) -> None:
    settings = load_settings(ROOT / "config.yaml")
    app = make_app(settings)
    await start(app)
    ctx = app.settings["services"].ctx
    made = realistic_entries(count)
    for doc in made:
        await ctx.db[entries.LIBRARY].insert_one(doc)
    await ctx.db[entries.META].update_one({"_id": "version"}, {"$inc": {"n": 1}}, upsert=True)
    search.forget(ctx)  # the index app.start built holds the shipped texts only
    began = time.perf_counter()
    idx = await search.index(ctx)
    facts = {
        "entries": len(idx.entries),
        "index_seconds": round(time.perf_counter() - began, 2),
        "average_chars": round(sum(len(d["text"]) for d in made) / max(1, len(made))),
        "pieces": len(idx.postings),
    }
    gc.collect()
    gc.freeze()  # the entries and the index as MongoDB and a long-running process would hold them
    app.listen(port, address="127.0.0.1")
    print("READY " + json.dumps(facts), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--entries", type=int, default=5000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(args.port, args.entries))
