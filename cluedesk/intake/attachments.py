"""Attachments: real-type check against an allow-list, then encrypted storage on disk.

The type comes from the file's own bytes (``filetype`` magic numbers, a look inside ZIP
containers, a strict UTF-8 check for text), never from its name or the browser's claim. A name
that promises one kind of file while the bytes are another is refused as disguised.
"""

from __future__ import annotations

import codecs
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import filetype
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cluedesk.vault import content, sealing

HEAD_BYTES = 8192
READ_CHUNK = 64 * 1024

IMAGE = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/avif", "image/bmp",
         "image/tiff"}
AUDIO = {"audio/mpeg", "audio/mp4", "audio/ogg", "audio/x-wav", "audio/amr", "audio/aac", "audio/x-flac",
         "audio/x-aiff"}
VIDEO = {"video/mp4", "video/quicktime", "video/x-msvideo", "video/webm", "video/x-matroska", "video/3gpp",
         "video/x-m4v", "video/mpeg", "video/x-ms-wmv"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF = {"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
       "application/vnd.oasis.opendocument.presentation"}
DOCUMENT = {"application/pdf", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
            "application/rtf", DOCX, XLSX, PPTX, *ODF}
TEXT = "text/plain"
ALLOWED = IMAGE | AUDIO | VIDEO | DOCUMENT | {TEXT}

# What a file name promises; a name outside this map promises nothing in particular.
_FAMILY_OF_EXTENSION: dict[str, str] = {}
for _ext in "jpg jpeg jpe png gif webp heic heif avif bmp tif tiff".split():
    _FAMILY_OF_EXTENSION[_ext] = "image"
for _ext in "mp3 m4a aac ogg oga opus wav amr flac aif aiff".split():
    _FAMILY_OF_EXTENSION[_ext] = "audio"
for _ext in "mp4 m4v mov avi webm mkv 3gp mpg mpeg wmv".split():
    _FAMILY_OF_EXTENSION[_ext] = "video"
for _ext in "pdf doc docx xls xlsx ppt pptx odt ods odp rtf".split():
    _FAMILY_OF_EXTENSION[_ext] = "document"
for _ext in "txt text csv md log".split():
    _FAMILY_OF_EXTENSION[_ext] = "text"

PROGRAM_EXTENSIONS = frozenset("exe com bat cmd scr pif msi msp dll sys cpl apk ipa jar js jse vbs vbe wsf ps1 "
                               "psm1 sh bash zsh py pl rb php hta lnk reg app dmg deb rpm bin elf so".split())


def family(mime: str) -> str:
    if mime in IMAGE:
        return "image"
    if mime in AUDIO:
        return "audio"
    if mime in VIDEO:
        return "video"
    if mime in DOCUMENT:
        return "document"
    if mime == TEXT:
        return "text"
    return "other"


EXTENSION_OF = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
                "image/heic": "heic", "image/avif": "avif", "image/bmp": "bmp", "image/tiff": "tif",
                "application/pdf": "pdf", "application/msword": "doc", "application/vnd.ms-excel": "xls",
                "application/vnd.ms-powerpoint": "ppt", "application/rtf": "rtf", DOCX: "docx", XLSX: "xlsx",
                PPTX: "pptx", "application/vnd.oasis.opendocument.text": "odt",
                "application/vnd.oasis.opendocument.spreadsheet": "ods",
                "application/vnd.oasis.opendocument.presentation": "odp", TEXT: "txt",
                "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/ogg": "ogg", "audio/x-wav": "wav",
                "audio/amr": "amr", "audio/aac": "aac", "audio/x-flac": "flac", "audio/x-aiff": "aiff",
                "video/mp4": "mp4", "video/quicktime": "mov", "video/x-msvideo": "avi", "video/webm": "webm",
                "video/x-matroska": "mkv", "video/3gpp": "3gp", "video/x-m4v": "m4v", "video/mpeg": "mpg",
                "video/x-ms-wmv": "wmv"}


