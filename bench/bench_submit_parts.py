"""Where a submission's CPU goes, in process, without a profiler's distortion (issue 24).

    python bench/bench_submit_parts.py [--submissions 1500] [--employers one|many]

Builds the app's service context on the embedded engine (as bench_parties.py does), files 50 applications, then
times `submit_application` and the pieces it calls with `time.process_time` around each (wrapped in place), over
`--submissions` more. `--employers one` (the default) files every application against the sample's employer, so
each one after the tenth joins a collective-dispute alert, as bench_intake's 32-client load does; `many` gives each
its own employer (one command of the check). A cProfile of the same loop inflates small calls three to four times;
these are the pieces' own CPU (each includes what it calls). The HTTP side (Tornado, the JSON in and out, the
session, the log line) is not here: bench_intake's server CPU per submission minus this total. The submissions are
filed one after the other, so each group commit (the serial, the counters, the collective check:
services/core/group_commit.py) holds one and costs its turns of the loop: what the groups save shows under load only
(bench_intake, bench_journal).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, print_table, run_bench, server_env  # noqa: E402

SPENT: defaultdict[str, float] = defaultdict(float)


def timed(module: Any, name: str, label: str) -> None:
    """Replace module.name by a wrapper adding its CPU time to SPENT[label]."""
    original: Callable[..., Any] = getattr(module, name)
    if asyncio.iscoroutinefunction(original):

        @functools.wraps(original)
        async def waited(*args: Any, **kwargs: Any) -> Any:
            began = time.process_time()
            try:
                return await original(*args, **kwargs)
            finally:
                SPENT[label] += time.process_time() - began

        setattr(module, name, waited)
        return

    @functools.wraps(original)
    def called(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[label] += time.process_time() - began

    setattr(module, name, called)


async def bench(submissions: int, many: bool) -> None:
    from app import service_context
    from services.cases import collective, moves
    from services.directory import centres, nationalities
    from services.intake import submission
    from services.stats import counters
    from settings import load_settings
    from store import CommandCounter
    from store.indexes import ensure_indexes
    from tests.support.samples import worker_body

    settings = load_settings(ROOT / "config.yaml", environ=server_env({"MONGODB_DATABASE": "bench_submit_parts"}))
    counter = CommandCounter()
    _client, ctx = service_context(settings, counter)
    await ensure_indexes(ctx.db)
    await centres.seed(ctx)
    bodies = []
    for n in range(submissions + 50):
        body = worker_body() | {"evidence": []}
        if many:  # an employer of its own, by name
            body["respondent"] = {k: v for k, v in body["respondent"].items() if k != "uscc"}
            body["respondent"]["name"] = f"上海某某物流有限公司{n}"
        bodies.append(body)
    for n in range(50):
        await submission.submit_application(ctx, f"person-{n}", uuid.uuid4().hex, bodies[n], "mp")
    pieces = [
        (submission, "validate_application", "validation"),
        (submission, "body_fingerprint", "the body's fingerprint"),
        (submission, "next_serial", "the day's serial"),
        (submission, "route_case", "routing"),
        (submission, "new_case", "new_case (SM4 field encryption)"),
        (submission, "_speak", "acknowledgement and invitation"),
        (moves, "create", "moves.create: the insert and its hooks"),
        (counters, "created", "  the statistics counters (created)"),
        (collective, "check_new_case", "the collective check"),
        (collective, "_record", "  the tally"),
        (collective, "_raise", "  the alert, its member, the link"),
        (moves, "record_event", "    the link (record_event)"),
        (counters, "written", "      its counters (written)"),
        (nationalities, "count_chosen", "nationalities"),
        (submission, "party_view", "the answer's view"),
        (submission, "submit_application", "submit_application, all of it"),
    ]
    for module, name, label in pieces:
        timed(module, name, label)
    commands = counter.count
    for n in range(submissions):
        await submission.submit_application(ctx, f"person-{n % 40}", uuid.uuid4().hex, bodies[50 + n], "mp")
    commands = counter.count - commands
    total = SPENT["submit_application, all of it"]
    rows = [
        (label, f"{SPENT[label] / submissions * 1000:.3f} ms", "report", f"{SPENT[label] / total:.0%}", "-")
        for _, _, label in pieces
    ]
    rows.append(("database commands per submission", f"{commands / submissions:.2f}", "report", "", "-"))
    print(f"{submissions} submissions, {'an employer each' if many else 'one employer'}")
    print_table(rows, ("piece (CPU, includes what it calls)", "per submission", "target", "share", "result"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=1500)
    parser.add_argument("--employers", choices=("one", "many"), default="one")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    return run_bench(bench(args.submissions, args.employers == "many"))


if __name__ == "__main__":
    sys.exit(main())
