"""The public pages through the test client: form, confirmation, tracking, status, bad input."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cluedesk.intake import services
from cluedesk.intake.models import Message, Report
from cluedesk.ledger.services import Actor

from .conftest import PNG, upload

pytestmark = pytest.mark.django_db
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def code_on(html: str) -> str:
    match = CODE.search(re.sub(r"</span><span>", "-", html))
    assert match, html[:3000]
    return match.group(0)


def test_the_form_page_works_without_javascript_and_loads_nothing_from_elsewhere(client: Client) -> None:
    for url in ("/", "/report/"):
        resp = client.get(url)
        html = resp.content.decode()
        assert resp.status_code == 200
        # at most our own deferred enhancement (upload progress); the form is a plain POST form
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(re.fullmatch(r'<script src="/static/web/busy\.js" defer>', tag) for tag in scripts), scripts
        assert re.search(r'<form[^>]+method="post"[^>]+enctype="multipart/form-data"', html) or \
            re.search(r'<form[^>]+enctype="multipart/form-data"[^>]+method="post"', html)
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
        assert 'name="text"' in html and 'type="file"' in html and "multiple" in html
        assert "anonymous" in html.lower() and "custodian" in html.lower()


def test_the_page_says_what_is_kept_in_chinese(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert 'lang="zh-Hans"' in html and "匿名" in html and "密封" in html


def test_a_report_through_the_form_shows_the_code_once(client: Client) -> None:
    resp = client.post("/report/", {"text": "菜市场有人收保护费", "place_text": "湖南长沙", "when_text": "上周"})
    assert resp.status_code == 201
    code = code_on(resp.content.decode())
    report = Report.objects.get()
    assert report.channel == "web" and services.find_report(code).pk == report.pk


def test_qr_attribution_by_path_and_by_query(client: Client) -> None:
    page = client.get("/r/bus-station-3/").content.decode()
    assert 'value="bus-station-3"' in page
    client.post("/r/bus-station-3/", {"text": "a", "via": "bus-station-3"})
    client.post("/report/?via=market", {"text": "b"})
    client.post("/report/", {"text": "c", "via": "bad label!"})
    got = list(Report.objects.order_by("pk").values_list("channel", "channel_ref"))
    assert got == [("qr", "bus-station-3"), ("qr", "market"), ("web", "")]


def test_sending_the_same_form_twice_keeps_one_report(client: Client) -> None:
    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get("/").content.decode()).group(1)
    data = {"text": "同一份举报", "nonce": nonce}
    first = client.post("/report/", data)
    second = client.post("/report/", data)
    assert Report.objects.count() == 1
    assert code_on(first.content.decode()) == code_on(second.content.decode())
    client.post("/report/", {**data, "text": "改过的内容"})
    assert Report.objects.count() == 2


def test_hostile_html_is_escaped_on_every_page(client: Client, alice) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    resp = client.post("/report/", {"text": evil, "place_text": evil, "who_text": evil})
    code = code_on(resp.content.decode())
    report = Report.objects.get()
    services.post_staff_message(report, evil, acting_user=alice)
    services.record_public_step(kind="concluded", report=report, outcome=evil, acting_user=alice)
    client.post("/track/", {"code": code})
    client.post("/track/status/", {"body": evil})
    html = client.get("/track/status/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;") >= 3
    # an invalid form echoes the input back escaped too
    bad = client.post("/report/", {"text": "", "place_text": evil}).content.decode()
    assert "<script>alert" not in bad and "&lt;script&gt;" in bad


def test_empty_text_gives_a_clear_message_and_keeps_what_was_typed(client: Client, census) -> None:
    before = census()
    resp = client.post("/report/", {"text": "   \n ", "place_text": "长沙市"})
    html = resp.content.decode()
    assert resp.status_code == 400 and "describe what happened" in html and 'value="长沙市"' in html
    assert census() == before


def test_too_long_text_is_refused_in_english_and_chinese(client: Client, settings, census) -> None:
    settings.CLUEDESK_MAX_TEXT_CHARS = 100
    before = census()
    en = client.post("/report/", {"text": "字" * 150})
    zh = client.post("/report/", {"text": "字" * 150}, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert en.status_code == zh.status_code == 400
    assert "too long" in en.content.decode()
    assert "太长" in zh.content.decode() and "too long" not in zh.content.decode()
    assert census() == before


def test_the_language_cookie_chooses_chinese(client: Client) -> None:
    client.cookies["django_language"] = "zh-hans"
    html = client.post("/report/", {"text": ""}).content.decode()
    assert "请" in html and "describe what happened" not in html


def test_a_missing_csrf_token_is_refused_in_the_readers_language(census) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    before = census()
    resp = csrf_client.post("/report/", {"text": "x"})
    assert resp.status_code == 403 and "Nothing was saved" in resp.content.decode()
    zh = csrf_client.post("/report/", {"text": "x"}, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert zh.status_code == 403 and "Nothing was saved" not in zh.content.decode()
    resp = csrf_client.post("/track/", {"code": "ABCD-EFGH-JKMN-PQRS"})
    assert resp.status_code == 403
    assert census() == before


def test_with_a_csrf_token_the_form_goes_through() -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get("/report/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    resp = csrf_client.post("/report/", {"text": "x", "csrfmiddlewaretoken": token})
    assert resp.status_code == 201


def test_a_flood_of_submissions_from_one_client_is_stopped(client: Client, settings, census) -> None:
    settings.CLUEDESK_RATE_SUBMIT = 3
    for _ in range(3):
        assert client.post("/report/", {"text": "x"}).status_code == 201
    before = census()
    resp = client.post("/report/", {"text": "x"})
    assert resp.status_code == 429 and "Wait ten minutes" in resp.content.decode() and resp["Retry-After"]
    zh = client.post("/report/", {"text": "x"}, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert zh.status_code == 429 and "十分钟" in zh.content.decode()
    assert census() == before
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post("/report/", {"text": "x"}).status_code == 201


def test_rate_limit_keys_do_not_contain_the_address(client: Client, settings) -> None:
    from django.db import connection

    from cluedesk.intake.models import RateCount

    client.post("/report/", {"text": "x"}, REMOTE_ADDR="198.51.100.77")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {RateCount._meta.db_table}")
        rows = [" ".join(map(str, row)) for row in cursor.fetchall()]
    assert rows and not any("198.51.100.77" in r for r in rows)


def test_the_database_counter_counts_every_hit_and_refuses_past_the_limit() -> None:
    from cluedesk.intake import throttle
    from cluedesk.intake.models import RateCount

    assert [throttle.hit("rl:test", 3) for _ in range(5)] == [True, True, True, False, False]
    assert RateCount.objects.get(key="rl:test").hits == 5


def test_expired_counters_are_pruned(monkeypatch) -> None:
    from cluedesk.intake import throttle
    from cluedesk.intake.models import RateCount

    RateCount.objects.create(key="rl:old", hits=9, expires_at=1.0)
    monkeypatch.setattr(throttle, "PRUNE_ONE_IN", 1)
    throttle.hit("rl:new", 3)
    assert list(RateCount.objects.values_list("key", flat=True)) == ["rl:new"]


def test_tracking_opens_the_status_page_with_timeline_and_messages(client: Client, alice) -> None:
    report, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    services.post_staff_message(report, "请提供车牌号", acting_user=alice)
    resp = client.post("/track/", {"code": code.lower()})
    assert resp.status_code == 303 and resp["Location"] == "/track/status/"
    cookie = resp.cookies["cd_track"]
    assert code not in cookie.value and cookie["httponly"]
    html = client.get("/track/status/").content.decode()
    assert "Received" in html and "请提供车牌号" in html and "From the staff" in html


def test_the_reporter_adds_information_and_files_from_the_status_page(client: Client) -> None:
    report, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    client.post("/track/", {"code": code})
    resp = client.post("/track/status/", {"body": "补充信息", "files": [upload("more.png", PNG)]})
    assert resp.status_code == 303
    message = Message.objects.get()
    assert message.body == "补充信息" and message.attachments.count() == 1
    assert "1 file attached" in client.get("/track/status/?sent=1").content.decode()


def test_an_empty_addition_is_refused(client: Client, census) -> None:
    _, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    client.post("/track/", {"code": code})
    before = census()
    resp = client.post("/track/status/", {"body": "  "})
    assert resp.status_code == 400 and "Write something" in resp.content.decode()
    assert census() == before


@pytest.mark.parametrize("typed", ["nonsense", "ABCD-EFGH-JKMN-PQRS", "ABCD-EFGH-JKMN-PQRU", "x" * 500])
def test_wrong_and_malformed_codes_all_get_the_same_answer(client: Client, typed: str) -> None:
    services.submit_report(text="x", channel="web", actor=Actor.reporter())
    reference = client.post("/track/", {"code": "0000-0000-0000-0000"})
    resp = client.post("/track/", {"code": typed})
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.content.decode())  # noqa: E731 - csrf token differs
    assert resp.status_code == reference.status_code == 404
    assert strip(resp) == strip(reference)
    assert "cd_track" not in resp.cookies


def test_wrong_codes_in_chinese(client: Client) -> None:
    html = client.post("/track/", {"code": "nope"}, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "没有" in html


def test_guessing_codes_is_rate_limited(client: Client, settings) -> None:
    settings.CLUEDESK_RATE_LOOKUP = 5
    for _ in range(5):
        assert client.post("/track/", {"code": "0000-0000-0000-0000"}).status_code == 404
    _, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    assert client.post("/track/", {"code": code}).status_code == 429


def test_the_status_page_needs_a_fresh_look_up(client: Client) -> None:
    resp = client.get("/track/status/")
    assert resp.status_code == 200 and "Enter your tracking code again" in resp.content.decode()
    client.cookies["cd_track"] = "forged"
    assert "Enter your tracking code again" in client.get("/track/status/").content.decode()
    resp = client.post("/track/status/", {"body": "x"})
    assert resp.status_code == 403 and Message.objects.count() == 0


def test_closing_the_status_page_forgets_it_on_this_device(client: Client) -> None:
    _, code = services.submit_report(text="x", channel="web", actor=Actor.reporter())
    client.post("/track/", {"code": code})
    client.post("/track/close/")
    assert "Enter your tracking code again" in client.get("/track/status/").content.decode()


def test_pages_are_small(client: Client) -> None:
    from django.contrib.staticfiles import finders

    css = len(open(finders.find("web/public.css"), "rb").read())
    for url in ("/", "/track/"):
        assert len(client.get(url).content) + css <= 30 * 1024, url
