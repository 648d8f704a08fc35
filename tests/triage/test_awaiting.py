"""Reports awaiting triage (stored, no clue yet, queue not run): the staff queue page, its lag
warning, the /metrics gauges, and the pages that used to take the clue for granted."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cluedesk.intake import services as intake
from cluedesk.intake.models import Report
from cluedesk.ledger.services import Actor
from cluedesk.triage import engine, lag
from tests.org.factories import login_verified, make_division, make_staff, make_unit, world
from tests.queue import run_queue

pytestmark = pytest.mark.django_db

TEXT = "菜市场有一伙人每周向摊主收取保护费，不给就砸摊，带头的外号叫老三。"
SECRET_WORDS = "外号叫老三"


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    from cluedesk.intake import places

    places.reset()
    engine.use(reset=True)  # the shipped same-matter model; no charge model: keyword rules
    yield
    engine.use(reset=True)


@pytest.fixture
def w():
    return world(with_clues=False)


def submit(place: str = "湖南省长沙市浏阳市", text: str = TEXT, channel: str = "web", **kw: Any) -> Report:
    report, _code = intake.submit_report(text=text, place_text=place, channel=channel, actor=Actor.reporter(), **kw)
    return report


def age(report: Report, seconds: float) -> Report:
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - dt.timedelta(seconds=seconds))
    return report


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- the queue page -------------------------------------------------------------------------

def test_the_queue_lists_reports_awaiting_triage_oldest_first_without_their_text(w):
    older = age(submit(), 40)
    newer = submit(channel="phone")
    assert older.division_id == "430181" and Report.objects.filter(clue__isnull=True).count() == 2
    page = login_verified(Client(), w.staff["intake_reviewer"]).get("/staff/triage/awaiting/")
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index(f"#{older.pk}<") < body.index(f"#{newer.pk}<")   # oldest first
    assert "浏阳市" in body and "phone call" in body and "40 seconds" in body
    assert SECRET_WORDS not in body and "菜市场" not in body           # metadata only, never the text
    assert "2 reports awaiting triage" in text_of(page)
    assert "lag-warning" not in body                                     # nobody waited past the limit


def test_the_queue_is_scoped_by_the_reports_division_and_a_report_without_one_is_national(w):
    mine = submit()
    sibling = submit(place="湖南省长沙市芙蓉区")
    nowhere = submit(place="Atlantis")
    assert (sibling.division_id, nowhere.division_id) == ("430102", None)
    county = login_verified(Client(), w.staff["dispatcher"]).get("/staff/triage/awaiting/").content.decode()
    assert f"#{mine.pk}<" in county and f"#{sibling.pk}<" not in county and f"#{nowhere.pk}<" not in county
    national = make_staff("national-reviewer", w.nation, "intake_reviewer")
    body = login_verified(Client(), national).get("/staff/triage/awaiting/").content.decode()
    assert all(f"#{r.pk}<" in body for r in (mine, sibling, nowhere))
    assert "no place named" in body


def test_only_the_triage_roles_open_the_queue(w):
    assert login_verified(Client(), w.staff["verifier"]).get("/staff/triage/awaiting/").status_code == 403
    assert login_verified(Client(), w.staff["supervisor"]).get("/staff/triage/awaiting/").status_code == 403
    assert Client().get("/staff/triage/awaiting/").status_code == 302


def test_once_the_workers_have_run_nothing_is_waiting(w):
    submit()
    client = login_verified(Client(), w.staff["intake_reviewer"])
    assert "Nothing is waiting" not in text_of(client.get("/staff/triage/awaiting/"))
    run_queue()
    assert not Report.objects.filter(clue__isnull=True).exists()
    assert "Nothing is waiting: every report is on a clue." in text_of(client.get("/staff/triage/awaiting/"))


def test_the_queue_is_paginated(w):
    division = make_division("430181")
    for _ in range(51):
        Report.objects.create(tracking_hash=secrets.token_hex(32), channel="web", text="x", division=division)
    client = login_verified(Client(), w.staff["intake_reviewer"])
    first = client.get("/staff/triage/awaiting/")
    assert first.content.decode().count('data-label="Report"') == 50 and "Page 1 of 2" in text_of(first)
    assert client.get("/staff/triage/awaiting/?page=2").content.decode().count('data-label="Report"') == 1


def test_a_report_waiting_past_the_limit_raises_the_warning(w, settings):
    settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS = 60
    age(submit(), 14 * 60 + 5)
    age(submit(), 90)
    submit()
    text = text_of(login_verified(Client(), w.staff["intake_reviewer"]).get("/staff/triage/awaiting/"))
    assert "2 reports have waited for triage longer than 1 minute." in text
    assert "The oldest has waited 14 minutes." in text and "cluedesk serve" in text
    settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS = 3600
    text = text_of(login_verified(Client(), w.staff["intake_reviewer"]).get("/staff/triage/awaiting/"))
    assert "have waited for triage" not in text


def test_the_queue_speaks_chinese(w, settings):
    settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS = 60
    age(submit(), 300)
    client = login_verified(Client(), w.staff["intake_reviewer"])
    client.cookies["django_language"] = "zh-hans"
    text = text_of(client.get("/staff/triage/awaiting/"))
    assert "待分流" in text and "5 分钟" in text and "后台任务" in text
    run_queue()
    assert "暂无待分流的举报" in text_of(client.get("/staff/triage/awaiting/"))


def test_the_staff_home_and_menu_link_the_queue_for_the_triage_roles_only(w):
    for role, shown in (("intake_reviewer", True), ("dispatcher", True), ("verifier", False)):
        client = login_verified(Client(), w.staff[role])
        home = client.get("/staff/").content.decode()
        nav = home[home.index('class="staffnav"'):home.index("</nav>")]
        assert ('href="/staff/triage/awaiting/"' in nav) is shown, role
        assert (home.count('href="/staff/triage/awaiting/"') == 2) is shown, role


# --- the lag and /metrics -------------------------------------------------------------------

def test_lag_measures_the_waiting_reports_and_the_oldest(w, settings):
    settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS = 60
    empty = lag.measure()
    assert (empty.waiting, empty.late, empty.oldest_at, empty.oldest_seconds, empty.alert) == (0, 0, None, 0.0, False)
    first = age(submit(), 61)
    submit()
    measured = lag.measure()
    assert (measured.waiting, measured.late, measured.alert) == (2, 1, True)
    assert measured.oldest_at == Report.objects.get(pk=first.pk).created_at and 61 <= measured.oldest_seconds < 70
    age(first, 59)
    assert not lag.measure().alert


def _gauges(client: Client) -> dict[str, float]:
    text = client.get("/metrics").content.decode()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(cluedesk_triage_\w+) (\S+)$", text, re.M)}


def test_metrics_tell_how_many_wait_how_long_and_raise_the_alert(w, settings):
    settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS = 60
    client = Client()
    assert _gauges(client) == {"cluedesk_triage_waiting": 0, "cluedesk_triage_oldest_waiting_seconds": 0,
                               "cluedesk_triage_lag_alert": 0}
    report = age(submit(), 30)
    submit()
    g = _gauges(client)
    assert g["cluedesk_triage_waiting"] == 2 and 30 <= g["cluedesk_triage_oldest_waiting_seconds"] < 40
    assert g["cluedesk_triage_lag_alert"] == 0
    age(report, 120)
    assert _gauges(client)["cluedesk_triage_lag_alert"] == 1
    run_queue()
    assert _gauges(client) == {"cluedesk_triage_waiting": 0, "cluedesk_triage_oldest_waiting_seconds": 0,
                               "cluedesk_triage_lag_alert": 0}


# --- pages that assumed a clue right after submission -----------------------------------------

def test_the_staff_entry_says_the_report_awaits_triage_and_links_the_queue(w):
    client = login_verified(Client(), w.staff["intake_reviewer"])
    resp = client.post("/staff/reports/new/", {"channel": "phone", "text": TEXT, "place_text": "湖南省长沙市浏阳市"})
    assert resp.status_code == 201
    report = Report.objects.get()
    assert report.clue is None
    text = text_of(resp)
    assert f"Report #{report.pk}, received by phone call, is stored and awaiting triage" in text
    assert 'href="/staff/triage/awaiting/"' in resp.content.decode()
    assert "clue ." not in text and "/staff/clues//" not in resp.content.decode()


def test_the_reporter_status_page_shows_received_and_takes_messages_before_triage(w):
    report, code = intake.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    reporter = Client()
    assert reporter.post("/track/", {"code": code}).status_code == 303
    page = reporter.get("/track/status/")
    assert page.status_code == 200 and "<strong>Received</strong>" in page.content.decode()
    sent = reporter.post("/track/status/", {"body": "补充：他们开一辆白色面包车。"})
    assert sent.status_code == 303
    assert "白色面包车" in reporter.get("/track/status/?sent=1").content.decode()
    report.refresh_from_db()
    assert report.clue is None and report.messages.count() == 1


def test_the_clue_page_names_the_triage_event(w):
    report = submit()
    run_queue()
    report.refresh_from_db()
    page = login_verified(Client(), w.staff["intake_reviewer"]).get(f"/staff/clues/{report.clue.public_id}/")
    text = text_of(page)
    assert "Report triaged: grouped onto a clue" in text and "report.triaged" not in text


# --- the triage card while the charge model is not there yet --------------------------------------

def test_the_card_says_the_charge_model_is_training_or_missing(w):
    from cluedesk.ops import tasks
    from cluedesk.triage import tasks as triage_tasks

    report = submit(text="某村村霸强占土地，殴打村民。")
    run_queue()
    report.refresh_from_db()
    client = login_verified(Client(), w.staff["intake_reviewer"])
    url = f"/staff/clues/{report.clue.public_id}/"
    assert engine.charge_model() is None
    text = text_of(client.get(url))
    assert "No charge model yet: the category comes from keyword rules" in text
    tasks.enqueue_once(triage_tasks.train_triage)   # what the first start queues
    text = text_of(client.get(url))
    assert "The charge model is still being trained" in text and "keyword rules" in text
    client.cookies["django_language"] = "zh-hans"
    assert "罪名模型仍在训练" in text_of(client.get(url))


def test_a_sibling_county_unit_is_no_business_of_the_queue(w):
    other = make_unit("Panyu anti-gang office", "440113")
    outsider = make_staff("panyu-reviewer", other, "intake_reviewer")
    submit()
    body = login_verified(Client(), outsider).get("/staff/triage/awaiting/").content.decode()
    assert "Nothing is waiting" in body
