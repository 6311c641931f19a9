"""The two-level dispute-cause taxonomy as data: the default list or a centre's own, loaded once at start."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.core.context import ServiceContext
from services.core.errors import NotFound, ValidationFailed, invalid
from services.directory import centres
from settings import Centre, SettingsError

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "causes_default.yaml"
# Codes go into stored cases and URLs: short, plain, case-sensitive.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


class TaxonomyError(SettingsError):
    """A cause list that cannot be used; refuses the start, naming the file and the problem."""


@dataclass(frozen=True)
class Cause:
    code: str
    label: str
    children: tuple[Cause, ...] = ()
    arbitrable: bool = True  # False: an arbitration commission will not accept it (an administrative matter)
    warning: str = ""  # shown when the cause is chosen: the condition it needs, or where to turn instead


class Taxonomy:
    """One version of a cause list: first-level causes, each with its second-level causes."""

    def __init__(self, version: str, causes: Iterable[Cause]) -> None:
        self.version = version
        self.first_level: list[Cause] = list(causes)
        self._first = {c.code: c for c in self.first_level}
        self._parent_of = {child.code: first for first in self.first_level for child in first.children}
        self._second = {child.code: child for first in self.first_level for child in first.children}

    def second_level(self, code: str) -> list[Cause]:
        """The second-level causes under a first-level code."""
        first = self._first.get(code)
        if first is None:
            raise _unknown(code, "cause_level1_code")
        return list(first.children)

    def label(self, code: str) -> str:
        """The label of a code of either level."""
        cause = self._first.get(code) or self._second.get(code)
        if cause is None:
            raise _unknown(code, "cause_code")
        return cause.label

    def lookup(self, second_code: str, field: str = "cause_code") -> tuple[str, str, str, str]:
        """(first_code, first_label, second_code, second_label) of a second-level code; 422 otherwise."""
        second = self._second.get(second_code)
        if second is None:
            if second_code in self._first:  # a request item is always filed under a second-level cause
                raise invalid(field, "cause_not_second_level", cause=second_code)
            raise _unknown(second_code, field)
        first = self._parent_of[second_code]
        return first.code, first.label, second.code, second.label

    def snapshot(self, second_code: str, field: str = "cause_code") -> dict[str, str | bool]:
        """What a request item stores about its cause, so later list changes never relabel old cases."""
        first_code, first_label, code, label = self.lookup(second_code, field)
        cause = self._second[code]
        snapshot: dict[str, str | bool] = {
            "taxonomy_version": self.version,
            "cause_code": code,
            "cause_label": label,
            "cause_level1_code": first_code,
            "cause_level1_label": first_label,
        }
        if not cause.arbitrable:
            snapshot["arbitrable"] = False
        if cause.warning:
            snapshot["cause_warning"] = cause.warning
        return snapshot

    def as_json(self) -> dict[str, Any]:
        """The shape of `GET /api/taxonomy` (and of the YAML file)."""
        return {
            "version": self.version,
            "causes": [
                {
                    "code": first.code,
                    "label": first.label,
                    "children": [_child_json(c) for c in first.children],
                    "library": library_link(first.code),
                }
                for first in self.first_level
            ],
        }

    def counts(self) -> tuple[int, int]:
        return len(self._first), len(self._second)


def library_link(code: str) -> str:
    """The laws, policies and typical cases of a cause (services/library/: entries tagged with it)."""
    return f"/h5/library?cause={code}"


def _child_json(cause: Cause) -> dict[str, Any]:
    out: dict[str, Any] = {"code": cause.code, "label": cause.label, "library": library_link(cause.code)}
    if not cause.arbitrable:
        out["arbitrable"] = False
    if cause.warning:
        out["warning"] = cause.warning
    return out


def _unknown(code: str, field: str) -> ValidationFailed:
    return invalid(field, "unknown_cause", cause=code)


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read and check one cause list; any problem raises TaxonomyError naming the file and the place."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TaxonomyError(f"cause list {path}: cannot be read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"cause list {path}: not valid YAML ({exc})") from exc
    return parse_taxonomy(raw, str(path))


def parse_taxonomy(raw: Any, source: str) -> Taxonomy:
    """Check the data of a cause list (`{version, causes: [{code, label, children: [...]}]}`)."""

    def fail(problem: str) -> TaxonomyError:
        return TaxonomyError(f"cause list {source}: {problem}")

    if not isinstance(raw, dict):
        raise fail("expected a mapping with `version` and `causes`")
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        raise fail('`version` must be a non-empty string (e.g. "default-2026")')
    entries = raw.get("causes")
    if not isinstance(entries, list) or not entries:
        raise fail("`causes` must be a non-empty list of first-level causes")
    seen: set[str] = set()

    def cause(entry: Any, where: str) -> tuple[str, str]:
        if not isinstance(entry, dict):
            raise fail(f"{where}: expected a mapping with `code` and `label`")
        code, label = entry.get("code"), entry.get("label")
        if not isinstance(code, str):
            # YAML reads an unquoted 01 as the number 1: the code would silently change.
            raise fail(f"{where}: `code` must be a quoted string, got {code!r}")
        if not CODE_PATTERN.match(code):
            raise fail(f"{where}: code {code!r} must be 1-32 letters, digits, '.', '_' or '-'")
        if code in seen:
            raise fail(f"{where}: duplicate code {code!r}")
        seen.add(code)
        if not isinstance(label, str) or not label.strip():
            raise fail(f"{where} (code {code!r}): `label` must be a non-empty string")
        return code, label.strip()

    first_level = []
    for i, entry in enumerate(entries, 1):
        code, label = cause(entry, f"first-level cause #{i}")
        children = entry.get("children")
        if not isinstance(children, list) or not children:
            # Request items are filed under second-level causes: a first level without any is unusable.
            raise fail(f"first-level cause {code!r} has no second-level causes (`children`)")
        second = [
            cause(child, f"second-level cause #{j} under {code!r}") + _marks(child, fail)
            for j, child in enumerate(children, 1)
        ]
        first_level.append(Cause(code, label, tuple(Cause(c, lbl, (), arb, warn) for c, lbl, arb, warn in second)))
    return Taxonomy(version.strip(), first_level)


def _marks(entry: dict[str, Any], fail: Any) -> tuple[bool, str]:
    """A second-level cause's `arbitrable` (default true) and `warning` (default none), checked."""
    arbitrable, warning = entry.get("arbitrable", True), entry.get("warning", "")
    if not isinstance(arbitrable, bool):
        raise fail(f"cause {entry.get('code')!r}: `arbitrable` must be true or false")
    if not isinstance(warning, str):
        raise fail(f"cause {entry.get('code')!r}: `warning` must be text")
    return arbitrable, warning.strip()


