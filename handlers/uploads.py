"""Receiving an upload as a stream: a private temp file, the size limit as bytes arrive, multipart parsed on the fly."""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.parse
from email.message import Message
from typing import Any, BinaryIO

from handlers.base import DRAIN_BYTES, ServiceHandler
from i18n import msg
from services.core.errors import ServiceError
from services.core.numbers import read_whole

MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and small form fields around the file
MAX_PART_HEADERS = 16 * 1024
MAX_OTHER_FIELDS = 32 * 1024  # wx.uploadFile's formData fields; we read none of them
HARD_BODY_SLACK = 1024 * 1024  # Tornado's own limit sits above ours, so ours (a JSON 413) answers first


def too_large(limit: int) -> ServiceError:
    words = msg("error.file_too_large.upload", megabytes=limit // (1024 * 1024))
    return ServiceError(413, "file_too_large", words, "file")


MAX_NAME_HEADER = 255  # characters of the X-File-Name header (percent-encoded)


def malformed(what: str, **params: Any) -> ServiceError:
    """400 `upload_malformed`, in the words of `error.upload_malformed.<what>`."""
    return ServiceError(400, "upload_malformed", msg(f"error.upload_malformed.{what}", **params), "file")


def clean_upload_folder(base_dir: str) -> int:
    """Remove the receiving folders and files (`upload-*`) an earlier process left in `base_dir` (a crash mid-upload);
    only for a folder this process alone uses. Returns how many were removed."""
    if not base_dir or not os.path.isdir(base_dir):
        return 0
    removed = 0
    for entry in os.scandir(base_dir):
        if entry.name.startswith("upload-") and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += 1
        elif entry.name.startswith("upload-") and entry.is_file(follow_symlinks=False):  # a delegation's document
            os.unlink(entry.path)
            removed += 1
    return removed


class MultipartFileParser:
    """A streaming multipart/form-data parser: the bytes of one file field go to `sink`, the rest is skipped.

    Memory stays at one network chunk plus the boundary, whatever the file size.
    """

    def __init__(self, boundary: str, sink: BinaryIO, max_file_bytes: int, field: str = "file") -> None:
        self._delimiter = b"\r\n--" + boundary.encode("latin-1")
        self._buffer = bytearray(b"\r\n")  # the first boundary has no line break before it: add one
        self._state = "preamble"
        self._sink = sink
        self._field = field
        self._max_file_bytes = max_file_bytes
        self._in_file = False
        self._skipped = 0
        self.found = False
        self.filename = ""
        self.file_bytes = 0

    def feed(self, data: bytes) -> None:
        buffer, delimiter = self._buffer, self._delimiter
        buffer += data
        while True:
            if self._state == "preamble":
                at = buffer.find(delimiter)
                if at < 0:
                    self._skip(max(0, len(buffer) - len(delimiter)))
                    return
                self._skip(at)
                del buffer[: len(delimiter)]
                self._state = "after_boundary"
            elif self._state == "after_boundary":
                if len(buffer) < 2:
                    return
                if buffer[:2] == b"--":
                    self._state = "end"
                    continue
                line_end = buffer.find(b"\r\n")
                if line_end < 0:
                    if len(buffer) > 256:
                        raise malformed("boundary_line")
                    return
                if buffer[:line_end].strip(b" \t"):
                    raise malformed("boundary_line")
                del buffer[: line_end + 2]
                self._state = "headers"
            elif self._state == "headers":
                end = 0 if buffer.startswith(b"\r\n") else buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(buffer) > MAX_PART_HEADERS:
                        raise malformed("part_headers")
                    return
                self._start_part(bytes(buffer[:end]))
                del buffer[: end + (2 if end == 0 else 4)]
                self._state = "body"
            elif self._state == "body":
                at = buffer.find(delimiter)
                if at < 0:
                    keep = len(delimiter) - 1  # a boundary may be split across two chunks
                    if len(buffer) > keep:
                        self._emit(buffer[: len(buffer) - keep])
                        del buffer[: len(buffer) - keep]
                    return
                self._emit(buffer[:at])
                del buffer[: at + len(delimiter)]
                self._in_file = False
                self._state = "after_boundary"
            else:  # "end": the epilogue is ignored
                buffer.clear()
                return

    def close(self) -> None:
        if self._state != "end":
            raise malformed("incomplete")
        if not self.found:
            raise malformed("no_file_field", name=self._field)

    def _skip(self, count: int) -> None:
        self._skipped += count
        del self._buffer[:count]
        if self._skipped > MAX_OTHER_FIELDS:
            raise malformed("other_fields")

    def _start_part(self, raw_headers: bytes) -> None:
        message = Message()
        for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                message[name.strip()] = value.strip()
        if message.get_param("name", header="content-disposition") != self._field:
            return
        if self.found:
            raise malformed("several_files", name=self._field)
        self.found = True
        self._in_file = True
        self.filename = message.get_filename() or ""

    def _emit(self, data: bytes | bytearray) -> None:
        if not data:
            return
        if not self._in_file:
            self._skipped += len(data)
            if self._skipped > MAX_OTHER_FIELDS:
                raise malformed("other_fields")
            return
        self.file_bytes += len(data)
        if self.file_bytes > self._max_file_bytes:
            raise too_large(self._max_file_bytes)
        self._sink.write(data)


class _Upload:
    """One request's receiving state: the private folder, the file, the parser (or none for a raw body)."""

    def __init__(self, base_dir: str | None, boundary: str | None, max_file_bytes: int, declared_name: str) -> None:
        if base_dir:
            os.makedirs(base_dir, mode=0o700, exist_ok=True)
        self.folder = tempfile.mkdtemp(prefix="upload-", dir=base_dir or None)  # 0700, ours alone
        self.path = os.path.join(self.folder, "body")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.sink: BinaryIO = os.fdopen(fd, "wb")
        self.max_file_bytes = max_file_bytes
        self.limit = max_file_bytes + (MULTIPART_OVERHEAD if boundary else 0)
        self.parser = MultipartFileParser(boundary, self.sink, max_file_bytes) if boundary else None
        self.declared_name = declared_name
        self.received = 0

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.limit:
            raise too_large(self.max_file_bytes)
        if self.parser is not None:
            self.parser.feed(chunk)
        else:
            self.sink.write(chunk)

    def finish(self) -> tuple[str, str]:
        if self.parser is not None:
            self.parser.close()
            # wx.uploadFile names the part after its temporary copy (tmp_….png): the name the person chose comes
            # in X-File-Name, and wins when given.
            self.declared_name = self.declared_name or self.parser.filename
        self.sink.close()
        return self.path, self.declared_name

    def discard(self) -> None:
        self.sink.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class StreamedUploadMixin(ServiceHandler):
    """For handlers decorated with `@tornado.web.stream_request_body`.

    In `prepare`, authenticate first, then call `begin_upload()`; in the method, `received_upload()`
    gives (path of the received file, declared name). The temp folder is deleted when the request
    ends, however it ends. Accepts multipart/form-data (field `file`, as wx.uploadFile and browsers
    send it) or a raw body with its Content-Type and an `X-File-Name` header (percent-encoded UTF-8).
    """

    _upload: _Upload | None = None
    _processing = False
    # Declared too large (begin_upload), or refused for a reason known before the body (refuse_after_body): the body is
    # read and thrown away, then this is the answer.
    _refusal: ServiceError | None = None

    def begin_upload(self) -> None:
        max_file_bytes = self.ctx.settings.evidence.max_file_bytes
        content_type = self.request.headers.get("Content-Type", "")
        boundary = _multipart_boundary(content_type)
        limit = max_file_bytes + (MULTIPART_OVERHEAD if boundary else 0)
        declared = read_whole(self.request.headers.get("Content-Length"))
        if declared is not None and declared > limit:
            # Tornado must not answer a second time with its own 400 for the length.
            self.limit_body(declared)
            if self.request.headers.get("Expect", "").lower() == "100-continue" or declared > DRAIN_BYTES:
                # Refused before any byte of the body is sent (the client waits for our "continue"), or at once
                # for an absurd length; the connection closes after our 413.
                raise too_large(max_file_bytes)
            # A browser sends its whole body before it reads any answer: answered early, it would see the
            # connection reset ("offline"), not our words. The body is read and thrown away, then refused.
            self._refusal = too_large(max_file_bytes)
            return
        if boundary is None and content_type.split(";")[0].strip().lower().startswith("multipart/"):
            raise malformed("no_boundary")
        self.limit_body(limit + HARD_BODY_SLACK)
        header = self.request.headers.get("X-File-Name", "")
        if len(header) > MAX_NAME_HEADER:  # the length the OpenAPI document states: no name longer is cut silently
            raise malformed("name_too_long", limit=MAX_NAME_HEADER)
        name = urllib.parse.unquote(header, errors="replace")
        self._upload = _Upload(self.ctx.settings.upload_tmp_dir or None, boundary, max_file_bytes, name)

    def refuse_after_body(self, refusal: ServiceError) -> None:
        """Answer `refusal` once the body is in, read and thrown away within the upload's limits: wx.uploadFile and
        browsers send the whole body before they read any answer, and one answered early sees a broken connection
        (EPIPE, "offline"), not our words. A body declared too large keeps its own 413."""
        self.begin_upload()
        if self._refusal is None:
            self._discard_upload()
            self._refusal = refusal

    def data_received(self, chunk: bytes) -> None:
        upload = self._upload
        if upload is None or self._finished or self._refusal is not None:
            return
        try:
            upload.feed(chunk)
        except ServiceError as exc:
            # Answer now, while the client is still sending: Tornado drops the rest of the body
            # and closes the connection once the answer is out.
            self._discard_upload()
            self.send_error(exc.status, exc_info=(type(exc), exc, exc.__traceback__))

    def received_upload(self) -> tuple[str, str]:
        """(path, declared name) once the whole body is in; the caller must not delete the file."""
        if self._refusal is not None:
            raise self._refusal
        if self._upload is None:
            raise malformed("no_file")
        self._processing = True
        return self._upload.finish()

    def _discard_upload(self) -> None:
        upload, self._upload = self._upload, None
        if upload is not None:
            upload.discard()

    def on_finish(self) -> None:
        self._discard_upload()
        super().on_finish()

    def on_connection_close(self) -> None:
        # While the service works on the file it keeps it; on_finish removes it afterwards.
        if not self._processing:
            self._discard_upload()
        super().on_connection_close()

    def compute_etag(self) -> Any:
        return None


def _multipart_boundary(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type
    if message.get_content_type() != "multipart/form-data":
        return None
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 200:
        return None
    return boundary
