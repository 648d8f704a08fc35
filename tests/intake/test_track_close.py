"""Issue 19, finding 9: closing the status page ends the tracking session on the server.

``/track/close/`` used to delete the cookie in the browser only: a copy of the cookie (taken off
a shared computer, say) kept the status page open for the rest of its thirty minutes.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cluedesk.intake.views import TRACK_COOKIE

pytestmark = pytest.mark.django_db


def filed_code() -> str:
    resp = Client().post("/report/", {"text": "某村有人开设赌场，放高利贷。"})
    assert resp.status_code == 201
    html = resp.content.decode().replace("</span><span>", "-")
    return re.search(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", html).group(0)


def shows_status(resp) -> bool:
    return resp.status_code == 200 and "intake/status.html" in [t.name for t in resp.templates]


def test_a_copied_cookie_stops_working_once_the_page_is_closed() -> None:
    code = filed_code()
    reporter = Client()
    assert reporter.post("/track/", {"code": code}).status_code == 303
    copy = Client()
    copy.cookies[TRACK_COOKIE] = reporter.cookies[TRACK_COOKIE].value
    assert shows_status(copy.get("/track/status/"))  # the copy works while the session is open

    closed = reporter.post("/track/close/")
    assert closed.status_code == 200 and "closed on this device" in closed.content.decode()
    assert not shows_status(reporter.get("/track/status/"))
    for attempt in (copy.get("/track/status/"), copy.post("/track/status/", {"body": "还能发消息吗"})):
        assert not shows_status(attempt)
        assert "Enter your tracking code again" in attempt.content.decode()


def test_the_cookie_holds_neither_the_code_nor_its_hash() -> None:
    from cluedesk.intake import services

    code = filed_code()
    reporter = Client()
    reporter.post("/track/", {"code": code})
    value = reporter.cookies[TRACK_COOKIE].value
    assert services.find_report(code).tracking_hash not in value and code.replace("-", "") not in value


def test_closing_one_session_leaves_another_open() -> None:
    code = filed_code()
    phone, laptop = Client(), Client()
    phone.post("/track/", {"code": code})
    laptop.post("/track/", {"code": code})
    phone.post("/track/close/")
    assert not shows_status(phone.get("/track/status/"))
    assert shows_status(laptop.get("/track/status/"))
