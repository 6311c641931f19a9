"""Documents per second per kind: DocumentRenderer against a bare docxtpl render of the same template and case.

Run from the repository root: `python bench/bench_docgen.py [--rounds 40]`. The bare render gets
its context and QR image ready-made (outside the timing); ours includes building the context, the
QR code and the SM3 fingerprint. The signed agreement carries the three drawn signatures and the
centre's seal, in both renders. The ratio is ours / bare (target: at least 1.0).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docx.shared import Mm  # noqa: E402
from docxtpl import DocxTemplate, InlineImage  # noqa: E402

from docgen.context import IMAGES, KINDS, build_context  # noqa: E402
from docgen.qr import qr_png  # noqa: E402
from docgen.render import QR_WIDTH_MM, DocumentRenderer  # noqa: E402
from docgen.sample import sample_case_for  # noqa: E402
from docgen.templates import template_path  # noqa: E402
from i18n import Words  # noqa: E402

WORDS = Words()

DOCUMENT_ID = "D20261122000171-0001"
VERIFY_URL = f"https://mediate.example.gov.cn/verify/{DOCUMENT_ID}"


def signature_images() -> dict[str, bytes]:
    """PNGs like the ones signature_pad draws (600 x 200, a stroke) and a seal (240 x 240)."""
    from PIL import Image, ImageDraw

    out = {}
    for i, name in enumerate(IMAGES):
        size = (240, 240) if name == "seal" else (600, 200)
        image = Image.new("RGBA", size, (0, 0, 0, 0))
        ImageDraw.Draw(image).line(
            [(20, 150 - 20 * i), (200, 40), (400, 160), (580, 60)], fill=(200, 0, 0, 255), width=6
        )
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        out[name] = buffer.getvalue()
    return out


def bench(kind: str, rounds: int, renderer: DocumentRenderer) -> tuple[float, float]:
    """(ours, bare) documents per second, measured alternately so both see the same machine."""
    case = sample_case_for(kind)
    images = signature_images() if kind == "agreement" else {}
    issued_at = datetime.now(UTC)
    path = template_path(kind)
    context = build_context(
        kind, case, words=WORDS, document_id=DOCUMENT_ID, verify_url=VERIFY_URL, issued_at=issued_at
    )
    png = qr_png(VERIFY_URL)

    def bare() -> bytes:
        tpl = DocxTemplate(path)
        placed = {name: InlineImage(tpl, io.BytesIO(data), width=Mm(IMAGES[name])) for name, data in images.items()}
        tpl.render(
            {**context, **placed, "qr": InlineImage(tpl, io.BytesIO(png), width=Mm(QR_WIDTH_MM))}, autoescape=True
        )
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()

    def ours() -> bytes:
        return renderer.render(
            kind, case, document_id=DOCUMENT_ID, verify_url=VERIFY_URL, issued_at=issued_at, images=images
        ).data

    bare(), ours()  # warm up
    spent = {"bare": 0.0, "ours": 0.0}
    for _ in range(rounds):
        for name, fn in (("bare", bare), ("ours", ours)):
            start = time.perf_counter()
            fn()
            spent[name] += time.perf_counter() - start
    return rounds / spent["ours"], rounds / spent["bare"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    renderer = DocumentRenderer(WORDS)
    print(f"{'kind':<24}{'ours doc/s':>12}{'bare doc/s':>12}{'ratio':>8}")
    for kind in KINDS:
        ours, bare = bench(kind, args.rounds, renderer)
        print(f"{kind:<24}{ours:>12.1f}{bare:>12.1f}{ours / bare:>8.2f}")
    start = time.perf_counter()
    for _ in range(args.rounds):
        qr_png(VERIFY_URL)
    print(f"of which the QR code: {(time.perf_counter() - start) / args.rounds * 1000:.1f} ms a document")


if __name__ == "__main__":
    main()
