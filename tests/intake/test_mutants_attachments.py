"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/intake/attachments.py and
cluedesk/intake/throttle.py (issue 22), plus each rate limit on each public form.

Expectations are written by hand from the rules: the module docstrings (the type comes from the
file's own bytes; OOXML or OpenDocument only when the ZIP's own directory says so; a name that
promises one kind while the bytes are another is disguised; rate-limit keys are hashes, a store
that does not answer lets the request through, logged), docs/threat-model.md ("a malicious
uploader": executables and scripts refused whatever their name, text holding markup refused;
"a flooder": per-client limits, 429 with a message; finding 10: the file store 0700, files
0600) and the messages the sender reads. ZIP, OOXML and ODF files are built here with zipfile.
Each test names the mutants it kills.
"""

from __future__ import annotations

import io
import logging
import os
import re
import time
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from cluedesk.intake import attachments, throttle

from .. import redis_server
from .conftest import PDF, PNG, upload

ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
# an ID3 header and one MPEG frame header; an ISO base-media "ftyp" box of an MP4
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"


def _zip(*members: tuple[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


PACKAGE = (("[Content_Types].xml", '<?xml version="1.0"?><Types/>'), ("_rels/.rels", "<Relationships/>"))
WORD = ("word/document.xml", "<w:document/>")
EXCEL = ("xl/workbook.xml", "<workbook/>")
SLIDES = ("ppt/presentation.xml", "<p:presentation/>")


def _odf(mimetype: str | bytes, *more: tuple[str, bytes | str]) -> bytes:
    """An OpenDocument file: the ``mimetype`` member first, stored, then the content."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        z.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        z.writestr("content.xml", "<office:document-content/>")
        for name, data in more:
            z.writestr(name, data)
    return buf.getvalue()


def _sniff(content: bytes) -> str | None:
    return attachments.sniff(io.BytesIO(content))


def _refusal(name: str, content: bytes) -> attachments.FileRefused:
    with pytest.raises(attachments.FileRefused) as exc:
        attachments.check(upload(name, content))
    return exc.value


# --- OOXML and OpenDocument: what the ZIP's own directory says -------------------------------------

@pytest.mark.parametrize(("name", "content", "mime"), [
    ("statement.docx", _zip(*PACKAGE, WORD), attachments.DOCX),
    ("accounts.xlsx", _zip(*PACKAGE, EXCEL, ("xl/worksheets/sheet1.xml", "<worksheet/>")), attachments.XLSX),
    ("slides.pptx", _zip(*PACKAGE, SLIDES, ("ppt/slides/slide1.xml", "<p:sld/>")), attachments.PPTX),
    ("letter.odt", _odf(ODT), ODT),
    ("ledger.ods", _odf(ODS), ODS),
    ("talk.odp", _odf(ODP), ODP),
])
def test_each_office_document_kind_is_recognised_by_its_directory(name: str, content: bytes, mime: str) -> None:
    """x__zip_document_type__mutmut_7, 8, 10-13, 16-19, 21-24, 28 (the ``mimetype`` member),
    73-78 (Excel), 80-85 (PowerPoint)."""
    assert attachments.check(upload(name, content)).mime == mime


@pytest.mark.parametrize("mimetype", [
    "application/epub+zip",  # an e-book: a ZIP with a mimetype member, not on the allow-list
    "application/vnd.oasis.opendocument.graphics",  # OpenDocument, but not one of the three kinds
    "application/zip",
    "application/x-msdownload",
])
def test_a_zip_whose_mimetype_names_another_kind_is_refused(mimetype: str) -> None:
    """x__zip_document_type__mutmut_28 (``declared not in ODF`` returns whatever it declares)."""
    content = _odf(mimetype)
    assert _sniff(content) is None
    assert _refusal("book.odt", content).code == "file_type_refused"


