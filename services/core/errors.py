"""One error family for the whole service layer; handlers map it to HTTP in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field; `field` is a dotted path such as `applicant.id_number`."""

    field: str
    code: str
    message: str  # Chinese, for the person filling the form

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ServiceError(Exception):
    """A refusal the caller can understand: carries an HTTP status, a code and a Chinese message."""

    def __init__(
        self, status: int, code: str, message: str, field: str = "", errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.errors = list(errors or [])

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class ValidationFailed(ServiceError):
    """Input that breaks one or more field rules (422); every problem found is listed."""

    def __init__(self, errors: list[FieldError]) -> None:
        first = errors[0]
        super().__init__(422, first.code, first.message, first.field, list(errors))


class NotFound(ServiceError):
    def __init__(self, message: str = "未找到", code: str = "not_found") -> None:
        super().__init__(404, code, message)


class Conflict(ServiceError):
    def __init__(self, message: str, code: str = "conflict", field: str = "") -> None:
        super().__init__(409, code, message, field)


class Unauthorized(ServiceError):
    def __init__(self, message: str = "请先登录", code: str = "unauthorized") -> None:
        super().__init__(401, code, message)


class DependencyDown(ServiceError):
    """A dependency (database, WeChat) did not answer: 503, nothing changed."""

    def __init__(self, message: str, code: str = "unavailable") -> None:
        super().__init__(503, code, message)
