"""Database commands and time of the respondent's answer and of a signature (issue 11, Performance).

Run from the repository root: `python bench/bench_parties.py [--cases 200]`. In process, on the embedded
engine, through the services themselves with a command counter (as the intake bench counts its
requests): each case is accepted (the respondent invited), the invitation proved with the code the SMS
stand-in kept, answered, drafted, then signed by the applicant, the respondent and the mediator (the
last signature settles it). Baseline, in the same run: one `find_one` of a case by its serial.
Targets: ≤ 3 database commands for an answer and for a signature (the first, second and last).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, print_table, run_bench, server_env, verdict  # noqa: E402

LIMIT = 3


async def bench(cases: int) -> None:
    from app import service_context
    from services.accounts.staff import StaffMember
    from services.cases import handling, respondent, signing
    from services.directory import centres
    from services.intake.submission import submit_application
    from settings import load_settings
    from standins.sms import RecordingSms
    from store import CommandCounter
    from store.blobs import BlobKeys, LocalBlobStore
    from store.indexes import ensure_indexes
    from tests.support.parties import due_in, invitation_link, seal_png, signature_data_url
    from tests.support.samples import worker_body

    logging.getLogger("mediation.sms").setLevel(logging.ERROR)  # the stand-in logs every code it "sends"
    environ = server_env({"MONGODB_DATABASE": "bench_parties", "BLOB_DIR": tempfile.mkdtemp(prefix="bench-parties-")})
    # One code per case: the service's SMS caps (a bill guard) are not what is measured.
    settings = dataclasses.replace(
        load_settings(ROOT / "config.yaml", environ=environ), sms_per_minute=100_000, sms_per_day=100_000
    )
    counter = CommandCounter()
    client, ctx = service_context(settings, counter)
    await ensure_indexes(ctx.db)
    await centres.seed(ctx)  # config.yaml's centres into the directory, as the server does at start
    blobs = LocalBlobStore(settings.blob_dir, BlobKeys(settings.data_keys, settings.current_key_version))
    sms = RecordingSms()
    mediator = StaffMember("bench.mediator", "调解员", "mediator", "sh-city")
    await signing.upload_seal(
        ctx, blobs, StaffMember("bench.admin", "主任", "centre_admin", "sh-city"), "sh-city", seal_png()
    )
    image = signature_data_url()
    commands: dict[str, list[int]] = {
        k: [] for k in ("answer", "sign 1st", "sign 2nd", "sign last (settles)", "claim the invitation")
    }
    seconds: dict[str, list[float]] = {k: [] for k in (*commands, "baseline: find_one")}

    async def measured(name: str, call: Any) -> Any:
        before, began = counter.count, time.perf_counter()
        result = await call
        seconds[name].append(time.perf_counter() - began)
        if name in commands:
            commands[name].append(counter.count - before)
        return result

    for _ in range(cases):
        body = worker_body()
        body["evidence"] = []
        applicant = f"bench-{uuid.uuid4().hex[:10]}"
        case, _ = await submit_application(ctx, applicant, uuid.uuid4().hex, body, "mp")
        serial = case["serial"]
        await handling.decide(ctx, mediator, serial, "accept", {})
        token = (await invitation_link(ctx, serial)).rsplit("/", 1)[1]
        await ctx.db["sms_codes"].delete_many({})  # one phone for every case: the resend wait is not what we measure
        await respondent.send_code(ctx, sms, serial, token)
        code = sms.last_code("+8613987654321", respondent.CODE_PURPOSE)
        person = await measured("claim the invitation", respondent.claim(ctx, serial, token, code, None, "h5"))
        await measured("baseline: find_one", ctx.db["cases"].find_one({"_id": serial}))
        await measured("answer", respondent.answer(ctx, person, serial, {"decision": "agree"}, "h5"))
        rows = [{"text": "被申请人支付申请人工资", "amount": "12000", "due_date": due_in(ctx, 10), "category": "wages"}]
        await handling.decide(ctx, mediator, serial, "draft_agreement", {"without_session": "电话调解"}, rows)
        signers = [
            signing.Signer("", applicant, "mp"),
            signing.Signer("", person, "h5"),
            signing.Signer("mediator", mediator.login, "office", mediator),
        ]
        for name, signer in zip(("sign 1st", "sign 2nd", "sign last (settles)"), signers, strict=True):
            await measured(name, signing.sign(ctx, blobs, signer, serial, {"version": 1, "image": image}, "h5"))
    await client.close()

    base = statistics.median(seconds["baseline: find_one"]) * 1000
    table = []
    for name in commands:
        worst = max(commands[name])
        target = f"≤ {LIMIT}" if name != "claim the invitation" else "-"
        ok = worst <= LIMIT if name != "claim the invitation" else None
        median = statistics.median(seconds[name]) * 1000
        table.append((f"{name}: DB commands (max over {cases})", str(worst), target, "-", verdict(ok)))
        table.append((f"{name}: median ms", f"{median:.2f}", "-", f"{median / base:.1f} × find_one", "-"))
    table.append(("baseline: find_one median ms", f"{base:.3f}", "-", "-", "-"))
    print(
        f"{cases} cases on the embedded engine; a signature's PNG goes to the blob folder (GridFS next to a real "
        "MongoDB adds its own commands)"
    )
    print_table(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    return run_bench(bench(args.cases))


if __name__ == "__main__":
    sys.exit(main())
