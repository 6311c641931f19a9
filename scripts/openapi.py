"""Write the OpenAPI document GET /api/openapi.json serves to a file, without a running server.

    .venv/bin/python scripts/openapi.py miniprogram/build/openapi.json [--config config.yaml]

The mini-program generates its API client's types from it (docs/miniprogram.md); the document is built as the
server builds it, with the configuration's lists (notice versions, subscribe-message template ids).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a file from anywhere: the project's packages first

from handlers.public.openapi import openapi_document  # noqa: E402
from settings import load_settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--config", default=str(ROOT / "config.yaml"))
    args = parser.parse_args(argv)
    document = openapi_document(load_settings(args.config))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