class Taxonomies:
    """Each centre's cause list, read once at start; a file shared by centres is read once."""

    def __init__(
        self, by_centre: dict[str, Taxonomy], default: Taxonomy, by_key: dict[str, Taxonomy] | None = None
    ) -> None:
        self._by_centre = dict(by_centre)
        self.default = default
        self._by_key = {"default": default, **(by_key or {})}  # the lists a centre may choose (centres.taxonomy_keys)
        self._resolve: Callable[[str], str | None] = lambda centre_id: None
        self._bound = False

    def bind(self, resolve: Callable[[str], str | None]) -> None:
        """Centres are data: `resolve` names the list a centre files under, from the process's snapshot of the
        directory (None: not in it, e.g. created in another process a moment ago: the default list then)."""
        self._resolve = resolve
        self._bound = True

    @classmethod
    def load(cls, centres: Iterable[Centre], default_file: str | Path = DEFAULT_FILE) -> Taxonomies:
        cache: dict[Path, Taxonomy] = {}

        def read(path: str | Path) -> Taxonomy:
            key = Path(path).resolve()
            if key not in cache:
                cache[key] = load_taxonomy(path)
            return cache[key]

        default = read(default_file)
        centres = list(centres)
        by_key = {c.taxonomy_file: read(c.taxonomy_file) for c in centres if c.taxonomy_file}
        return cls({c.id: read(c.taxonomy_file) if c.taxonomy_file else default for c in centres}, default, by_key)

    def for_centre(self, centre_id: str) -> Taxonomy:
        key = self._resolve(centre_id)
        taxonomy = self._by_key.get(key, self.default) if key is not None else self._by_centre.get(centre_id)
        if taxonomy is None and self._bound:
            taxonomy = self.default
        if taxonomy is None:
            raise NotFound("unknown_centre", centre=centre_id)
        return taxonomy


async def taxonomy_for(ctx: ServiceContext, taxonomies: Taxonomies, centre_id: str) -> Taxonomy:
    """A centre's cause list, the centre checked against the directory (`GET /api/taxonomy`: 404 if unknown)."""
    if centre_id not in await centres.directory(ctx):
        raise NotFound("unknown_centre", centre=centre_id)
    return taxonomies.for_centre(centre_id)
