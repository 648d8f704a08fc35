"""Each clock across time, with the time passed in (``now=``): due, reminded, missed and
escalated, met, extended. No sleeping."""

from __future__ import annotations

import datetime as dt

import pytest

from cluedesk.compliance import clocks, services
from cluedesk.compliance.models import ReportClock
from cluedesk.deployment.models import Deployment
from cluedesk.deployment.services import set_profile
from cluedesk.intake import services as intake
from cluedesk.intake.models import PublicStep
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, verify
from cluedesk.supervision.models import Notification

from .conftest import T0, at, make_report

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def w(org_world, national_profile):
    return org_world


def test_a_clock_starts_at_receipt_with_the_profiles_deadlines(w):
    report = make_report(w.clue_in)
    assert clocks.run(T0 + DAY)["started"] == 1
    c = ReportClock.objects.get(report=report)
    assert c.received_at == T0 and c.ack_due == T0 + 15 * DAY and c.feedback_due == T0 + 75 * DAY
    assert c.unit == w.county and c.division == w.county.division and c.profile_key == "national_anti_gang"
    assert clocks.run(T0 + DAY)["started"] == 0  # once


def test_reports_received_before_the_clocks_took_effect_are_not_clocked(w):
    Deployment.objects.filter(pk=1).update(clocks_from=T0 + DAY)
    make_report(w.clue_in, T0)
    assert clocks.run(T0 + 2 * DAY)["started"] == 0


def test_a_profile_without_clocks_starts_none(w):
    set_profile("custom", {"acknowledge_days": "", "feedback_days": "", "feedback_days_extended": ""},
                actor=Actor.system("t"), now=T0 - DAY)
    make_report(w.clue_in)
    assert clocks.run(T0 + DAY)["started"] == 0


def test_acknowledgment_due_is_reminded_once_before_it_falls_due(w):
    make_report(w.clue_in)
    clocks.run(T0 + DAY)
    assert not Notification.objects.exists()
    out = clocks.run(T0 + 12 * DAY + dt.timedelta(hours=1))  # 3 days (remind_before_days) before day 15
    assert out["reminded"] == 1 and out["escalated"] == 0
    n = Notification.objects.get()
    assert n.unit == w.county and "acknowledgment" in n.subject
    ev = Event.objects.get(verb="compliance.clock_reminded")
    assert ev.data["clock"] == "ack" and ev.data["units"] == [w.county.pk]
    assert clocks.run(T0 + 13 * DAY)["reminded"] == 0 and Notification.objects.count() == 1


def test_a_missed_acknowledgment_is_escalated_to_the_unit_and_the_unit_above_once(w):
    report = make_report(w.clue_in)
    clocks.run(T0 + 16 * DAY)
    c = ReportClock.objects.get(report=report)
    assert c.ack_escalated_at == T0 + 16 * DAY and c.acknowledged_at is None
    assert set(Notification.objects.values_list("unit_id", flat=True)) == {w.county.pk, w.city.pk}
    ev = Event.objects.get(verb="compliance.clock_missed")
    assert ev.data["clock"] == "ack" and set(ev.data["units"]) == {w.county.pk, w.city.pk}
    clocks.run(T0 + 17 * DAY)
    assert Event.objects.filter(verb="compliance.clock_missed").count() == 1
    assert verify().ok


def test_a_staff_message_in_time_acknowledges_and_stops_the_reminder(w):
    report = make_report(w.clue_in)
    at(intake.post_staff_message(report, "已收到", acting_user=w.staff["intake_reviewer"]), T0 + 3 * DAY)
    clocks.run(T0 + 14 * DAY)
    c = ReportClock.objects.get(report=report)
    assert c.acknowledged_at == T0 + 3 * DAY and c.ack_reminded_at is None
    assert not Event.objects.filter(verb__startswith="compliance.clock_").exists()


