"""The errors docgen raises: each carries a code, a Chinese message and an English one."""

from __future__ import annotations


class DocgenError(Exception):
    """Base of docgen's errors; `message` is Chinese (for people), `message_en` for logs and scripts."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(f"{code}: {message} ({message_en})")
        self.code = code
        self.message = message
        self.message_en = message_en

    def __reduce__(self) -> tuple:
        # Documents render in worker processes: the error must cross back intact, subclasses included.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[DocgenError], args: tuple, state: dict) -> DocgenError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class DocumentRefused(DocgenError):
    """The case cannot fill this document (yet): an agreement before settlement, a withdrawn case."""


class UnknownDocumentKind(DocgenError):
    """A document kind docgen does not know."""

    def __init__(self, kind: str, known: list[str]) -> None:
        super().__init__(
            "unknown_kind",
            f"未知的文书类型：{kind}（可选：{'、'.join(known)}）",
            f"unknown document kind {kind!r} (one of: {', '.join(known)})",
        )
        self.kind = kind


class TemplateProblem(DocgenError):
    """A template that cannot be used: misspelt placeholder, bad syntax, unreadable file."""

    def __init__(self, path: str, message: str, message_en: str, unknown: list[str] | None = None) -> None:
        super().__init__("bad_template", f"文书模板有误（{path}）：{message}", f"bad template {path}: {message_en}")
        self.path = path
        self.unknown = list(unknown or [])  # misspelt or unknown placeholders, e.g. "worker.nmae"
