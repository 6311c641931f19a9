"""`python -m docgen KIND CASE.json OUT.docx`: render one document from a case exported as JSON."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from docgen.context import KINDS
from docgen.errors import DocgenError, DocumentRefused, TemplateProblem
from docgen.render import DocumentRenderer
from i18n import Words

EXIT_REFUSED = 1  # the case cannot fill this document
EXIT_USAGE = 2  # bad arguments, unreadable or invalid JSON
EXIT_TEMPLATE = 3  # a template is broken
WORDS = Words("zh_CN")  # documents are Chinese; their words come from the service's catalogue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m docgen", description="Render one document of a mediation case (生成调解文书)."
    )
    parser.add_argument("kind", metavar="KIND", help=" | ".join(KINDS))
    parser.add_argument("case", metavar="CASE.json", type=Path, help="the case, personal numbers in clear")
    parser.add_argument("out", metavar="OUT.docx", type=Path)
    parser.add_argument("--templates", type=Path, help="a centre's template folder (defaults fill the gaps)")
    parser.add_argument("--document-id", help="default: a new random id")
    parser.add_argument(
        "--base-url",
        default="http://localhost:8000",
        help="the service's public address; the QR code links to BASE/verify/ID",
    )
    args = parser.parse_args(argv)

    if args.kind not in KINDS:
        return fail(
            EXIT_USAGE,
            f"未知的文书类型 {args.kind}，可选：{'、'.join(KINDS)}",
            f"unknown document kind {args.kind!r}; one of: {', '.join(KINDS)}",
        )
    try:
        case = json.loads(args.case.read_text(encoding="utf-8"))
    except OSError as exc:
        return fail(EXIT_USAGE, f"无法读取案件文件：{exc.strerror}", f"cannot read {args.case}: {exc}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return fail(EXIT_USAGE, f"案件文件不是有效的 JSON：{exc}", f"{args.case} is not valid JSON: {exc}")
    if not isinstance(case, dict):
        return fail(EXIT_USAGE, "案件 JSON 应为一个对象", f"{args.case}: the case must be a JSON object")

    document_id = args.document_id or uuid.uuid4().hex
    try:
        renderer = DocumentRenderer(WORDS, args.templates)
        doc = renderer.render(
            args.kind,
            case,
            document_id=document_id,
            verify_url=f"{args.base_url.rstrip('/')}/verify/{document_id}",
            issued_at=datetime.now(UTC),
        )
    except DocumentRefused as exc:
        return fail(EXIT_REFUSED, f"无法生成文书：{exc.message}", f"refused ({exc.code}): {exc.message_en}")
    except TemplateProblem as exc:
        return fail(EXIT_TEMPLATE, exc.message, exc.message_en)
    except DocgenError as exc:
        return fail(EXIT_USAGE, exc.message, exc.message_en)
    try:
        args.out.write_bytes(doc.data)
    except OSError as exc:
        return fail(EXIT_USAGE, f"无法写入输出文件：{exc.strerror}", f"cannot write {args.out}: {exc}")
    print(f"{args.out}\t{doc.document_id}\tSM3 {doc.sm3_hex}")
    return 0


def fail(code: int, message: str, message_en: str) -> int:
    print(f"错误：{message}\nerror: {message_en}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
