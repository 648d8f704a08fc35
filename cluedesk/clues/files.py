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
import re
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
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


# --- metadata that can identify the reporter -----------------------------------------------------

_GPS_IFD, _EXIF_IFD = 0x8825, 0x8769
_TOP_TAGS = {0x013B: _("author"), 0x8298: _("copyright holder"), 0x9C9D: _("author"), 0x9C9C: _("comment")}
_EXIF_TAGS = {0xA430: _("camera owner"), 0xA431: _("camera serial number"), 0x9286: _("comment")}
_PDF_FIELDS = re.compile(rb"/(Author|Creator)\s*\((?!\))")
METADATA_CHECK_LIMIT = 20  # files per page read for metadata (the rest show no warning)


def identifying_metadata(attachment: Attachment) -> list[str]:
    """Names of metadata fields in the file that can point at the reporter (EXIF GPS position,
    author, camera owner or serial number; a PDF's author or creator). Read, not shown."""
    from PIL import Image

    if attachment.mime not in THUMBNAIL_TYPES and attachment.mime != "application/pdf":
        return []
    try:
        data = b"".join(open_decrypted(attachment.public_id))
    except (OSError, ValueError):
        return []
    if attachment.mime == "application/pdf":
        return sorted({str(_("author")) if m == b"Author" else str(_("creating program"))
                       for m in _PDF_FIELDS.findall(data)})
    found: list[str] = []
    try:
        with Image.open(io.BytesIO(data)) as img:
            exif = img.getexif()
            if exif.get_ifd(_GPS_IFD):
                found.append(str(_("GPS position")))
            found += [str(name) for tag, name in _TOP_TAGS.items() if str(exif.get(tag) or "").strip(" \x00")]
            sub = exif.get_ifd(_EXIF_IFD)
            found += [str(name) for tag, name in _EXIF_TAGS.items() if str(sub.get(tag) or "").strip(" \x00")]
            if any(str(k).lower() in ("author", "artist", "copyright") for k in (img.info or {})):
                found.append(str(_("author")))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return []
    return list(dict.fromkeys(found))


def cleaned_bytes(attachment: Attachment) -> tuple[bytes, str] | None:
    """The picture again with its pixels only (no EXIF, no text chunks), for sharing; the
    original stays sealed as evidence. None for what Pillow cannot rewrite."""
    from PIL import Image, ImageOps

    if attachment.mime not in THUMBNAIL_TYPES:
        return None
    data = b"".join(open_decrypted(attachment.public_id))
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > THUMBNAIL_MAX_PIXELS:
                return None
            upright = ImageOps.exif_transpose(img) or img
            out = io.BytesIO()
            if attachment.mime == "image/jpeg":
                upright.convert("RGB").save(out, format="JPEG", quality=92)
                return out.getvalue(), "image/jpeg"
            if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                upright = upright.convert("RGBA")
            upright.save(out, format="PNG")
            return out.getvalue(), "image/png"
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


@require_GET
@staff_required()
def attachment_cleaned(request: HttpRequest, public_id: str, file_id: str) -> HttpResponseBase:
    """A copy without metadata, as a download (ledgered like every opening)."""
    clue, attachment = _attachment(request, public_id, file_id)
    cleaned = cleaned_bytes(attachment)
    if cleaned is None:
        raise Http404
    body, mime = cleaned
    _opened(clue, attachment, request.user, "cleaned")
    response = HttpResponse(body, content_type="application/octet-stream")
    name = file_name(clue, attachment).rsplit(".", 1)[0] + "-cleaned." + ("jpg" if mime == "image/jpeg" else "png")
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return _harden(response)


def files_of(report: Any, budget: list[int] | None = None) -> list[dict[str, Any]]:
    """A report's files for the clue page: the report's own, then each message's under it.
    ``budget`` (a one-item list) caps how many files of the page are read for metadata."""
    result = []
    for a in report.attachments.all():
        warnings: list[str] = []
        if budget is not None and budget[0] > 0 and (a.mime in THUMBNAIL_TYPES or a.mime == "application/pdf"):
            budget[0] -= 1
            warnings = identifying_metadata(a)
        result.append({"file": a, "family": family(a.mime), "thumbnail": a.mime in THUMBNAIL_TYPES,
                       "inline": a.mime in INLINE_TYPES, "ext": EXTENSION_OF.get(a.mime, "").upper(),
                       "warnings": warnings, "cleanable": bool(warnings) and a.mime in THUMBNAIL_TYPES})
    return result
