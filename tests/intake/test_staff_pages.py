"""Staff: entering a phone call or letter as a report; the QR poster."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cluedesk.intake import services
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event

from .conftest import PDF, sign_in, upload

pytestmark = pytest.mark.django_db


def test_an_intake_reviewer_enters_a_phone_report(client: Client, alice) -> None:
    sign_in(client, alice)
    assert client.get("/staff/reports/new/").status_code == 200
    resp = client.post("/staff/reports/new/", {
        "channel": "phone", "text": "来电反映：某砂场老板雇人殴打村民", "place_text": "长沙岳麓",
        "name": "李四", "contact": "13900000000", "files": [upload("notes.pdf", PDF)],
    })
    assert resp.status_code == 201
    code = re.search(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", resp.content.decode()).group(0)
    report = services.find_report(code)
    assert report.channel == "phone" and report.entered_by == alice and report.attachments.count() == 1
    event = Event.objects.get(verb="report.submitted")
    assert (event.actor_kind, event.actor_id) == ("staff", str(alice.pk)) and event.data["channel"] == "phone"


def test_a_letter_is_recorded_as_a_letter(client: Client, alice) -> None:
    sign_in(client, alice)
    client.post("/staff/reports/new/", {"channel": "letter", "text": "来信内容"})
    assert Report.objects.get().channel == "letter"


def test_the_staff_form_rejects_an_unknown_channel_and_empty_text(client: Client, alice, census) -> None:
    sign_in(client, alice)
    before = census()
    resp = client.post("/staff/reports/new/", {"channel": "web", "text": "x"})
    assert resp.status_code == 400
    resp = client.post("/staff/reports/new/", {"channel": "phone", "text": " "})
    assert resp.status_code == 400 and "describe what happened" in resp.content.decode()
    assert census() == before


def test_people_without_the_role_cannot_enter_reports(client: Client, victor, census) -> None:
    before = census()
    anonymous = client.post("/staff/reports/new/", {"channel": "phone", "text": "x"})
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    sign_in(client, victor)
    assert client.get("/staff/reports/new/").status_code == 403
    assert client.post("/staff/reports/new/", {"channel": "phone", "text": "x"}).status_code == 403
    assert census() == before


def test_staff_entry_needs_a_csrf_token(alice, census) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    sign_in(csrf_client, alice)
    before = census()
    assert csrf_client.post("/staff/reports/new/", {"channel": "phone", "text": "x"}).status_code == 403
    assert census() == before


def test_the_poster_carries_a_qr_code_for_the_labelled_report_page(client: Client, alice, settings) -> None:
    settings.SITE_URL = "https://report.example.cn"
    sign_in(client, alice)
    assert "<svg" not in client.get("/staff/poster/").content.decode()
    html = client.get("/staff/poster/", {"ref": "bus-station-3", "heading": "扫黑除恶 人人有责"}).content.decode()
    assert "<svg" in html and "https://report.example.cn/r/bus-station-3/" in html and "扫黑除恶" in html
    assert "<script" not in html.split("</head>")[1]
    bad = client.get("/staff/poster/", {"ref": "<script>"})
    assert bad.status_code == 400 and "<svg" not in bad.content.decode()


def test_the_poster_is_for_staff_only(client: Client) -> None:
    assert client.get("/staff/poster/", {"ref": "x"}).status_code == 302
