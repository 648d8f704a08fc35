"""An upload handler that stops a request as soon as it breaks the file limits.

Placed first in ``request.upload_handlers`` (before Django's memory/temporary-file handlers,
which spill anything over 256 KiB to disk), it counts bytes as they arrive, so an oversize file
is refused before it is ever whole on disk, and notes a body that ends in the middle of a file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict

# Room for the form's text fields and multipart framing on top of the files themselves.
FORM_OVERHEAD_BYTES = 512 * 1024
# A body declared over this many times the limit is refused unread (fields lost); one merely too
# large is read up to its first file so the typed fields come back. The proxy's body limit
# (docs/operations.md: client_max_body_size) sits between the two.
HARD_CAP_FACTOR = 2


class LimitingUploadHandler(FileUploadHandler):
    """Sets ``request.upload_refusal`` to one of: too_large, file_too_large, too_many_files, truncated."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.files = 0
        self.file_bytes = 0
        self.total_bytes = 0
        self.current_name = ""
        self.declared_too_large = False

    def _refuse(self, reason: str, *, reset: bool = False) -> None:
        if self.request is not None:
            self.request.upload_refusal = reason  # type: ignore[attr-defined]
            self.request.upload_refused_name = self.current_name  # type: ignore[attr-defined]
        raise StopUpload(connection_reset=reset)

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any,
                         encoding: str | None = None) -> Any:
        limit = settings.CLUEDESK_MAX_REPORT_BYTES + FORM_OVERHEAD_BYTES
        if content_length > HARD_CAP_FACTOR * limit:
            # Refuse before reading: far larger than anything we would keep or read through.
            if self.request is not None:
                self.request.upload_refusal = "too_large"  # type: ignore[attr-defined]
                self.request.upload_refused_name = ""  # type: ignore[attr-defined]
            from django.http import QueryDict

            return QueryDict(encoding=encoding), MultiValueDict()
        # Declared too large but within reach: the text fields come first in the form, so read
        # them and stop at the first file; the reporter gets the page back with what they typed.
        self.declared_too_large = content_length > limit
        return None

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.files += 1
        self.file_bytes = 0
        self.current_name = file_name
        if self.declared_too_large:
            self._refuse("too_large")
        if self.files > settings.CLUEDESK_MAX_FILES:
            self._refuse("too_many_files")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.file_bytes += len(raw_data)
        self.total_bytes += len(raw_data)
        if self.file_bytes > settings.CLUEDESK_MAX_FILE_BYTES:
            self._refuse("file_too_large")
        if self.total_bytes > settings.CLUEDESK_MAX_REPORT_BYTES:
            self._refuse("too_large")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def upload_interrupted(self) -> None:
        # The body ended inside a file: the sender's connection broke or the body was cut.
        if self.request is not None and not getattr(self.request, "upload_refusal", None):
            self.request.upload_refusal = "truncated"  # type: ignore[attr-defined]
            self.request.upload_refused_name = self.current_name  # type: ignore[attr-defined]


def install(request: HttpRequest) -> None:
    """Put the limiting handler in front; call before anything reads request.POST/FILES."""
    request.upload_refusal = None  # type: ignore[attr-defined]
    request.upload_handlers.insert(0, LimitingUploadHandler(request))
