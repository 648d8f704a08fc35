"""What the reporter sent, opened by staff: a report's (and a reporter message's) attachments.

Files stay sealed on disk (``intake.attachments``: XChaCha20-Poly1305 under the file key); this
view decrypts them on the fly, only for a person who may see the clue (``visible_to``: territory,
the responsible unit, never an implicated unit), and only a file of one of the clue's reports.
Every opening — download, inline view or thumbnail — is an event in the ledger (who, which file,
how), written before a byte leaves. Everything is served as a download except the few image
types a browser renders without running anything, and those come with ``nosniff`` and a CSP that
sandboxes the response and allows no script, style, frame or connection.
"""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from cluedesk.intake.attachments import EXTENSION_OF, family, open_decrypted, path_for
from cluedesk.intake.models import Attachment
from cluedesk.ledger.services import Actor, record
from cluedesk.org.access import get_visible_or_404, staff_required

from .models import Clue

# Shown in the browser (a plain <img> or the image alone); everything else is a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# Images Pillow reads for a thumbnail (HEIC/AVIF need plugins: those get a file icon instead).
THUMBNAIL_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff"})
THUMBNAIL_BOX = (320, 320)
THUMBNAIL_MAX_PIXELS = 60_000_000  # a larger picture is not decoded for a thumbnail (decompression bombs)
SANDBOX_CSP = "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'self'; form-action 'none'"


def file_name(clue: Clue, attachment: Attachment) -> str:
    """The original name is sealed for the custodian (names often carry a person's name), so the
    download is named after the clue, the report and the file."""
    ext = EXTENSION_OF.get(attachment.mime, "bin")
    return f"{clue.public_id}-report{attachment.report_id}-{attachment.public_id[:6]}.{ext}"


def _attachment(request: HttpRequest, public_id: str, file_id: str) -> tuple[Clue, Attachment]:
    clue: Clue = get_visible_or_404(request.user, Clue.objects.all(), "view", public_id=public_id)
    attachment = (Attachment.objects.filter(public_id=file_id, report__clue=clue)
                  .select_related("report").first())
    if attachment is None or not path_for(attachment.public_id).exists():
        raise Http404
    return clue, attachment


def _opened(clue: Clue, attachment: Attachment, user: Any, how: str) -> None:
    with transaction.atomic():
        record("clue.file_opened", actor=Actor.staff(user), subject_type="clue", subject_id=clue.public_id,
               data={"file": attachment.public_id, "report": attachment.report_id,
                     "message": attachment.message_id, "mime": attachment.mime, "size": attachment.size,
                     "how": how})


def _harden(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required()
def attachment_file(request: HttpRequest, public_id: str, file_id: str) -> HttpResponseBase:
    """The decrypted file: inline (``?view=1``) for a safe image type, else as a download."""
    clue, attachment = _attachment(request, public_id, file_id)
    inline = request.GET.get("view") == "1" and attachment.mime in INLINE_TYPES
    _opened(clue, attachment, request.user, "inline" if inline else "download")
    response = StreamingHttpResponse(open_decrypted(attachment.public_id),
                                     content_type=attachment.mime if inline else "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(not inline, file_name(clue, attachment)) or ""
    response["Content-Length"] = str(attachment.size)
    return _harden(response)


def thumbnail_bytes(attachment: Attachment) -> bytes | None:
    """A small PNG of the image, made here (metadata and anything but pixels left behind); None
    when the file is not a picture Pillow can read within the size limit."""
    from PIL import Image, ImageOps

    if attachment.mime not in THUMBNAIL_TYPES:
        return None
    data = b"".join(open_decrypted(attachment.public_id))
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > THUMBNAIL_MAX_PIXELS:
                return None
            img.draft("RGB", (THUMBNAIL_BOX[0] * 2, THUMBNAIL_BOX[1] * 2))
            small = ImageOps.exif_transpose(img) or img
            small.thumbnail(THUMBNAIL_BOX)
            if small.mode not in ("RGB", "RGBA", "L", "LA"):
                small = small.convert("RGBA")
            out = io.BytesIO()
            small.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None


@require_GET
@staff_required()
def attachment_thumbnail(request: HttpRequest, public_id: str, file_id: str) -> HttpResponseBase:
    clue, attachment = _attachment(request, public_id, file_id)
    png = thumbnail_bytes(attachment)
    if png is None:
        raise Http404
    _opened(clue, attachment, request.user, "thumbnail")
    return _harden(HttpResponse(png, content_type="image/png"))


def files_of(report: Any) -> list[dict[str, Any]]:
    """A report's files for the clue page: the report's own, then each message's under it."""
    return [{"file": a, "family": family(a.mime), "thumbnail": a.mime in THUMBNAIL_TYPES,
             "inline": a.mime in INLINE_TYPES, "ext": EXTENSION_OF.get(a.mime, "").upper()}
            for a in report.attachments.all()]
