import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify
from cluedesk.ops import jobs
from cluedesk.supervision.models import Bulletin, JobState, SampleMonth
from tests.org.factories import make_division, make_unit

from .helpers import new_clue

pytestmark = pytest.mark.django_db


@pytest.fixture
def small():
    make_unit("N", "000000")
    make_unit("L", "430181")
    new_clue(make_division("430181"))


def test_a_job_held_by_another_worker_is_skipped(small):
    if connection.vendor == "postgresql":
        import psycopg

        settings_dict = connection.settings_dict
        other = psycopg.connect(host=settings_dict["HOST"] or None, port=settings_dict["PORT"] or None,
                                user=settings_dict["USER"], password=settings_dict["PASSWORD"] or None,
                                dbname=settings_dict["NAME"], autocommit=True)
        try:
            other.execute("SELECT pg_advisory_lock(%s)", [jobs._lock_key("stats")])
            assert jobs.run("stats", force=True) is None
            other.execute("SELECT pg_advisory_unlock(%s)", [jobs._lock_key("stats")])
            assert jobs.run("stats", force=True) is not None
        finally:
            other.close()
        return
    jobs.run("stats", force=True)
    JobState.objects.filter(pk="stats").update(holder="elsewhere:1", lease_until=timezone.now() + dt.timedelta(minutes=5))
    assert jobs.run("stats", force=True) is None
    # a lease left by a crashed worker expires
    JobState.objects.filter(pk="stats").update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert jobs.run("stats", force=True) is not None
    assert JobState.objects.get(pk="stats").holder == ""


def test_the_worker_runs_every_job_once_and_a_rerun_repeats_nothing(small, caplog):
    caplog.set_level("INFO", logger="cluedesk.worker")
    call_command("worker", "--once")
    ran = {r.job for r in caplog.records if getattr(r, "event", "") == "job"}  # JSON log lines on stderr
    assert {"stats", "samples", "bulletin"} <= ran
    this_month = timezone.localtime().date().replace(day=1)
    assert SampleMonth.objects.filter(month=this_month).exists()
    assert Bulletin.objects.count() == 2        # last month: the nation and the one province
    events = Event.objects.count()
    jobs.run_all(force=True)                    # forced again: nothing new to do
    assert Event.objects.count() == events
    assert verify().ok


def test_a_crash_part_way_resumes_without_doing_work_twice(small, monkeypatch):
    """The bulletin job dies after the first scope: the next run issues only the remaining one."""
    from cluedesk.supervision import bulletins

    real = bulletins.issue
    calls = []

    def flaky(division, month):
        calls.append(division.code)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(division, month)

    monkeypatch.setattr(bulletins, "issue", flaky)
    result = jobs.run_all(force=True)
    assert "error" in result["bulletin"]
    assert Bulletin.objects.count() == 1
    assert "worker killed" in JobState.objects.get(pk="bulletin").last_error
    monkeypatch.setattr(bulletins, "issue", real)
    jobs.run_all(force=True)
    assert Bulletin.objects.count() == 2
    assert Event.objects.filter(verb="bulletin.issue").count() == 2


def test_the_worker_forgets_idempotency_keys_older_than_two_days(small):
    from cluedesk.intake.models import IdempotencyRecord
    from cluedesk.intake.services import IdempotencyClaim, submit_report
    from cluedesk.ledger.services import Actor

    for key in ("old", "new"):
        submit_report(text="有人在镇上开设赌场，长期聚众赌博。", channel="api:desk", actor=Actor.channel("desk"),
                      idempotency=IdempotencyClaim(channel="desk", key=key, body_hash=key * 8))
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - dt.timedelta(days=3))
    assert jobs.run("prune_idempotency", force=True) == {"deleted": 1}
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_worker_claims_tasks_of_one_kind_together_and_puts_back_what_it_did_not_run():
    """--claim N: one transaction claims several triage tasks; stopping after two (--max-tasks)
    leaves the others READY with the claim undone (no attempt counted), and a later run does them."""
    import io

    from django_tasks_db.models import DBTaskResult

    from cluedesk.intake.services import submit_report
    from cluedesk.ledger.services import Actor

    for n in range(5):
        submit_report(text=f"第{n}个举报：有人在镇上开设赌场，长期聚众赌博。", channel="web", actor=Actor.reporter())
    claims = []
    real = DBTaskResult.claim

    def counting(self, worker_id):
        claims.append((self.id, DBTaskResult.objects.filter(status="RUNNING").count()))
        return real(self, worker_id)

    DBTaskResult.claim = counting
    try:
        call_command("worker", "--batch", "--claim", "4", "--max-tasks", "2", stdout=io.StringIO())
    finally:
        DBTaskResult.claim = real
    assert len(claims) == 4 and [running for _id, running in claims] == [0, 1, 2, 3]  # all in one go
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == ["READY", "READY", "READY", "SUCCESSFUL", "SUCCESSFUL"]
    assert all(not t.worker_ids for t in DBTaskResult.objects.filter(status="READY"))
    call_command("worker", "--batch", stdout=io.StringIO())
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
