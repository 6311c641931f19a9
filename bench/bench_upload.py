"""Upload bench: a 10 MB photo and a 20 MB zip against the real server; peak RSS and time vs GET /healthz.

    python bench/bench_upload.py [--repeat N]

Starts `python app.py --port N` on the embedded engine (blobs in a temp folder) with WeChat pointed at
a stand-in served by this process, signs in through POST /api/mp/session, then measures in one run:
GET /healthz (the baseline: no body, no database), uploads of a noisy ~10 MB JPEG (decoded, re-encoded
without EXIF, encrypted) and a ~20 MB zip (every entry decompressed and counted, encrypted), and the
zip's download. The server's memory is read from /proc/<pid>/status: VmRSS sampled every 5 ms during
each request, and VmHWM (the kernel's high-water mark). Exit code 0 unless the bench itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

from common import Row, free_port, mp_sign_in, print_table, request_once, run_bench, server_process, wait_until_up

from standins.wechat import WeChatStandIn

MP_APP_ID, MP_SECRET = "wx-bench-mini-program", "bench-mp-secret"
MiB = 1024 * 1024


def upload_env(wechat_base: str, workdir: str) -> dict[str, str]:
    return {
        "MONGODB_DATABASE": "bench",
        "WECHAT_API_BASE": wechat_base,
        "WECHAT_MP_APP_ID": MP_APP_ID,
        "WECHAT_MP_APP_SECRET": MP_SECRET,
        "BLOB_DIR": os.path.join(workdir, "blobs"),
        "UPLOAD_TMP_DIR": os.path.join(workdir, "incoming"),
    }


def proc_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


class Sampler:
    """VmRSS of the server every few milliseconds while a request runs: the peak of that request."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, proc_kib(self.pid, "VmRSS"))
            await asyncio.sleep(0.005)

    def __enter__(self) -> Sampler:
        self.peak = proc_kib(self.pid, "VmRSS")
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, proc_kib(self.pid, "VmRSS"))


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def noisy_photo(target: int = 10 * 1000 * 1000) -> bytes:
    """A 12 MP JPEG of about `target` bytes (a gradient under noise: photo-sized, barely compressible)."""
    from PIL import Image

    width, height = 4000, 3000
    noise = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    best = b""
    for alpha in (0.40, 0.44, 0.47, 0.50):
        out = io.BytesIO()
        Image.blend(base, noise, alpha).save(out, "JPEG", quality=95)
        if len(out.getvalue()) > min(target, 10 * MiB):
            break
        best = out.getvalue()
    return best


def big_zip(target: int = 20 * MiB - 128 * 1024) -> bytes:
    """Just under 20 MiB: incompressible entries (stored) and compressible text (deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(20):
            text = "".join(
                f"考勤记录 2026-01-{d % 31 + 1:02d} 上班 09:00 下班 18:{i:02d} 工号 {d}\n" for d in range(4000)
            )
            archive.writestr(f"考勤/{i:02d}.txt", text.encode(), compress_type=zipfile.ZIP_DEFLATED)
        i = 0
        while out.tell() < target - MiB:
            archive.writestr(f"照片/{i:03d}.bin", os.urandom(MiB), compress_type=zipfile.ZIP_STORED)
            i += 1
        archive.writestr("照片/last.bin", os.urandom(target - out.tell() - 4096), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


async def bench(repeat: int) -> None:
    print("generating a ~10 MB photo and a ~20 MB zip ...", flush=True)
    photo, archive = noisy_photo(), big_zip()
    standin = WeChatStandIn({MP_APP_ID: MP_SECRET})
    standin.start()
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="bench-upload-")
    try:
        with server_process(upload_env(standin.base_url, workdir), port) as server:
            await wait_until_up(port, server)
            rss_start, hwm_start = proc_kib(server.pid, "VmRSS"), proc_kib(server.pid, "VmHWM")
            auth = {"Authorization": f"Bearer {await mp_sign_in(port, standin, 'bench-openid-upload')}"}

            rows: list[Row] = []
            with Sampler(server.pid) as sampler:
                times = []
                for _ in range(50):
                    began = time.perf_counter()
                    assert (await request_once(port, "GET", "/healthz"))[0] == 200
                    times.append(time.perf_counter() - began)
            base_ms = 1000 * statistics.median(times)
            rows.append(("GET /healthz (baseline, x50)", "-", f"{base_ms:.1f} ms", "1x", mib(sampler.peak), "-"))

            stored: dict[str, str] = {}
            for label, name, data in (("photo", "photo.jpg", photo), ("zip", "evidence.zip", archive)):
                body, content_type = multipart(name, data)
                for run in range(repeat):
                    with Sampler(server.pid) as sampler:
                        began = time.perf_counter()
                        status, payload = await request_once(
                            port, "POST", "/api/mp/files", body, {**auth, "Content-Type": content_type}
                        )
                        elapsed = time.perf_counter() - began
                    if status != 201:
                        raise RuntimeError(f"{label} upload: HTTP {status} {payload[:300]!r}")
                    stored[label] = json.loads(payload)["id"]
                    rows.append(
                        (
                            f"POST {label} #{run + 1}",
                            f"{len(data) / MiB:.1f} MiB",
                            f"{1000 * elapsed:.0f} ms",
                            f"{1000 * elapsed / base_ms:.0f}x",
                            mib(sampler.peak),
                            f"+{(sampler.peak - rss_start) / 1024:.1f} MiB",
                        )
                    )
            with Sampler(server.pid) as sampler:
                began = time.perf_counter()
                status, payload = await request_once(port, "GET", f"/api/mp/files/{stored['zip']}", headers=auth)
                elapsed = time.perf_counter() - began
            if status != 200 or hashlib.sha256(payload).digest() != hashlib.sha256(archive).digest():
                raise RuntimeError(f"zip download: HTTP {status}, {len(payload)} bytes, not the uploaded zip")
            rows.append(
                (
                    "GET zip (download)",
                    f"{len(payload) / MiB:.1f} MiB",
                    f"{1000 * elapsed:.0f} ms",
                    f"{1000 * elapsed / base_ms:.0f}x",
                    mib(sampler.peak),
                    f"+{(sampler.peak - rss_start) / 1024:.1f} MiB",
                )
            )
            hwm_end = proc_kib(server.pid, "VmHWM")
            left = list(Path(workdir, "incoming").rglob("*")) if Path(workdir, "incoming").exists() else []
            print()
            print_table(rows, ("request", "body", "time", "vs healthz", "peak RSS", "vs start"))
            print()
            print(f"server RSS right after start: {mib(rss_start)} (VmHWM {mib(hwm_start)})")
            print(f"server VmHWM at the end:      {mib(hwm_end)}  (+{(hwm_end - rss_start) / 1024:.1f} MiB over start)")
            print(f"bodies sent: photo {len(photo):,} bytes, zip {len(archive):,} bytes; temp files left: {len(left)}")
    finally:
        standin.stop()
        shutil.rmtree(workdir, ignore_errors=True)  # the encrypted blobs of the run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="uploads of each file (default 3)")
    return run_bench(bench(parser.parse_args().repeat))


if __name__ == "__main__":
    sys.exit(main())
