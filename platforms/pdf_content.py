"""What a PDF carries besides its pages: scripts, launch actions, embedded files, rich media, XFA forms.

A byte scan misses what sits in a compressed object stream or behind a hex-escaped name (`/J#61vaScript`), so the
file is parsed (pypdf) and every object reachable from its trailer is walked: the catalogue's /OpenAction, /AA,
/Names (/JavaScript, /EmbeddedFiles) and /AcroForm, each page's /AA and annotations, outlines, form fields, and
whatever they point to, wherever it is stored. What no reference reaches is never shown by a reader and is not
looked at. Stream data (page contents, images) is not decoded: only the dictionaries that describe it.

`findings(path)` names each kind of active content found (empty: none); a file that cannot be parsed, that is
encrypted with a password, or whose object graph is absurdly large raises `PdfUnreadable`. Blocking: run it off
the event loop.
"""

from __future__ import annotations

import logging
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

MAX_OBJECTS = 200_000  # objects walked in one file; a scanned book of a thousand pages has some ten thousand

# The kinds this module names, each what it is in the PDF (ISO 32000-2).
JAVASCRIPT = "javascript"  # a /JavaScript action (§12.6.4.17), a /JS entry, the /Names /JavaScript tree
LAUNCH = "launch"  # a /Launch action: starts a program or opens a file (§12.6.4.6)
EMBEDDED_FILES = "embedded_files"  # /EmbeddedFiles, a file specification with /EF, /GoToE (§7.11.4, §12.6.4.4)
RICH_MEDIA = "rich_media"  # a /RichMedia annotation or its /RichMediaExecute action (ISO 32000-2 §13.7)
XFA = "xfa"  # an XFA form in /AcroForm (scripts of their own; deprecated in PDF 2.0)

_ACTIONS = {
    "/JavaScript": JAVASCRIPT,
    "/Launch": LAUNCH,
    "/GoToE": EMBEDDED_FILES,
    "/RichMediaExecute": RICH_MEDIA,
}
_KEYS = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,
    "/EmbeddedFiles": EMBEDDED_FILES,
    "/EF": EMBEDDED_FILES,
    "/RichMediaContent": RICH_MEDIA,
    "/RichMediaSettings": RICH_MEDIA,
    "/XFA": XFA,
}
_TYPES = {"/EmbeddedFile": EMBEDDED_FILES, "/RichMedia": RICH_MEDIA}


class PdfUnreadable(Exception):
    """The file is not a PDF pypdf can parse (or is locked with a password, or is too large a graph to walk)."""


def findings(path: str) -> list[str]:
    """The kinds of active content the PDF at `path` carries, sorted (empty: none)."""
    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # pypdf warns of every repaired oddity of a real-world file: not ours to log
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):  # opens without a password, or cannot be read
            raise PdfUnreadable("encrypted with a password")
        return sorted(_walk(reader.trailer))
    except PdfUnreadable:
        raise
    except RecursionError as exc:
        raise PdfUnreadable("nested too deeply") from exc
    except Exception as exc:  # noqa: BLE001 (pypdf raises many kinds on a damaged file; each means "cannot read")
        raise PdfUnreadable(f"{type(exc).__name__}: {exc}"[:200]) from exc
    finally:
        quiet.setLevel(level)


def _walk(trailer: DictionaryObject) -> set[str]:
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [trailer[key] for key in ("/Root", "/Info") if key in trailer]
    walked = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            item = item.get_object()  # from wherever it is stored, a compressed object stream too
        walked += 1
        if walked > MAX_OBJECTS:
            raise PdfUnreadable(f"more than {MAX_OBJECTS} objects")
        if isinstance(item, DictionaryObject):  # a stream's dictionary too (its data is not decoded)
            found |= _kinds(item)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def _kinds(entry: DictionaryObject) -> set[str]:
    out = {kind for key, kind in _KEYS.items() if key in entry}
    action = _name(entry, "/S")
    if action in _ACTIONS:
        out.add(_ACTIONS[action])
    for name in (_name(entry, "/Subtype"), _name(entry, "/Type")):
        if name in _TYPES:
            out.add(_TYPES[name])
    return out


def _name(entry: DictionaryObject, key: str) -> str:
    """The name at `key` (followed through a reference), or ""."""
    value = entry.get(key)
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return str(value) if isinstance(value, NameObject) else ""
