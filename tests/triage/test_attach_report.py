"""Triage after commit: ``attach_report`` in its own transaction, once per report, whatever
happened meanwhile (a sharing report indexed, the candidate clue closed, a re-run)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from cluedesk.clues.models import Clue
from cluedesk.intake import services as intake
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, verify
from cluedesk.triage import services as triage
from cluedesk.triage.models import BandKey, EntityKey, ReportIndex
from tests.queue import run_queue

from .test_services import ORIGINAL, RE_REPORT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _models(shipped_models: None) -> None:
    """The shipped same-matter model, no charge model (tests/triage/conftest.py)."""


def accept(text: str) -> Report:
    report, _code = intake.submit_report(text=text, channel="web", actor=Actor.reporter())
    return report


def test_a_report_waits_with_no_clue_until_its_task_runs_then_is_on_one() -> None:
    report = accept(ORIGINAL)
    assert list(triage.awaiting_triage()) == [report]
    assert not ReportIndex.objects.exists()
    run_queue()
    report.refresh_from_db()
    assert report.clue is not None and not triage.awaiting_triage().exists()


def test_a_second_run_changes_nothing() -> None:
    report = accept(ORIGINAL)
    first = triage.attach_report(report.pk)
    counts = (ReportIndex.objects.count(), BandKey.objects.count(), EntityKey.objects.count(),
              Clue.objects.count(), Event.objects.filter(verb="report.triaged").count())
    assert first is not None and triage.attach_report(report.pk) is None
    run_queue()  # the queued task finds it done
    assert counts == (ReportIndex.objects.count(), BandKey.objects.count(), EntityKey.objects.count(),
                      Clue.objects.count(), Event.objects.filter(verb="report.triaged").count())
    assert counts[0] == 1 and counts[3] == 1 and counts[4] == 1


def test_a_report_gone_before_its_task_is_left_alone() -> None:
    assert triage.attach_report(987654) is None


@pytest.mark.skipif(connection.vendor == "postgresql", reason=(
    "SQLite's path: the lookup runs before BEGIN there; on PostgreSQL it runs after the advisory "
    "locks (tests/triage/test_concurrency.py races real threads for it)"))
def test_a_sharing_report_indexed_after_the_lookup_is_seen_under_the_lock(monkeypatch) -> None:
    """On SQLite the lookup runs before BEGIN; when a report sharing a key is indexed between the
    lookup and the lock, the lookup is repeated inside, so both end on one clue."""
    first, second = accept(ORIGINAL), accept(RE_REPORT)
    real = triage.candidates
    calls = {"n": 0}

    def lookup_then_the_other_worker_commits(analysis: Any, *args: Any, **kwargs: Any) -> Any:
        found = real(analysis, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:  # second's early lookup: now "another worker" triages first
            monkeypatch.setattr(triage, "candidates", real)
            assert triage.attach_report(first.pk) is not None
        return found

    monkeypatch.setattr(triage, "candidates", lookup_then_the_other_worker_commits)
    decision = triage.attach_report(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert decision is not None and decision["decision"] == "attached"
    assert first.clue_id == second.clue_id and first.clue.report_count == 2


def test_a_candidate_clue_closed_since_the_lookup_is_not_joined(monkeypatch) -> None:
    first = accept(ORIGINAL)
    triage.attach_report(first.pk)
    first.refresh_from_db()
    second = accept(RE_REPORT)
    real = triage.candidates

    def lookup_then_the_clue_is_closed(analysis: Any, *args: Any, **kwargs: Any) -> Any:
        found = real(analysis, *args, **kwargs)
        Clue.objects.filter(pk=first.clue_id).update(state="invalid")
        return found

    monkeypatch.setattr(triage, "candidates", lookup_then_the_clue_is_closed)
    decision = triage.attach_report(second.pk)
    second.refresh_from_db()
    assert decision is not None and decision["decision"] == "opened"
    assert second.clue_id != first.clue_id
    assert Clue.objects.get(pk=first.clue_id).report_count == 1


def test_a_failure_inside_triage_keeps_the_report_waiting_and_writes_nothing(monkeypatch) -> None:
    report = accept(ORIGINAL)
    events = Event.objects.count()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ledger full")

    monkeypatch.setattr(triage, "record", broken)
    with pytest.raises(RuntimeError):
        triage.attach_report(report.pk)
    report.refresh_from_db()
    assert report.clue is None and not ReportIndex.objects.exists() and not Clue.objects.exists()
    assert Event.objects.count() == events
    monkeypatch.undo()
    assert triage.attach_report(report.pk) is not None and verify().ok


def test_triage_waiting_attaches_every_waiting_report_oldest_first() -> None:
    reports = [accept(ORIGINAL), accept(RE_REPORT)]
    assert triage.triage_waiting() == 2
    clues = {Report.objects.get(pk=r.pk).clue_id for r in reports}
    assert len(clues) == 1 and None not in clues
    assert triage.triage_waiting() == 0


def test_a_report_whose_task_failed_is_queued_again_and_one_with_a_live_task_is_not() -> None:
    import datetime as dt

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from cluedesk.triage.tasks import requeue_waiting

    failed, live = accept(ORIGINAL), accept(RE_REPORT)
    Report.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert requeue_waiting(older_than=60) == 0  # both still have their READY task
    task_of = {t.args_kwargs["args"][0]: t for t in DBTaskResult.objects.all()}
    DBTaskResult.objects.filter(id=task_of[failed.pk].id).update(status="FAILED")
    assert requeue_waiting(older_than=60) == 1
    args = [t["args"][0] for t in DBTaskResult.objects.values_list("args_kwargs", flat=True)]
    assert args.count(failed.pk) == 2 and args.count(live.pk) == 1  # only the one without a live task
    assert requeue_waiting(older_than=60) == 0  # idempotent: the new task is live
    assert requeue_waiting(older_than=7200) == 0  # not waiting that long yet
    run_queue()
    assert not triage.awaiting_triage().exists()


def test_a_clue_opened_late_is_received_when_its_first_report_was() -> None:
    import datetime as dt

    from django.utils import timezone

    report = accept(ORIGINAL)
    received = timezone.now() - dt.timedelta(days=40)
    Report.objects.filter(pk=report.pk).update(created_at=received)
    run_queue()
    report.refresh_from_db()
    assert report.clue.created_at == received