def test_a_mimetype_member_of_a_hundred_bytes_or_more_is_not_read() -> None:
    """x__zip_document_type__mutmut_14, 15: only a short ``mimetype`` member is read and trusted
    (a real one is the type's 39 to 46 characters); a long one, even if it strips down to an
    OpenDocument type, makes the file no OpenDocument."""
    padded = ODT.encode() + b" " * (100 - len(ODT))
    assert len(padded) == 100
    assert _sniff(_odf(padded)) is None


def test_a_mimetype_member_that_is_not_ascii_does_not_hide_an_ooxml_document() -> None:
    """x__zip_document_type__mutmut_20, 26, 27: the member is decoded with replacement; junk in it
    is no OpenDocument type, and the OOXML package still says what the file is."""
    content = _zip(("mimetype", "文档".encode()), *PACKAGE, WORD)
    assert _sniff(content) == attachments.DOCX


PROGRAM_MEMBERS = ["exe", "dll", "scr", "bat", "cmd", "js", "vbs", "ps1", "sh", "jar"]


@pytest.mark.parametrize("ext", PROGRAM_MEMBERS)
def test_an_office_document_carrying_a_program_is_refused(ext: str) -> None:
    """x__zip_document_type__mutmut_35-55 (each suffix of the list, and ``lower()``); with the
    ``PK`` magic mutated (x_sniff__mutmut_9, 10) filetype alone would call it a Word file."""
    content = _zip(*PACKAGE, WORD, (f"word/embeddings/payload.{ext}", b"MZ" + b"\x00" * 64))
    assert _sniff(content) is None
    assert _refusal("statement.docx", content).code == "file_type_refused"


def test_a_program_inside_is_found_whatever_the_case_of_its_name() -> None:
    content = _zip(*PACKAGE, EXCEL, ("xl/media/SETUP.EXE", b"MZ" + b"\x00" * 64))
    assert _sniff(content) is None


@pytest.mark.parametrize(("folder", "content"), [
    ("word", _zip(*PACKAGE, ("word/styles.xml", "<w:styles/>"))),
    ("xl", _zip(*PACKAGE, ("xl/styles.xml", "<styleSheet/>"))),
    ("ppt", _zip(*PACKAGE, ("ppt/slides/slide1.xml", "<p:sld/>"))),
])
def test_a_package_without_its_main_part_is_no_document(folder: str, content: bytes) -> None:
    """x__zip_document_type__mutmut_65, 72, 79 (``and`` -> ``or``): a ``word/``, ``xl/`` or ``ppt/``
    folder without document.xml, workbook.xml or presentation.xml is not a Word, Excel or
    PowerPoint file."""
    assert _sniff(content) is None


def test_a_package_needs_its_content_types() -> None:
    assert _sniff(_zip(("_rels/.rels", "<Relationships/>"), WORD)) is None


def _many(count: int) -> bytes:
    members = [*PACKAGE, WORD]
    members += [(f"word/media/image{i}.png", b"") for i in range(count - len(members))]
    return _zip(*members)


def test_at_most_five_thousand_members_are_looked_at() -> None:
    """x__zip_document_type__mutmut_5 (``>= 5000``), 6 (``> 5001``): 5,000 members are read, a
    directory of more is refused unread."""
    assert _sniff(_many(5000)) == attachments.DOCX
    assert _sniff(_many(5001)) is None


# --- text: strict UTF-8, no NUL, no markup -----------------------------------------------------

@pytest.mark.parametrize("content", [
    "plate HNA12345 seen at the market\n".encode("utf-16-le"),  # UTF-16 without a BOM: NUL bytes
    b"first line\n\x00second line\n",
    b"x" * (200 * 1024) + b"\x00",  # the NUL far past the head, in a later chunk
])
def test_text_with_a_nul_byte_is_not_plain_text(content: bytes) -> None:
    """x__is_utf8_text__mutmut_9, 11: NUL bytes are valid UTF-8 but no plain text holds them."""
    assert _sniff(content) is None
    assert _refusal("notes.txt", content).code == "file_type_refused"


