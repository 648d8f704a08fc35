"""Issue 19, finding 5: markup is never kept as "plain text".

An SVG after a UTF-8 byte-order mark, HTML that opens with a comment or with ``<body>``: each was
accepted as text/plain. The check now strips a BOM, leading whitespace and comments, and refuses
markup anywhere in the first 8 KB of a file sniffed as text.
"""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from django.test import Client

from cluedesk.intake import attachments

from .conftest import stored_files, upload

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'
MARKUP = [
    ("bom-svg.txt", BOM + SVG),
    ("bom-space-svg.txt", BOM + b"\r\n  \t" + SVG),
    ("comment-html.txt", b"<!-- saved from a browser -->\n<html><body>hi</body></html>"),
    ("comments-then-script.txt", b"<!-- a --><!--\nb\n-->  <script>alert(1)</script>"),
    ("body.txt", b"<body onload=alert(1)>"),
    ("doctype.txt", b"  <!DOCTYPE html><p>x"),
    ("xml-stylesheet.txt", b'<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><r/>'),
    ("late-svg.txt", "第一行是普通文字。\n".encode() * 20 + SVG),
    ("iframe.txt", b"hello <IFRAME src=//evil.example>"),
    ("no-extension", BOM + b"<SVG/onload=alert(1)>"),
]


@pytest.mark.parametrize(("name", "content"), MARKUP)
def test_markup_is_not_accepted_as_plain_text(name: str, content: bytes) -> None:
    with pytest.raises(attachments.FileRefused) as exc:
        attachments.check(upload(name, content))
    assert exc.value.code == "file_type_refused"


@pytest.mark.parametrize(("name", "content"), [
    ("notes.txt", BOM + "车牌号：湘A12345\n他说 a < b 而且 c > d。\n".encode()),
    ("math.txt", b"if x<y and y>z: the <svg-less> plan costs < 5 yuan"),
    ("after-8k.txt", b"a" * attachments.HEAD_BYTES + b"<html>"),
])
def test_plain_text_with_angle_brackets_is_still_text(name: str, content: bytes) -> None:
    assert attachments.check(upload(name, content)).mime == attachments.TEXT


def test_a_bom_svg_through_the_channel_api_is_refused_and_keeps_nothing(client: Client, channel_token: str,
                                                                        census) -> None:
    before = census()
    body = {"text": "见附件", "attachments": [
        {"filename": "note.txt", "content_base64": base64.b64encode(BOM + SVG).decode()}]}
    resp = client.post("/api/v1/reports", json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {channel_token}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert resp.status_code == 422 and "note.txt" in resp.json()["errors"]["attachments"][0]
    assert census() == before and stored_files() == []


def test_html_after_a_comment_through_the_form_is_refused(client: Client, census) -> None:
    before = census()
    page = upload("page.txt", b"<!-- x -->\n<body><script>alert(1)</script>", "text/plain")
    resp = client.post("/report/", {"text": "见附件", "files": [page]})
    assert resp.status_code == 400 and "page.txt" in resp.content.decode()
    assert census() == before