class FileRefused(Exception):
    """A file that may not be kept; ``message`` is for the person who sent it."""

    def __init__(self, message: Any, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass
class CheckedFile:
    name: str
    mime: str
    size: int
    source: IO[bytes]


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    fh.seek(0)
    while True:
        chunk = fh.read(READ_CHUNK)
        if not chunk:
            return
        yield chunk


def _zip_document_type(fh: IO[bytes]) -> str | None:
    """OOXML or OpenDocument when the ZIP's own directory says so; anything else is None."""
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            names = archive.namelist()
            if len(names) > 5000:
                return None
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 100:
                    declared = archive.read("mimetype").decode("ascii", "replace").strip()
                    if declared in ODF:
                        return declared
            if "[Content_Types].xml" not in names:
                return None
            if any(n.lower().endswith((".exe", ".dll", ".scr", ".bat", ".cmd", ".js", ".vbs", ".ps1", ".sh", ".jar"))
                   for n in names):
                return None
            tops = {n.split("/", 1)[0] for n in names}
            if "word" in tops and "word/document.xml" in names:
                return DOCX
            if "xl" in tops and "xl/workbook.xml" in names:
                return XLSX
            if "ppt" in tops and "ppt/presentation.xml" in names:
                return PPTX
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return None


def _is_utf8_text(fh: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        for chunk in _chunks(fh):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# Markup a browser, an image viewer or an XML reader would act on: the tags that load or run
# something, SVG, MathML, XML and processing instructions count anywhere in the head; a tag name
# ends at white space, "/" or ">" (so "<svg-less>" or "x <scripted" are words, not markup).
_ACTIVE_MARKUP = re.compile(
    rb"<\s*(?:!doctype|\?[a-z]|/?(?:html|head|body|script|iframe|frame|frameset|object|embed|applet|svg|math|"
    rb"style|link|meta|base|img|form|xsl:[a-z]+|foreignobject)(?=[\s/>]))",
    re.IGNORECASE)
# what the first real characters may not be: any tag ("<p>", "<a href", "</div>", "<![CDATA[")
_MARKUP_START = re.compile(rb"<[a-z!?/]", re.IGNORECASE)
_LEADING = re.compile(rb"(?:\s|<!--.*?-->)*", re.DOTALL)  # white space and comments


def has_markup(head: bytes) -> bool:
    """True when the first bytes of a file that decodes as text hold markup.

    A UTF-8 byte-order mark, white space and comments before the first tag are stripped first (a
    BOM or a comment in front of ``<svg`` once let an SVG through as text); then the head may not
    start with a tag, nor hold an active one anywhere."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    leading = _LEADING.match(head)
    if leading is not None:
        head = head[leading.end():]
    return _MARKUP_START.match(head) is not None or _ACTIVE_MARKUP.search(head) is not None


def sniff(fh: IO[bytes]) -> str | None:
    """The real type of the bytes in ``fh`` if it is on the allow-list, else None."""
    fh.seek(0)
    head = fh.read(HEAD_BYTES)
    fh.seek(0)
    if not head:
        return None
    if head.startswith(b"PK\x03\x04"):
        return _zip_document_type(fh)
    kind = filetype.guess(head)
    if kind is not None:
        mime = "image/jpeg" if kind.mime == "image/jpg" else kind.mime
        return mime if mime in ALLOWED else None
    if head.startswith((b"#!", b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")):
        return None
    if _is_utf8_text(fh):
        return None if has_markup(head) else TEXT
    return None


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def check(upload: Any) -> CheckedFile:
    """Validate one uploaded file; raise FileRefused with a message for the sender."""
    name = str(getattr(upload, "name", "") or "file")[:255]
    size = int(upload.size)
    if size == 0:
        raise FileRefused(_("“%(name)s” is empty.") % {"name": name}, "empty_file")
    if size > settings.CLUEDESK_MAX_FILE_BYTES:
        raise FileRefused(_("“%(name)s” is too large: each file may be at most %(limit)s.")
                          % {"name": name, "limit": human_size(settings.CLUEDESK_MAX_FILE_BYTES)}, "file_too_large")
    fh = upload.file if hasattr(upload, "file") else upload
    mime = sniff(fh)
    if mime is None:
        raise FileRefused(_("“%(name)s” was not accepted: its content is not a photo, document, audio, "
                            "video or plain text file. Programs, scripts and archives cannot be sent.")
                          % {"name": name}, "file_type_refused")
    if extension_of(name) in PROGRAM_EXTENSIONS:
        raise FileRefused(_("“%(name)s” was not accepted: programs and scripts cannot be sent.")
                          % {"name": name}, "file_type_refused")
    promised = _FAMILY_OF_EXTENSION.get(extension_of(name))
    if promised and promised != family(mime):
        raise FileRefused(_("“%(name)s” was not accepted: its name says it is one kind of file but its "
                            "content is another. Send the original file.") % {"name": name}, "file_disguised")
    return CheckedFile(name=name, mime=mime, size=size, source=fh)


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    return f"{n / 1024:.0f} KB"


def path_for(public_id: str) -> Path:
    return Path(settings.FILES_DIR) / public_id[:2] / public_id


def write_encrypted(checked: CheckedFile, public_id: str) -> tuple[Path, str, int]:
    """Encrypt the file to its place; return (path, keyed digest of the plaintext, size).

    The digest is BLAKE2b under the index key (``content.file_hasher``), never a plain SHA-256:
    whoever holds the original document (the official whose memo leaked) cannot confirm with it
    that the file was sent, nor link two reports that carry the same file."""
    path = path_for(public_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = content.file_hasher()

    def hashed() -> Iterator[bytes]:
        for chunk in _chunks(checked.source):
            digest.update(chunk)
            yield chunk

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            size = sealing.encrypt_stream(hashed(), out)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size


def open_decrypted(public_id: str) -> Iterator[bytes]:
    with open(path_for(public_id), "rb") as fh:
        yield from sealing.decrypt_stream(fh)