@pytest.mark.parametrize("content", [
    b"\xef\xbb\xbf<p>see the attached list</p>",  # a BOM, then a tag
    b"\xef\xbb\xbf<a href='https://example.org/'>list</a>",
    b"  \n\t<p>see the attached list</p>",  # white space, then a tag
    b"<!-- from the office --><a href='https://example.org/'>list</a>",  # a comment, then a tag
    b"\xef\xbb\xbf <!-- x -->\n<div>list</div>",
])
def test_a_tag_after_a_bom_white_space_or_a_comment_is_markup(content: bytes) -> None:
    """x_has_markup__mutmut_3, 4 (the BOM not stripped), 5, 7 (white space and comments not
    stripped): only an *active* tag would then be seen, and ``<p>``/``<a>``/``<div>`` are not."""
    assert attachments.has_markup(content)
    assert _refusal("notes.txt", content).code == "file_type_refused"


def test_a_short_elf_header_is_refused_even_when_its_bytes_decode_as_text() -> None:
    """x_sniff__mutmut_30, 31: filetype knows ELF only past 52 bytes; a shorter one is still an
    executable, not text."""
    content = b"\x7fELF\x02\x01\x01\x09" + b"\x01" * 24
    assert _sniff(content) is None
    assert _refusal("notes.txt", content).code == "file_type_refused"


def test_a_jpeg_that_filetype_calls_image_jpg_is_kept_as_image_jpeg(monkeypatch) -> None:
    """x_sniff__mutmut_16, 18, 19, 21, 22: some filetype versions answer ``image/jpg``, which is not
    on the allow-list; it is the JPEG on the list."""
    monkeypatch.setattr(attachments.filetype, "guess", lambda head: types.SimpleNamespace(mime="image/jpg"))
    assert _sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00") == "image/jpeg"


# --- names: the last extension is the one that counts ------------------------------------------

def test_a_double_extension_ending_in_a_program_is_refused() -> None:
    """x_extension_of__mutmut_3 (``partition``: the extension would be "pdf.exe")."""
    refused = _refusal("invoice.pdf.exe", b"plain words")
    assert refused.code == "file_type_refused" and "programs and scripts" in str(refused.message)
    assert attachments.extension_of("invoice.pdf.exe") == "exe"


def test_a_dotted_name_promises_what_its_last_extension_says() -> None:
    """x_extension_of__mutmut_3: "scan.2024.jpg" promises a photo; a PDF under it is disguised."""
    assert _refusal("scan.2024.jpg", PDF).code == "file_disguised"


def test_a_name_that_is_only_a_dot_word_has_no_extension() -> None:
    """x_extension_of__mutmut_6, 8: ".png" is a hidden file's name, not an extension (as
    os.path.splitext reads it), so it promises nothing and the PDF in it is kept."""
    assert attachments.extension_of(".png") == ""
    assert attachments.check(upload(".png", PDF)).mime == "application/pdf"


# --- families: what a name promises against what the bytes are ---------------------------------

@pytest.mark.parametrize(("name", "content", "mime"), [
    ("voice.mp3", MP3, "audio/mpeg"),
    ("clip.mp4", MP4, "video/mp4"),
])
def test_audio_and_video_under_their_own_names_are_kept(name: str, content: bytes, mime: str) -> None:
    """x_family__mutmut_5, 6, 8, 9: an MP3 named .mp3 is audio as promised, an MP4 named .mp4 video."""
    assert attachments.check(upload(name, content)).mime == mime


def test_audio_under_a_video_name_is_disguised() -> None:
    assert _refusal("clip.mp4", MP3).code == "file_disguised"


def test_a_type_outside_every_family_is_other() -> None:
    """x_family__mutmut_16, 17: the status page names such a file by FILE_KINDS["other"]."""
    from cluedesk.intake.views import FILE_KINDS

    assert attachments.family("application/octet-stream") == "other"
    assert attachments.family("application/octet-stream") in FILE_KINDS


# --- the refusal itself --------------------------------------------------------------------------

