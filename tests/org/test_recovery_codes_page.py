"""The recovery codes are shown once: the page offers them as a text file and a print button."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import current_code, make_staff, make_unit

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _enrolled_page(client: Client, settings) -> str:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    make_staff("alice", make_unit("Liuyang anti-gang office", "430181"), "verifier", password=PASSWORD)
    client.post("/staff/login/", {"username": "alice", "password": PASSWORD})
    client.get("/staff/login/enrol/")
    device = TOTPDevice.objects.get(user__username="alice", confirmed=False)
    return client.post("/staff/login/enrol/", {"code": current_code(device)}).content.decode()


def test_the_codes_can_be_downloaded_as_a_text_file_and_printed(client: Client, settings) -> None:
    html = _enrolled_page(client, settings)
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", html)
    link = re.search(r'<a class="btn secondary" download="([^"]+)" href="data:text/plain;charset=utf-8,([^"]+)"', html)
    assert link and link.group(1) == "cluedesk-recovery-codes-alice.txt"
    text = unquote(link.group(2))
    assert len(codes) == 10 and all(f"\r\n{c}\r\n" in text for c in codes) and "alice" in text
    assert "data-print" in html and "org/recovery.js" in html  # the button's handler is a file, CSP-clean
    assert "<script>" not in html


def test_the_download_is_in_the_readers_language(settings) -> None:
    html = _enrolled_page(Client(HTTP_ACCEPT_LANGUAGE="zh-Hans"), settings)
    text = unquote(re.search(r'href="data:text/plain;charset=utf-8,([^"]+)"', html).group(1))
    assert "下载为文本文件" in html and "打印" in html and "恢复码" in text
