"""Attachments: real-type checks, limits while streaming, truncated bodies; nothing left behind."""

from __future__ import annotations

import pytest
from django.test import Client

from cluedesk.intake import attachments, services
from cluedesk.intake.models import Attachment, Report
from cluedesk.ledger.services import Actor

from .conftest import ELF, PDF, PE, PNG, SCRIPT, docx_bytes, plain_zip_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "content", "mime"), [
    ("photo.png", PNG, "image/png"),
    ("scan.pdf", PDF, "application/pdf"),
    ("statement.docx", docx_bytes(), attachments.DOCX),
    ("notes.txt", "车牌号：湘A12345\n".encode(), "text/plain"),
    ("no-extension", "纯文本".encode(), "text/plain"),
])
def test_allowed_types_are_recognised_by_their_bytes(name: str, content: bytes, mime: str) -> None:
    assert attachments.check(upload(name, content)).mime == mime


@pytest.mark.parametrize(("name", "content", "code"), [
    ("holiday.jpg", ELF, "file_type_refused"),
    ("invoice.pdf", PE, "file_type_refused"),
    ("photo.jpg", SCRIPT, "file_type_refused"),
    ("photo.jpg", b"just some text, not a photo", "file_disguised"),
    ("statement.docx", plain_zip_bytes(), "file_type_refused"),
    ("run.exe", b"plain words", "file_type_refused"),
    ("page.txt", b"<html><script>alert(1)</script></html>", "file_type_refused"),
    ("latin1.txt", "caf\xe9".encode("latin-1"), "file_type_refused"),
    ("empty.png", b"", "empty_file"),
])
def test_disguised_and_unwanted_files_are_refused(name: str, content: bytes, code: str) -> None:
    with pytest.raises(attachments.FileRefused) as exc:
        attachments.check(upload(name, content))
    assert exc.value.code == code and name in str(exc.value.message)


def test_a_disguised_executable_through_the_form_keeps_nothing(client: Client, census) -> None:
    before = census()
    resp = client.post("/report/", {"text": "看附件", "files": [upload("photo.png", PNG), upload("holiday.jpg", ELF)]})
    html = resp.content.decode()
    assert resp.status_code == 400 and "holiday.jpg" in html and "Programs" in html
    assert '看附件' in html  # what was typed is kept on the page
    assert census() == before and stored_files() == []


def test_the_refusal_is_in_chinese_for_a_chinese_reader(client: Client) -> None:
    resp = client.post("/report/", {"text": "x", "files": [upload("photo.jpg", SCRIPT)]},
                       HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert resp.status_code == 400 and "未被接收" in resp.content.decode()


def test_an_oversize_file_is_stopped_while_streaming(client: Client, settings, census) -> None:
    settings.CLUEDESK_MAX_FILE_BYTES = 2048
    before = census()
    resp = client.post("/report/", {"text": "大文件", "files": [upload("big.pdf", PDF + b"0" * 5000)]})
    html = resp.content.decode()
    assert resp.status_code == 413 and "big.pdf" in html and "too large" in html and "大文件" in html
    assert census() == before
    zh = client.post("/report/", {"text": "x", "files": [upload("big.pdf", PDF + b"0" * 5000)]},
                     HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert zh.status_code == 413 and "太大" in zh.content.decode()


def test_a_large_file_goes_to_disk_and_is_accepted_within_the_limit(client: Client, settings) -> None:
    settings.CLUEDESK_MAX_FILE_BYTES = 2 * 1024 * 1024
    big = PDF + b"%" + b"0" * (600 * 1024)  # over the 256 KiB memory threshold
    resp = client.post("/report/", {"text": "x", "files": [upload("big.pdf", big)]})
    assert resp.status_code == 201
    att = Attachment.objects.get()
    assert att.size == len(big) and b"".join(attachments.open_decrypted(att.public_id)) == big


def test_too_much_in_total_is_refused(client: Client, settings, census) -> None:
    settings.CLUEDESK_MAX_FILE_BYTES = 4096
    settings.CLUEDESK_MAX_REPORT_BYTES = 5000
    before = census()
    files = [upload(f"p{i}.pdf", PDF + b"0" * 3000) for i in range(2)]
    resp = client.post("/report/", {"text": "x", "files": files})
    assert resp.status_code == 413 and census() == before


def test_a_body_declared_far_too_large_is_refused_before_reading(client: Client, settings, census) -> None:
    settings.CLUEDESK_MAX_REPORT_BYTES = 1024
    before = census()
    resp = client.post("/report/", {"text": "x", "files": [upload("p.pdf", PDF + b"0" * 600_000)]})
    assert resp.status_code == 413 and "Nothing was saved" in resp.content.decode()
    assert census() == before


def test_too_many_files_are_refused(client: Client, settings, census) -> None:
    settings.CLUEDESK_MAX_FILES = 2
    before = census()
    resp = client.post("/report/", {"text": "x", "files": [upload(f"p{i}.png", PNG) for i in range(3)]})
    assert resp.status_code == 413 and "at most 2" in resp.content.decode()
    assert census() == before
    with pytest.raises(services.InvalidReport):
        services.submit_report(text="x", channel="web", actor=Actor.reporter(),
                               files=[upload(f"p{i}.png", PNG) for i in range(3)])
    assert census() == before


def _multipart(boundary: str, text: str, filename: str, content: bytes, close: bool) -> bytes:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{text}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + content
    if close:
        body += f"\r\n--{boundary}--\r\n".encode()
    return body


def test_a_truncated_upload_is_refused_and_keeps_nothing(client: Client, census) -> None:
    boundary = "----cluedeskboundary"
    before = census()
    cut = _multipart(boundary, "被截断的上传", "scan.pdf", PDF + b"0" * 70_000, close=False)
    resp = client.generic("POST", "/report/", cut, content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 400 and "cut off" in resp.content.decode()
    assert census() == before and Report.objects.count() == 0
    whole = _multipart(boundary, "完整的上传", "scan.pdf", PDF, close=True)
    resp = client.generic("POST", "/report/", whole, content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 201 and Attachment.objects.count() == 1


def test_a_garbled_multipart_body_is_refused(client: Client, census) -> None:
    before = census()
    resp = client.generic("POST", "/report/", b"garbage", content_type="multipart/form-data")
    assert resp.status_code == 400 and census() == before


def test_a_bad_file_added_later_keeps_nothing(client: Client, census) -> None:
    _, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    client.post("/track/", {"code": code})
    before = census()
    resp = client.post("/track/status/", {"body": "见附件", "files": [upload("a.jpg", ELF)]})
    assert resp.status_code == 400 and "a.jpg" in resp.content.decode()
    assert census() == before


def test_a_refused_upload_says_why_even_with_csrf_checks_on(settings, census) -> None:
    settings.CLUEDESK_MAX_REPORT_BYTES = 1024
    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get("/report/").content.decode()
    import re

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    before = census()
    resp = csrf_client.post("/report/", {"csrfmiddlewaretoken": token, "text": "x",
                                         "files": [upload("p.pdf", PDF + b"0" * 600_000)]})
    assert resp.status_code == 413 and "too large" in resp.content.decode()
    assert census() == before