def test_a_refusal_reads_as_its_message() -> None:
    """xǁFileRefusedǁ__init____mutmut_1, 2: str() of the exception is the sender's message."""
    exc = attachments.FileRefused("“a.exe” was not accepted.", "file_type_refused")
    assert str(exc) == "“a.exe” was not accepted." and exc.code == "file_type_refused"


def _en(name: str, content: bytes) -> tuple[str, str]:
    """The refusal's message as an English reader reads it, and its code."""
    with translation.override("en"):
        refused = _refusal(name, content)
        return str(refused.message), refused.code


def test_the_refusals_say_what_was_wrong(settings) -> None:
    """x_check__mutmut_26 (empty), 33-47 (too large), 83 (program name): the words the sender reads."""
    assert _en("empty.png", b"") == ("“empty.png” is empty.", "empty_file")
    settings.CLUEDESK_MAX_FILE_BYTES = 2 * 1024 * 1024
    assert _en("big.pdf", PDF + b"0" * (2 * 1024 * 1024)) == (
        "“big.pdf” is too large: each file may be at most 2 MB.", "file_too_large")
    assert _en("run.exe", b"plain words") == (
        "“run.exe” was not accepted: programs and scripts cannot be sent.", "file_type_refused")


def test_a_file_of_exactly_the_limit_is_kept(settings) -> None:
    """x_check__mutmut_32 (``>=``): "at most" the limit."""
    settings.CLUEDESK_MAX_FILE_BYTES = len(PNG)
    assert attachments.check(upload("dot.png", PNG)).size == len(PNG)
    assert _refusal("dot.png", PNG + b"\x00").code == "file_too_large"


class _Raw(io.BytesIO):
    """A file object that is the upload itself (no ``.file``), as a caller may pass one."""

    def __init__(self, content: bytes, name: str | None = None) -> None:
        super().__init__(content)
        self.size = len(content)
        if name is not None:
            self.name = name


def test_an_upload_without_a_name_is_called_file() -> None:
    """x_check__mutmut_9, 12-14: no name attribute, or an empty one, is "file"."""
    assert attachments.check(_Raw(PDF)).name == "file"
    assert attachments.check(types.SimpleNamespace(name="", size=len(PDF), file=io.BytesIO(PDF))).name == "file"
    with translation.override("en"):
        with pytest.raises(attachments.FileRefused) as exc:
            attachments.check(_Raw(b"MZ" + b"\x00" * 64))
    assert str(exc.value.message).startswith("“file” was not accepted")


def test_a_long_name_is_cut_to_255_characters() -> None:
    """x_check__mutmut_15: at most 255 characters of the name are kept."""
    name = "证" * 300 + ".pdf"
    assert attachments.check(_Raw(PDF, name)).name == "证" * 255


def test_the_bytes_are_read_from_the_uploads_file_or_from_the_upload_itself() -> None:
    """x_check__mutmut_49-51, 55, 56: a Django upload's bytes are in ``.file``; an object without
    ``.file`` is read itself."""
    wrapped = types.SimpleNamespace(name="scan.pdf", size=len(PDF), file=io.BytesIO(PDF))
    assert attachments.check(wrapped).mime == "application/pdf"
    raw = _Raw(PDF, "scan.pdf")
    assert attachments.check(raw).source is raw


class _Recording(io.BytesIO):
    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.asked: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(size)
        return super().read(size)


def test_a_file_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    """x__chunks__mutmut_5 (``read(None)``): the text check and the encryption read a large upload
    a piece at a time, never whole into memory."""
    fh = _Recording("车牌号：湘A12345\n".encode() * 20000)  # about 460 KB of text
    checked = attachments.check(types.SimpleNamespace(name="notes.txt", size=len(fh.getvalue()), file=fh))
    attachments.write_encrypted(checked, "ab" + "0" * 30)
    assert fh.asked and all(size is not None and 0 < size <= 1024 * 1024 for size in fh.asked)


# --- the file store: 0700 folders, 0600 files, no clash between two files ------------------------

