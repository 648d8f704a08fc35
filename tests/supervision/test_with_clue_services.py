"""The figures and the escalation scan follow a clue walked through the real clue verbs."""

import datetime as dt

import pytest
from django.utils import timezone

from cluedesk.clues import services
from cluedesk.clues.models import Clue
from cluedesk.intake import services as intake
from cluedesk.ledger.services import Actor, verify
from cluedesk.org.models import Division
from cluedesk.supervision import services as supervision
from cluedesk.supervision import stats
from cluedesk.triage import services as triage_services
from tests.clues.conftest import world  # noqa: F401 - the clue workflow's fixture
from tests.queue import run_queue

pytestmark = pytest.mark.django_db


def _equal(now):
    assert stats.stored_cells() == stats.full_cells(now).normalized()


def test_facts_and_escalation_follow_the_clue_verbs(world, monkeypatch):  # noqa: F811
    w = world

    def attach_or_open(report, *precomputed):
        clue = Clue.objects.create(division=w.divisions["430102"], report_count=1)
        return clue, {"clue": clue.public_id, "decision": "opened"}

    monkeypatch.setattr(triage_services, "attach_or_open", attach_or_open)
    report, _code = intake.submit_report(text="A gang runs the sand quarry and beats villagers.", place_text="Furong",
                                         channel="web", actor=Actor.reporter())
    run_queue()  # triage, as a worker would a moment later
    report.refresh_from_db()
    clue = report.clue
    later = timezone.now() + dt.timedelta(minutes=5)   # the report has settled
    stats.refresh(later)
    _equal(later)
    month = stats.month_of(clue.created_at)
    nation = Division.objects.get(code="000000")

    services.screen_valid(clue, acting_user=w.reviewer, division="430102", version=1)
    clue.refresh_from_db()
    services.assign(clue, acting_user=w.dispatcher, unit=w.units["K1"], mode="local", version=clue.version)
    clue.refresh_from_db()
    stats.refresh(later)
    _equal(later)
    figures = stats.one(nation, month, month)
    assert (figures.valid, figures.dispatched, figures.concluded, figures.overdue) == (1, 1, 0, 0)

    # the deadline passes with no event at all: the next refresh counts it overdue, the scan escalates
    past_deadline = clue.deadline + dt.timedelta(days=1)
    stats.refresh(past_deadline)
    _equal(past_deadline)
    assert stats.one(nation, month, month).overdue == 1
    escalated = supervision.scan(past_deadline).escalated
    assert [(i.flag, i.action, i.target_unit_id) for i in escalated] == [("overdue", "upgrade", w.units["C1"].pk)]
    assert escalated[0].supervisor == w.supervisor

    services.start_verification(clue, acting_user=w.verifier, version=clue.version)
    clue.refresh_from_db()
    services.draft_conclusion(clue, acting_user=w.verifier, finding="substantiated", outcome="criminal_case",
                              case_number="CS-1", summary="s", public_wording="p", version=clue.version)
    for signer in (w.sig1, w.sig2, w.sig3):
        services.sign(clue, acting_user=signer)
    clue.refresh_from_db()
    services.conclude(clue, acting_user=w.dispatcher, version=clue.version)
    stats.refresh(past_deadline)
    _equal(past_deadline)
    figures = stats.one(nation, month, month)
    assert (figures.concluded, figures.cases, figures.overdue, figures.verification_rate, figures.case_rate) == (
        1, 1, 0, 1.0, 1.0)
    assert supervision.scan(past_deadline).closed == 1   # concluded: the overdue item is closed
    assert verify().ok
