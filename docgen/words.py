"""The words a document prints for the codes a case carries: given to docgen by its caller.

docgen holds no vocabulary of its own: the service's message catalogue (i18n.Words) gives the
document titles, the labels of enumeration codes (tables gender, id_type, education, industry,
nature, venue, party_kind, outcome, status), yes and no, and country names.
"""

from __future__ import annotations

from typing import Protocol

PARTY_KINDS = ("worker", "employer")  # who applied: the two shapes a case has


class Words(Protocol):
    def label(self, table: str, code: object) -> str:
        """The words for `code` in `table`; an unknown code as it is, a missing one as ""."""
        ...

    def yes_no(self, value: object) -> str: ...

    def title(self, kind: str) -> str: ...

    def country(self, code: str | None) -> str: ...
