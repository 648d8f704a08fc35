"""Clocks and oral records of a report that is stored and still awaiting triage (no clue: the
queue has not run), as every report is for a moment after it arrives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cluedesk.compliance import clocks
from cluedesk.compliance.models import OralRecord, ReportClock
from cluedesk.intake import services as intake
from cluedesk.ledger.services import Actor
from cluedesk.supervision.models import Notification
from tests.queue import run_queue

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
TEXT = "菜市场有一伙人每周向摊主收取保护费，不给就砸摊。"


@pytest.fixture
def w(org_world, national_profile):
    from cluedesk.intake import places

    places.reset()
    return org_world


def _submit(place: str = "湖南省长沙市浏阳市"):
    report, _code = intake.submit_report(text=TEXT, place_text=place, channel="web", actor=Actor.reporter())
    assert report.clue_id is None and report.division_id == "430181"
    return report


def test_a_clock_starts_for_a_report_awaiting_triage_in_the_reports_own_division(w):
    report = _submit()
    now = timezone.now()
    assert clocks.run(now)["started"] == 1
    c = ReportClock.objects.get(report=report)
    assert c.division_id == "430181" and c.unit == w.county


def test_a_missed_deadline_of_a_report_awaiting_triage_names_the_report_and_links_the_queue(w, settings):
    settings.SITE_URL = "https://cluedesk.example"
    report = _submit()
    clocks.run(timezone.now())
    clocks.run(timezone.now() + 16 * DAY)
    n = Notification.objects.get(unit=w.county)
    assert f"report #{report.pk}, awaiting triage" in n.subject and "clue" not in n.subject
    assert "https://cluedesk.example/staff/triage/awaiting/" in n.body


def test_the_clocks_page_says_awaiting_triage_instead_of_a_clue(w, staff_client):
    report = _submit()
    clocks.run(timezone.now())
    body = staff_client(w.staff["dispatcher"]).get("/staff/compliance/clocks/?state=all").content.decode()
    assert body.count('id="clock-') == 1 and "awaiting triage" in body
    run_queue()
    report.refresh_from_db()
    body = staff_client(w.staff["dispatcher"]).get("/staff/compliance/clocks/?state=all").content.decode()
    assert f"/staff/clues/{report.clue.public_id}/" in body and "awaiting triage" not in body


def test_an_oral_record_is_visible_to_its_county_before_triage_and_not_to_the_sibling(w, staff_client):
    client = staff_client(w.staff["intake_reviewer"])
    resp = client.post("/staff/reports/new/", {
        "channel": "phone", "text": TEXT, "place_text": "湖南省长沙市浏阳市", "oral-kind": "minutes",
        "oral-minutes": "来电人称：菜市场有人收保护费。"})
    assert resp.status_code == 201
    record = OralRecord.objects.get()
    assert record.report.clue_id is None and record.report.division_id == "430181"
    mine = staff_client(w.staff["verifier"])
    assert f"/staff/compliance/oral/{record.pk}/" in mine.get("/staff/compliance/oral/").content.decode()
    detail = mine.get(f"/staff/compliance/oral/{record.pk}/")
    assert detail.status_code == 200 and "awaiting triage" in detail.content.decode()
    sibling = staff_client(w.other_staff["verifier"])
    assert f"/staff/compliance/oral/{record.pk}/" not in sibling.get("/staff/compliance/oral/").content.decode()
    assert sibling.get(f"/staff/compliance/oral/{record.pk}/").status_code == 404
