"""One error family for the whole service layer; handlers map it to HTTP in one place.

A refusal carries a code (stable, in the API) and a message that is not yet words: a catalogue key
(by default `error.<code>`) with its parameters, put into the caller's language where it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from i18n import DEFAULT_LOCALE, Msg, msg, words


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field; `field` is a dotted path such as `applicant.id_number`."""

    field: str
    code: str
    text: Msg | str  # what the person filling the form reads

    @property
    def message(self) -> str:
        return words(self.text)

    def message_in(self, locale: str) -> str:
        return words(self.text, locale)

    def as_dict(self, locale: str = DEFAULT_LOCALE) -> dict[str, str]:
        return {"code": self.code, "message": self.message_in(locale), "field": self.field}


def field_error(field: str, code: str, key: str = "", **params: Any) -> FieldError:
    """A field problem whose words are the catalogue's `key` (default `error.<code>`)."""
    return FieldError(field, code, msg(key or f"error.{code}", **params))


class ServiceError(Exception):
    """A refusal the caller can understand: an HTTP status, a code, a message and the fields concerned.

    `text` defaults to the catalogue entry `error.<code>` filled with `params`.
    """

    def __init__(
        self,
        status: int,
        code: str,
        text: Msg | str | None = None,
        field: str = "",
        errors: list[FieldError] | None = None,
        **params: Any,
    ) -> None:
        self.status = status
        self.code = code
        self.text: Msg | str = text if text is not None else msg(f"error.{code}", **params)
        self.field = field
        self.errors = list(errors or [])
        super().__init__(code)

    @property
    def message(self) -> str:
        return words(self.text)

    def message_in(self, locale: str) -> str:
        return words(self.text, locale)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class ValidationFailed(ServiceError):
    """Input that breaks one or more field rules (422); every problem found is listed."""

    def __init__(self, errors: list[FieldError]) -> None:
        first = errors[0]
        super().__init__(422, first.code, first.text, first.field, list(errors))


def invalid(field: str, code: str, key: str = "", **params: Any) -> ValidationFailed:
    """A 422 for one field, its words from the catalogue (`key`, default `error.<code>`)."""
    return ValidationFailed([field_error(field, code, key, **params)])


class NotFound(ServiceError):
    def __init__(self, code: str = "not_found", text: Msg | str | None = None, **params: Any) -> None:
        super().__init__(404, code, text, **params)


class Conflict(ServiceError):
    def __init__(self, code: str = "conflict", text: Msg | str | None = None, field: str = "", **params: Any) -> None:
        super().__init__(409, code, text, field, **params)


class Unauthorized(ServiceError):
    def __init__(self, code: str = "unauthorized", text: Msg | str | None = None, **params: Any) -> None:
        super().__init__(401, code, text, **params)


class Forbidden(ServiceError):
    def __init__(self, code: str = "forbidden", text: Msg | str | None = None, **params: Any) -> None:
        super().__init__(403, code, text, **params)


class DependencyDown(ServiceError):
    """A dependency (database, WeChat, SMS, LibreOffice) did not answer: 503, nothing changed."""

    def __init__(self, code: str = "unavailable", text: Msg | str | None = None, **params: Any) -> None:
        super().__init__(503, code, text, **params)
