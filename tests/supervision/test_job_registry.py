"""The worker's jobs come from the registry (cluedesk/platform/registry.py ``registry["jobs"]``),
filled by each app's ``ready()`` importing its ``periodic`` module; the runner (cluedesk/ops/jobs.py)
imports no app's jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command

from cluedesk.ops import jobs
from cluedesk.platform.registry import jobs_in_order, registry, system_job
from cluedesk.supervision.models import JobState

pytestmark = pytest.mark.django_db

MINUTE, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)

# name -> (the module that registers it, how often it runs): names and periods are read by the
# JobState rows, /metrics and the freshness notes, and must not change
EXPECTED = {
    "stats": ("cluedesk.supervision.periodic", MINUTE),
    "escalation": ("cluedesk.supervision.periodic", 15 * MINUTE),
    "samples": ("cluedesk.supervision.periodic", HOUR),
    "bulletin": ("cluedesk.supervision.periodic", HOUR),
    "key_regions": ("cluedesk.supervision.periodic", HOUR),
    "prune_idempotency": ("cluedesk.intake.periodic", DAY),
    "requeue_stalled": ("cluedesk.ops.periodic", dt.timedelta(seconds=30)),
    "triage_retry": ("cluedesk.triage.periodic", 5 * MINUTE),
    "sealing": ("cluedesk.triage.periodic", 5 * MINUTE),
    "prune_tasks": ("cluedesk.ops.periodic", DAY),
    "retention": ("cluedesk.records.periodic", DAY),
    "compliance_clocks": ("cluedesk.compliance.periodic", 15 * MINUTE),
    "statistics": ("cluedesk.records.periodic", HOUR),
    "ledger_checkpoint": ("cluedesk.ledger.periodic", MINUTE),
}


@pytest.fixture
def only_jobs() -> Iterator[Callable[..., None]]:
    """Keep only the named jobs in the registry for the test; put every job back afterwards."""
    store = registry["jobs"]
    saved = dict(store)

    def keep(*names: str) -> None:
        for name in list(store):
            if name not in names:
                del store[name]

    yield keep
    store.clear()
    store.update(saved)


def test_every_job_is_registered_by_the_app_that_owns_its_work_with_its_name_and_period():
    found = {job.name: (job.run.__module__, job.every) for job in registry["jobs"].values()}
    assert found == EXPECTED


def test_the_ledger_checkpoint_runs_last():
    names = [job.name for job in jobs_in_order()]
    assert names[-1] == "ledger_checkpoint"
    assert names[0] == "stats"  # the figures first: the bulletin reads them


def _job_results(caplog) -> dict:
    """What the worker said it ran: its JSON log lines (``cluedesk.worker``, event "job")."""
    return {r.job: r.result for r in caplog.records if getattr(r, "event", "") == "job"}


def test_a_job_registered_by_an_apps_ready_is_run_by_the_worker(only_jobs, caplog):
    caplog.set_level("INFO", logger="cluedesk.worker")
    assert registry["jobs"]["prune_idempotency"].run.__module__ == "cluedesk.intake.periodic"
    only_jobs("prune_idempotency")
    call_command("worker", "--once", "--no-tasks")
    assert _job_results(caplog)["prune_idempotency"] == {"deleted": 0}
    assert JobState.objects.get(pk="prune_idempotency").last_finished is not None


def test_a_job_added_to_the_registry_is_run_by_the_worker_when_due(only_jobs, caplog):
    caplog.set_level("INFO", logger="cluedesk.worker")
    only_jobs()
    calls: list[dt.datetime] = []

    @system_job("test_probe", every=HOUR)
    def probe(now: dt.datetime) -> dict[str, int]:
        calls.append(now)
        return {"calls": len(calls)}

    call_command("worker", "--once", "--no-tasks")
    assert _job_results(caplog)["test_probe"] == {"calls": 1}
    assert jobs.run("test_probe") is None  # not due again within the hour
    assert len(calls) == 1


def test_registering_a_second_function_under_a_taken_name_raises():
    taken = registry["jobs"]["stats"]

    with pytest.raises(ValueError, match="already registered"):
        @system_job("stats", every=MINUTE, order=10)
        def another(now: dt.datetime) -> dict[str, int]:
            return {}

    assert registry["jobs"]["stats"] is taken
    # the same function again (its module imported a second time) is harmless
    system_job("stats", every=taken.every, order=taken.order)(taken.run)
    assert registry["jobs"]["stats"].run is taken.run
