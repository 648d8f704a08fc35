"""Figures maintained by the stats job say how old they are, and warn when the workers seem
stopped; the dashboard warns when reports wait for triage too long; the facts follow a report
put on a clue after it was counted."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
from django.test import Client
from django.utils import timezone

from cluedesk.intake.models import Report
from cluedesk.supervision import freshness, stats
from cluedesk.supervision.models import ClueStat, JobState
from tests.org.factories import login_verified, make_division, make_staff, world
from tests.queue import run_queue

from .helpers import new_clue

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = world(with_clues=False)
    new_clue(make_division("430181"))
    stats.rebuild(timezone.now())
    return w


def finished(ago: dt.timedelta | None) -> None:
    JobState.objects.filter(pk="stats").update(last_finished=None if ago is None else timezone.now() - ago)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_freshness_is_stale_past_twice_the_jobs_period(w):
    now = timezone.now()
    finished(dt.timedelta(seconds=110))
    f = freshness.of("stats", now)
    assert f.every == dt.timedelta(minutes=1) and not f.never and not f.stale
    finished(dt.timedelta(seconds=130))
    assert freshness.of("stats").stale
    finished(None)
    f = freshness.of("stats")
    assert f.never and f.stale


def test_the_dashboard_says_when_the_figures_were_refreshed(w):
    finished(dt.timedelta(seconds=20))
    text = text_of(login_verified(Client(), w.staff["supervisor"]).get("/staff/supervision/"))
    assert "Figures refreshed at" in text and "may be stopped" not in text


def test_old_figures_are_flagged_with_their_age_and_the_period(w):
    finished(dt.timedelta(minutes=14, seconds=10))
    client = login_verified(Client(), w.staff["supervisor"])
    text = text_of(client.get("/staff/supervision/"))
    assert ("These figures were last refreshed 14 minutes ago" in text
            and "they are refreshed every minute when the workers run" in text and "cluedesk serve" in text)
    client.cookies["django_language"] = "zh-hans"
    text = text_of(client.get("/staff/supervision/"))
    assert "14 分钟前" in text and "每分钟" in text


def test_figures_never_computed_say_so(w):
    finished(None)
    text = text_of(login_verified(Client(), w.staff["supervisor"]).get("/staff/supervision/"))
    assert "These figures have never been computed" in text and "every minute" in text


def test_the_bulletin_shows_when_its_figures_were_refreshed_and_warns_when_old(w):
    boss = make_staff("national-supervisor", w.nation, "supervisor")
    client = login_verified(Client(), boss)
    finished(dt.timedelta(seconds=20))
    text = text_of(client.get("/staff/supervision/bulletin/?division=430100"))
    assert "Figures refreshed" in text and "last refreshed" not in text
    finished(dt.timedelta(hours=3))
    text = text_of(client.get("/staff/supervision/bulletin/?division=430100"))
    assert "These figures were last refreshed 3 hours ago" in text


def _waiting(division_code: str, seconds: float) -> Report:
    report = Report.objects.create(tracking_hash=secrets.token_hex(32), channel="web", text="x",
                                   division=make_division(division_code))
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - dt.timedelta(seconds=seconds))
    return report


def test_the_dashboard_warns_when_reports_in_its_territory_wait_for_triage_too_long(w, settings):
    settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS = 60
    finished(dt.timedelta(seconds=5))
    client = login_verified(Client(), w.staff["supervisor"])
    _waiting("430102", 600)                                   # the sibling county's: not this supervisor's
    assert "waited for triage" not in text_of(client.get("/staff/supervision/"))
    _waiting("430181", 30)
    assert "waited for triage" not in text_of(client.get("/staff/supervision/"))
    _waiting("430181", 7 * 60)
    text = text_of(client.get("/staff/supervision/"))
    assert "1 report has waited for triage longer than 1 minute." in text
    assert "The oldest has waited 7 minutes." in text and "cluedesk serve" in text
    # a supervisor may not open the queue itself: no link to a page that would refuse them
    assert "/staff/triage/awaiting/" not in client.get("/staff/supervision/").content.decode().split("</nav>", 1)[1]


def test_a_report_triaged_after_it_was_counted_still_reaches_its_clues_figures(w):
    """The stats job counts settled reports; one still awaiting triage names no clue. When a worker
    later puts it on an existing clue, the clue's repeat count must follow (report.triaged)."""
    from cluedesk.intake import places
    from cluedesk.intake import services as intake
    from cluedesk.ledger.services import Actor
    from cluedesk.triage import engine

    places.reset()
    engine.use(reset=True)
    text = ("2015年3月22日晚11时许，王某与妻子等人在浏阳市集里街道零点酒吧大厅内娱乐，因琐事王某与被害人金某发生争执，"
            "后王某随手从卡座上拿起一个啤酒瓶，砸碎后戳在被害人金某的左脸，致使被害人金某受伤。")
    first, _ = intake.submit_report(text=text, place_text="湖南省长沙市浏阳市", channel="web", actor=Actor.reporter())
    run_queue()
    first.refresh_from_db()
    again, _ = intake.submit_report(text="希望有关部门查一查，" + text + "请尽快调查！", place_text="湖南省长沙市浏阳市",
                                    channel="web", actor=Actor.reporter())
    later = timezone.now() + stats.REPORT_SETTLE + dt.timedelta(minutes=1)
    stats.refresh(later)                                           # counted while awaiting triage
    assert Report.objects.get(pk=again.pk).clue_id is None
    assert ClueStat.objects.get(clue=first.clue).repeat_reports == 0
    run_queue()                                                    # the worker comes back
    assert Report.objects.get(pk=again.pk).clue_id == first.clue_id
    stats.refresh(later + dt.timedelta(minutes=1))
    assert ClueStat.objects.get(clue=first.clue).repeat_reports == 1
    counts, days = stats.stored_cells()
    assert (counts, days) == stats.full_cells(later + dt.timedelta(minutes=1)).normalized()
