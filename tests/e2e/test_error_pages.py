"""Friendly error pages in the reader's language (no browser needed: these run in both passes)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from cluedesk.web import views
from tests.org.factories import login_verified, make_staff, make_unit


@pytest.mark.parametrize(("lang", "title"), [("en", "This page does not exist"), ("zh-Hans", "页面不存在")])
def test_a_missing_page_says_so_in_the_readers_language_with_a_way_on(db, lang, title):
    response = Client(HTTP_ACCEPT_LANGUAGE=lang).get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404 and title in body
    assert 'href="/"' in body and ("404" in body)


def test_a_missing_staff_page_leads_back_to_the_workbench(db):
    body = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans").get("/staff/nothing-here/").content.decode()
    assert "返回工作台" in body and 'href="/staff/"' in body


def test_a_forbidden_staff_page_is_a_friendly_403(db):
    unit = make_unit("Liuyang anti-gang office", "430181")
    verifier = make_staff("e2e-403-verifier", unit, "verifier")
    client = login_verified(Client(HTTP_ACCEPT_LANGUAGE="en"), verifier)
    response = client.get("/staff/vault/keys/")
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()


@pytest.mark.parametrize(("lang", "title"), [("en", "Something went wrong on our side"), ("zh-hans", "系统出了问题")])
def test_the_500_page_needs_no_database(lang, title):
    """No django_db mark: any query here raises, so passing shows the page touches no database."""
    request = RequestFactory().get("/track/status/")
    with translation.override(lang):
        response = views.server_error(request)
    body = response.content.decode()
    assert response.status_code == 500 and title in body and "csrfmiddlewaretoken" not in body


def test_the_500_page_is_what_an_unhandled_error_shows(db, settings, monkeypatch):
    from cluedesk.intake import views as intake_views

    def boom(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(intake_views, "render", boom)
    settings.DEBUG = False
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans", raise_request_exception=False)
    response = client.get("/track/")
    assert response.status_code == 500 and "系统出了问题" in response.content.decode()


def test_too_many_lookups_get_a_friendly_429_in_chinese(db, settings):
    from django.core.cache import cache

    cache.clear()
    settings.CLUEDESK_RATE_LOOKUP = 1
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    client.post("/track/", {"code": "0000-0000-0000-0000"})
    response = client.post("/track/", {"code": "0000-0000-0000-0000"})
    body = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"]
    assert "请稍后再试" in body and 'lang="zh-Hans"' in body
    cache.clear()