@pytest.fixture
def open_umask() -> Iterator[None]:
    """A process umask that would leave group and others in (the modes must come from the code)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_files_are_written_0600_into_a_0700_folder_and_share_it(open_umask) -> None:
    """x_write_encrypted__mutmut_4, 7, 10 (a second file into an existing folder), 8, 11 (the
    folder's mode), 21, 24 (the file's mode)."""
    first = attachments.check(upload("a.pdf", PDF))
    second = attachments.check(upload("b.png", PNG))
    path1, _d1, _s1 = attachments.write_encrypted(first, "ab" + "1" * 30)
    path2, _d2, _s2 = attachments.write_encrypted(second, "ab" + "2" * 30)
    assert path1.parent == path2.parent
    assert path1.parent.stat().st_mode & 0o777 == 0o700
    assert path1.stat().st_mode & 0o777 == 0o600 and path2.stat().st_mode & 0o777 == 0o600
    assert b"".join(attachments.open_decrypted("ab" + "1" * 30)) == PDF
    assert b"".join(attachments.open_decrypted("ab" + "2" * 30)) == PNG


def test_a_disguised_file_is_told_to_send_the_original() -> None:
    """x_check__mutmut_101-105, 110: the words of the disguise refusal; the kept name."""
    assert _en("photo.jpg", PDF) == ("“photo.jpg” was not accepted: its name says it is one kind of file but its "
                                     "content is another. Send the original file.", "file_disguised")
    assert attachments.check(upload("scan.pdf", PDF)).name == "scan.pdf"


@pytest.mark.parametrize(("n", "shown"), [
    (20 * 1024 * 1024, "20 MB"),
    (1024 * 1024, "1 MB"),  # a mebibyte is shown as 1 MB, not 1024 KB
    (1024 * 1024 + 512 * 1024 + 1024, "2 MB"),  # 1.501 MB rounds to 2
    (512 * 1024, "512 KB"),
    (100 * 1024 + 520, "101 KB"),  # 100.51 KB rounds to 101
])
def test_sizes_are_shown_in_whole_megabytes_or_kilobytes(n: int, shown: str) -> None:
    """x_human_size__mutmut_1-10: the limits the sender reads in a refusal and on the form."""
    assert attachments.human_size(n) == shown


# --- the same report form sent again with another attachment ------------------------------------

def _nonce(client: Client) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', client.get("/report/").content.decode()).group(1)


def _kept_files() -> list[tuple[str, bytes]]:
    from cluedesk.intake.models import Attachment

    return [(a.mime, b"".join(attachments.open_decrypted(a.public_id))) for a in Attachment.objects.order_by("pk")]


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "second"), [
    (("photo.png", PNG), ("scan.pdf", PDF)),  # another file
    (("photo.png", PNG), ("photo.png", PNG + b"\x00" * 16)),  # the same name, other bytes and size
])
def test_the_form_sent_again_with_another_attachment_is_a_new_report(client: Client, first, second) -> None:
    """The nonce makes a second sending of the *same* page answer with the first report; a page sent
    again with another file is a change, so a new report that keeps the new file (views.report)."""
    from cluedesk.intake.models import Report

    nonce = _nonce(client)
    one = client.post("/report/", {"text": "同一份举报", "nonce": nonce, "files": [upload(*first)]})
    two = client.post("/report/", {"text": "同一份举报", "nonce": nonce, "files": [upload(*second)]})
    assert one.status_code == two.status_code == 201
    assert Report.objects.count() == 2
    assert [content for _mime, content in _kept_files()] == [first[1], second[1]]


@pytest.mark.django_db
def test_the_form_sent_again_with_another_file_of_the_same_name_and_size_keeps_the_new_file(client: Client) -> None:
    other = PNG[:-1] + b"\x83"  # another picture: the same name, the same size, other bytes
    assert len(other) == len(PNG) and other != PNG
    nonce = _nonce(client)
    client.post("/report/", {"text": "同一份举报", "nonce": nonce, "files": [upload("photo.png", PNG)]})
    client.post("/report/", {"text": "同一份举报", "nonce": nonce, "files": [upload("photo.png", other)]})
    assert other in [content for _mime, content in _kept_files()]


@pytest.mark.django_db
def test_the_form_sent_twice_with_the_same_file_is_one_report_with_one_file(client: Client) -> None:
    """The other side of the digest: a double click (same page, same bytes) keeps one report and
    shows its code again."""
    from cluedesk.intake.models import Report

    nonce = _nonce(client)
    one = client.post("/report/", {"text": "同一份举报", "nonce": nonce, "files": [upload("photo.png", PNG)]})
    two = client.post("/report/", {"text": "同一份举报", "nonce": nonce, "files": [upload("photo.png", PNG)]})
    assert one.status_code == two.status_code == 201
    assert Report.objects.count() == 1
    assert [content for _mime, content in _kept_files()] == [PNG]
    assert one.context["code"] == two.context["code"]


# --- each rate limit on each public form --------------------------------------------------------

@pytest.mark.django_db
def test_the_qr_poster_form_is_rate_limited(client: Client, settings, census) -> None:
    """/r/<label>/ is the report form too: the same per-client submission limit."""
    settings.CLUEDESK_RATE_SUBMIT = 2
    for _ in range(2):
        assert client.post("/r/bus-station-3/", {"text": "x"}).status_code == 201
    before = census()
    refused = client.post("/r/bus-station-3/", {"text": "x", "files": [upload("photo.png", PNG)]})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert census() == before


@pytest.mark.django_db
def test_the_minutes_check_is_rate_limited(client: Client, settings, alice) -> None:
    """/track/minutes/ takes the tracking code again: it is limited like a look-up, and past the
    limit even the right code confirms nothing."""
    from django.utils import timezone

    from cluedesk.compliance.models import OralRecord
    from cluedesk.intake import services
    from cluedesk.ledger.services import Actor

    settings.CLUEDESK_RATE_LOOKUP = 4
    report, code = services.submit_report(text="电话举报", channel="phone", actor=Actor.reporter())
    record = OralRecord.objects.create(report=report, kind="minutes", status="awaiting", recorded_by=alice,
                                       created_at=timezone.now())
    assert client.post("/track/", {"code": code}).status_code == 303
    statuses = [client.post("/track/minutes/", {"action": "confirm", "code": "ABCD-EFGH-JKMN-PQRS"}).status_code
                for _ in range(6)]
    assert statuses[0] == 400 and statuses.count(400) <= 4 and statuses[-2:] == [429, 429]
    refused = client.post("/track/minutes/", {"action": "confirm", "code": code})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    record.refresh_from_db()
    assert record.status == "awaiting"


@pytest.mark.django_db
def test_submissions_and_look_ups_are_counted_apart(client: Client, settings) -> None:
    """A client that used up its submissions may still look up its code, and one that used up its
    look-ups may still send a report: each limit has its own counter (the scope is in the key)."""
    from cluedesk.intake import services
    from cluedesk.ledger.services import Actor

    settings.CLUEDESK_RATE_SUBMIT = 1
    settings.CLUEDESK_RATE_LOOKUP = 1
    _report, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    assert client.post("/report/", {"text": "x"}).status_code == 201
    assert client.post("/report/", {"text": "x"}).status_code == 429
    assert client.post("/track/", {"code": code}).status_code == 303
    assert client.post("/track/", {"code": code}).status_code == 429
    other = Client(REMOTE_ADDR="203.0.113.50")
    assert other.post("/track/", {"code": code}).status_code == 303
    assert other.post("/report/", {"text": "x"}).status_code == 201


# --- throttle: keys, counters, a store that does not answer -------------------------------------

class _Clock:
    """time.time/gmtime/strftime as throttle reads them, at a moment the test sets; ``tick`` is how
    far the clock has moved on when it is read a second time."""

    def __init__(self, now: float, tick: float = 0.0) -> None:
        self.now, self.tick = now, tick

    def time(self) -> float:
        return self.now

    def gmtime(self, secs: float | None = None) -> Any:
        return time.gmtime(self.now + self.tick if secs is None else secs)

    def strftime(self, fmt: str, t: Any = None) -> str:
        return time.strftime(fmt, self.gmtime() if t is None else t)


NOON = 1_780_000_200.0 - 1_780_000_200.0 % 86400 + 12 * 3600  # 12:00:00 UTC of a day in 2026


def _key_at(monkeypatch, moment: float, tick: float = 0.0, scope: str = "submit", who: str = "198.51.100.7") -> str:
    monkeypatch.setattr(throttle, "time", _Clock(moment, tick))
    return throttle.window_key(scope, who)


def test_one_ten_minute_window_is_one_key(monkeypatch) -> None:
    """x_window_key__mutmut_9 (the minute in the key), 11 (no window): 12:00:05 and 12:09:55 share
    a counter; 12:10:05 starts a new one, and so does the next day."""
    first = _key_at(monkeypatch, NOON + 5)
    assert _key_at(monkeypatch, NOON + 595) == first
    assert _key_at(monkeypatch, NOON + 605) != first
    assert _key_at(monkeypatch, NOON + 86400 + 5) != first
    assert first.startswith("rl:") and "198.51.100.7" not in first


def test_the_clock_passing_midnight_while_the_key_is_made_does_not_split_the_window(monkeypatch) -> None:
    """x_window_key__mutmut_6, 10: the day is the day of the moment read once, not of a second
    reading of the clock a moment later."""
    midnight = NOON + 12 * 3600
    early = _key_at(monkeypatch, midnight - 300)
    assert _key_at(monkeypatch, midnight - 0.000001, tick=0.001) == early


def test_the_key_depends_on_the_scope_the_client_and_the_secret(monkeypatch, settings) -> None:
    base = _key_at(monkeypatch, NOON)
    assert _key_at(monkeypatch, NOON, scope="lookup") != base
    assert _key_at(monkeypatch, NOON, who="198.51.100.8") != base
    settings.SECRET_KEY = "another-secret-" + "x" * 40
    assert _key_at(monkeypatch, NOON) != base


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def intake_log() -> Iterator[list[logging.LogRecord]]:
    """What the "cluedesk.intake" logger itself is given (not what reaches the root)."""
    handler = _Collect()
    logger = logging.getLogger("cluedesk.intake")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


class _Down:
    """A database connection whose cursor cannot be had."""

    def cursor(self) -> Any:
        from django.db import OperationalError

        raise OperationalError("database is locked")


@pytest.mark.django_db
def test_counting_an_unknown_key_is_zero_and_logs_nothing(intake_log) -> None:
    """x_count__mutmut_18: no row is no hit, not a failure of the store."""
    assert throttle.count("rl:" + "0" * 40) == 0
    assert intake_log == []


@pytest.mark.django_db
def test_count_reads_the_hits_without_adding_one() -> None:
    key = "rl:" + "1" * 40
    for _ in range(3):
        throttle.hit(key, 10)
    assert throttle.count(key) == 3 and throttle.count(key) == 3


@pytest.mark.django_db
def test_a_store_that_does_not_answer_lets_the_request_through_and_says_so(monkeypatch, intake_log) -> None:
    """x_count__mutmut_22-32 and hit's twin: 0 counted, the request let through, and one warning on
    the "cluedesk.intake" logger with the words and the exception for the operator."""
    monkeypatch.setattr(throttle, "connection", _Down())
    assert throttle.count("rl:" + "2" * 40) == 0
    assert throttle.hit("rl:" + "2" * 40, 0) is True
    assert len(intake_log) == 2
    for record in intake_log:
        assert record.name == "cluedesk.intake" and record.levelno == logging.WARNING
        assert record.getMessage() == "rate-limit cache unavailable; request let through"
        assert record.exc_info is not None and record.exc_info[0].__name__ == "OperationalError"


@pytest.mark.django_db
@pytest.mark.parametrize(("draw", "pruned"), [(0.5, False), (0.003, False), (0.002, False), (0.0019, True), (0.0, True)])
def test_about_one_counting_in_five_hundred_deletes_the_expired_counters(monkeypatch, draw: float,
                                                                          pruned: bool) -> None:
    """x__db_hit__mutmut_11-13: a counting prunes when its draw in [0, 1) falls in the first
    1/500 (PRUNE_ONE_IN), not more often."""
    from cluedesk.intake.models import RateCount

    RateCount.objects.create(key="rl:old", hits=9, expires_at=1.0)
    monkeypatch.setattr(throttle.random, "random", lambda: draw)
    throttle.hit("rl:" + "3" * 40, 5)
    assert RateCount.objects.filter(key="rl:old").exists() is not pruned


# --- throttle on Redis (REDIS_URL set): the same limits, counted by one script -------------------

REDIS_URL = redis_server.URL


NO_REDIS = redis_server.unreachable()
on_redis_only = pytest.mark.skipif(NO_REDIS is not None, reason=NO_REDIS or "")


@pytest.fixture
def redis_cache(settings) -> Iterator[Any]:
    """The cache on Redis as settings.py makes it from REDIS_URL, under a key prefix of this test's
    own; yields a plain client to look at the keys."""
    import uuid

    import redis

    prefix = f"cluedesk-test-{uuid.uuid4().hex[:12]}"

    def use(location: str) -> None:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": location, "KEY_PREFIX": prefix}}

    client = redis.Redis.from_url(REDIS_URL)
    client.use = use  # type: ignore[attr-defined]
    client.prefix = prefix  # type: ignore[attr-defined]
    use(REDIS_URL)
    yield client
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


@on_redis_only
@pytest.mark.django_db
def test_on_redis_each_key_is_counted_in_redis_with_the_windows_lifetime(redis_cache) -> None:
    """x__redis_hit__mutmut_1, 5-7, 13-22, x_hit__mutmut_1, 2: hits go to Redis under the cache's
    own name for the key, one counter per key, refused past the limit, expiring with the window;
    count reads the same number without adding one; nothing is counted in the database."""
    from django.core.cache import caches

    from cluedesk.intake.models import RateCount

    key, other = "rl:" + "4" * 40, "rl:" + "5" * 40
    assert [throttle.hit(key, 3) for _ in range(5)] == [True, True, True, False, False]
    assert throttle.hit(other, 3) is True
    full = caches["default"].make_and_validate_key(key)
    assert full.startswith(redis_cache.prefix) and int(redis_cache.get(full)) == 5
    assert int(redis_cache.get(caches["default"].make_and_validate_key(other))) == 1
    assert 0 < redis_cache.ttl(full) <= throttle.WINDOW_SECONDS
    assert throttle.count(key) == 5 and throttle.count(key) == 5 and throttle.count(other) == 1
    assert throttle.count("rl:" + "6" * 40) == 0
    assert not RateCount.objects.exists()


@on_redis_only
@pytest.mark.django_db
def test_on_redis_with_a_replica_the_counting_goes_to_the_primary(redis_cache) -> None:
    """x__redis_hit__mutmut_9, 11, 12: REDIS_URL may list a primary and read replicas (Django
    writes to the first); a count is a write, so an unreachable replica does not let requests
    through."""
    redis_cache.use(f"{REDIS_URL},redis://127.0.0.1:1/15")
    key = "rl:" + "7" * 40
    assert [throttle.hit(key, 2) for _ in range(4)] == [True, True, False, False]


@on_redis_only
@pytest.mark.django_db
def test_on_redis_with_a_replica_down_the_count_still_reads_the_primary(redis_cache, intake_log) -> None:
    """count() read through Django's read client, i.e. a replica when REDIS_URL lists one: a replica
    that lags or is down made it 0, and the channel limit on unknown codes let every guess through."""
    redis_cache.use(f"{REDIS_URL},redis://127.0.0.1:1/15")
    key = "rl:" + "8" * 40
    for _ in range(3):
        throttle.hit(key, 10)
    assert throttle.count(key) == 3
    assert not intake_log  # no "cache unavailable": the replica was never asked