def test_a_public_step_on_the_clue_acknowledges_and_a_verifying_step_is_feedback(w):
    report = make_report(w.clue_in)
    step = PublicStep.objects.create(clue=w.clue_in, kind="under_review", outcome="")
    at(step, T0 + 20 * DAY)  # late
    clocks.run(T0 + 21 * DAY)
    c = ReportClock.objects.get(report=report)
    assert c.acknowledged_at == T0 + 20 * DAY and c.feedback_at is None
    assert c.ack_escalated_at is None  # acknowledged (late) before the job saw the deadline pass
    at(PublicStep.objects.create(clue=w.clue_in, kind="verifying", outcome=""), T0 + 40 * DAY)
    clocks.run(T0 + 41 * DAY)
    c.refresh_from_db()
    assert c.feedback_at == T0 + 40 * DAY


def test_a_step_from_before_the_report_does_not_count(w):
    at(PublicStep.objects.create(clue=w.clue_in, kind="verifying", outcome=""), T0 - DAY)
    report = make_report(w.clue_in)
    clocks.run(T0 + DAY)
    c = ReportClock.objects.get(report=report)
    assert c.acknowledged_at is None and c.feedback_at is None


def test_a_phone_report_taken_by_staff_is_acknowledged_at_receipt(w):
    report = make_report(w.clue_in, channel="phone", entered_by=w.staff["intake_reviewer"])
    clocks.run(T0 + DAY)
    assert ReportClock.objects.get(report=report).acknowledged_at == T0


def test_missed_feedback_is_escalated(w):
    report = make_report(w.clue_in)
    at(intake.post_staff_message(report, "已收到", acting_user=w.staff["intake_reviewer"]), T0 + DAY)
    out = clocks.run(T0 + 76 * DAY)
    assert out["escalated"] == 1
    ev = Event.objects.get(verb="compliance.clock_missed")
    assert ev.data["clock"] == "feedback"


def test_feedback_extension_moves_the_deadline_with_a_reason_on_record(w):
    report = make_report(w.clue_in)
    clocks.run(T0 + DAY)
    c = ReportClock.objects.get(report=report)
    with pytest.raises(services.ComplianceError):
        services.extend_feedback(c, "short", acting_user=w.staff["dispatcher"], now=T0 + 70 * DAY)
    assert not Event.objects.filter(verb="compliance.feedback_extended").exists()
    services.extend_feedback(c, "evidence must come from another province", acting_user=w.staff["dispatcher"],
                             now=T0 + 70 * DAY)
    c.refresh_from_db()
    assert c.feedback_due == T0 + 105 * DAY and c.extended_by == w.staff["dispatcher"]
    ev = Event.objects.get(verb="compliance.feedback_extended")
    assert ev.data["before"] == (T0 + 75 * DAY).isoformat() and "reason_sha256" in ev.data
    assert clocks.run(T0 + 80 * DAY)["escalated"] == 1  # only the acknowledgment, not feedback
    assert Event.objects.get(verb="compliance.clock_missed").data["clock"] == "ack"
    with pytest.raises(services.ComplianceError, match="already extended"):
        services.extend_feedback(c, "and once more, for good measure", acting_user=w.staff["dispatcher"])
    clocks.run(T0 + 106 * DAY)
    assert Event.objects.filter(verb="compliance.clock_missed").count() == 2


def test_a_profile_without_an_extended_period_refuses_extensions(w):
    set_profile("eu_internal", {}, actor=Actor.system("t"), now=T0 - DAY)
    report = make_report(w.clue_in)
    clocks.run(T0 + DAY)
    with pytest.raises(services.ComplianceError, match="allows no extension"):
        services.extend_feedback(ReportClock.objects.get(report=report), "a good long reason here",
                                 acting_user=w.staff["dispatcher"])


def test_the_unit_follows_the_clue_when_it_is_assigned(w):
    report = make_report(w.clue_in)
    clocks.run(T0 + DAY)
    type(w.clue_in).objects.filter(pk=w.clue_in.pk).update(unit=w.city)
    clocks.run(T0 + 2 * DAY)
    assert ReportClock.objects.get(report=report).unit == w.city
