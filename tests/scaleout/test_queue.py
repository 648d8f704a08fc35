"""The queue and `cluedesk worker`: tasks run once, a dead worker's task is run again by another,
SIGTERM finishes the task in hand, several workers share one queue."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cluedesk.ops import jobs, tasks
from cluedesk.platform.registry import registry
from cluedesk.triage import tasks as triage_tasks

from .helpers import CLUEDESK, ROOT, run, scratch_database

pytestmark = pytest.mark.django_db


def test_the_worker_runs_a_queued_task_once(caplog):
    result = tasks.sleep_then_mark.enqueue("once", 0)
    call_command("worker", "--once", "--no-jobs")
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "SUCCESSFUL" and len(row.worker_ids) == 1
    assert cache.get("cluedesk:drill:once:runs") == 1
    call_command("worker", "--once", "--no-jobs")  # nothing left: not run again
    assert cache.get("cluedesk:drill:once:runs") == 1
    said = [r for r in caplog.records if r.name == "cluedesk.worker" and getattr(r, "event", "") == "task"]
    assert [(r.task, r.id, r.status) for r in said] == [("sleep_then_mark", str(result.id), "SUCCESSFUL")]


def test_a_failing_task_is_marked_failed_and_the_worker_goes_on():
    bad = tasks.sleep_then_mark.enqueue("bad", "not a number")
    good = tasks.sleep_then_mark.enqueue("good", 0)
    call_command("worker", "--once", "--no-jobs")
    assert DBTaskResult.objects.get(id=bad.id).status == "FAILED"
    assert DBTaskResult.objects.get(id=good.id).status == "SUCCESSFUL"


def test_enqueue_once_does_not_queue_the_same_work_twice():
    assert tasks.enqueue_once(tasks.sleep_then_mark, "x", 1) is not None
    assert tasks.enqueue_once(tasks.sleep_then_mark, "x", 1) is None
    assert tasks.enqueue_once(tasks.sleep_then_mark, "y", 1) is not None
    assert DBTaskResult.objects.count() == 2


def _running(name: str, worker: str, started: dt.datetime) -> DBTaskResult:
    result = tasks.sleep_then_mark.enqueue(name, 0)
    DBTaskResult.objects.filter(id=result.id).update(status="RUNNING", worker_ids=[worker], started_at=started)
    return DBTaskResult.objects.get(id=result.id)


def test_a_task_whose_worker_stopped_beating_goes_back_on_the_queue(settings):
    settings.CLUEDESK_TASK_MAX_ATTEMPTS = 2
    now = timezone.now()
    old = now - dt.timedelta(seconds=120)
    dead = _running("dead", "host:1:dead", old)
    tasks.beat("host:2:alive")
    living = _running("alive", "host:2:alive", old)
    fresh = _running("fresh", "host:3:new", now)  # claimed a moment ago: its first beat may be on its way
    assert tasks.requeue_stalled(now) == {"requeued": 1, "failed": 0}
    assert DBTaskResult.objects.get(id=dead.id).status == "READY"
    assert DBTaskResult.objects.get(id=living.id).status == "RUNNING"
    assert DBTaskResult.objects.get(id=fresh.id).status == "RUNNING"
    # the same task lost by a second worker: attempts used up → FAILED, not an endless loop
    DBTaskResult.objects.filter(id=dead.id).update(status="RUNNING", worker_ids=["a", "b"], started_at=old)
    assert tasks.requeue_stalled(now) == {"requeued": 0, "failed": 1}
    lost = DBTaskResult.objects.get(id=dead.id)
    assert lost.status == "FAILED" and lost.exception_class_path.endswith("WorkerLost")


def test_the_requeue_job_is_in_the_jobs_registry_and_runs():
    _running("dead", "host:1:dead", timezone.now() - dt.timedelta(minutes=5))
    assert jobs.run("requeue_stalled", force=True) == {"requeued": 1, "failed": 0}
    job = registry["jobs"]["prune_tasks"]
    assert callable(job.run) and job.every == dt.timedelta(days=1)


def test_first_start_queues_the_triage_training_instead_of_a_subprocess(settings, tmp_path, monkeypatch):
    from cluedesk.ops.bootstrap import start_triage_training

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("CLUEDESK_BATCH_WORKER_ON_START", "0")
    monkeypatch.delenv("CLUEDESK_TRAIN_ON_START", raising=False)
    assert start_triage_training()
    assert start_triage_training()  # a second start while queued: still one task
    assert DBTaskResult.objects.filter(task_path="cluedesk.triage.tasks.train_triage", status="READY").count() == 1
    # the task itself is idempotent: with the model present it does nothing
    (tmp_path / "triage").mkdir()
    (tmp_path / "triage" / "charge_model.pkl").write_bytes(b"x")
    from cluedesk.triage import training  # and an umbrella model of this code's features (issue 20)

    training.train_umbrella(training.umbrella_tips()[:40]).save(tmp_path / "triage" / "umbrella_model.npz")
    assert "skipped" in triage_tasks.train_triage.call()


# ---- real processes ------------------------------------------------------------------------------

def _status(env: dict[str, str], task_id: str) -> tuple[str, list[str]]:
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            row = conn.execute("SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
                               [task_id]).fetchone()
        return row[0], row[1]
    db = Path(env["CLUEDESK_DATA_DIR"]) / "cluedesk.sqlite3"
    with sqlite3.connect(db, timeout=20) as conn:
        row = conn.execute("SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = ?",
                           [task_id.replace("-", "")]).fetchone()
    return row[0], json.loads(row[1])


def _wait(env: dict[str, str], task_id: str, status: str, timeout: float = 180) -> list[str]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got, workers = _status(env, task_id)
        if got == status:
            return workers
        time.sleep(0.3)
    raise AssertionError(f"task {task_id} still {got}, not {status}, after {timeout} s")


def _enqueue(env: dict[str, str], *calls: str) -> list[str]:
    code = "from cluedesk.ops import tasks\n" + "\n".join(f"print(tasks.sleep_then_mark.enqueue{c}.id)" for c in calls)
    return run(env, "shell", "-c", code).stdout.split()[-len(calls):]


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """A worker process, returned once it has said it started (its signal handlers are set)."""
    proc = subprocess.Popen([CLUEDESK, "worker", *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        if '"worker_start"' in line:
            return proc
    raise AssertionError(f"worker exited {proc.wait()} before starting")


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_task_then_another_worker_runs_it_and_sigterm_finishes_the_task_in_hand(tmp_path):
    with scratch_database(tmp_path / "deploy") as env:
        env["CLUEDESK_WORKER_STALE_SECONDS"] = "2"
        run(env, "migrate", "-v0")
        run(env, "createcachetable")
        (killed_id,) = _enqueue(env, '("k9", 15)')
        first = _worker(env, "--no-jobs", "--poll", "0.2")
        procs = [first]
        try:
            owners = _wait(env, killed_id, "RUNNING")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            second = _worker(env, "--interval", "1", "--poll", "0.2")
            procs.append(second)
            owners = _wait(env, killed_id, "SUCCESSFUL")
            assert len(owners) == 2 and owners[0] != owners[1]  # claimed by the dead one, then by the second

            # several workers on one queue: each task taken once
            ids = _enqueue(env, *[f'("many{i}", 0.2)' for i in range(6)])
            third = _worker(env, "--no-jobs", "--poll", "0.2")
            procs.append(third)
            for task_id in ids:
                assert len(_wait(env, task_id, "SUCCESSFUL")) == 1

            # SIGTERM while a task runs: the task finishes, the worker exits 0
            third.send_signal(signal.SIGTERM)
            assert third.wait(timeout=60) == 0
            (term_id,) = _enqueue(env, '("term", 20)')  # long enough to be caught running on a loaded machine
            _wait(env, term_id, "RUNNING")
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=60) == 0
            assert _status(env, term_id)[0] == "SUCCESSFUL"
            out = second.stdout.read()
            stopping = [json.loads(line) for line in out.splitlines() if '"worker_stopping"' in line]
            assert stopping and stopping[0]["busy"] is True and stopping[0]["signal"] == "SIGTERM"
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=30)


def test_max_memory_recycles_the_worker_after_the_task_that_went_over(caplog):
    """`cluedesk serve` runs its workers with --max-memory: past it, the worker stops after the task
    in hand (the supervisor starts a fresh one); the next task stays queued for that one."""
    first = tasks.sleep_then_mark.enqueue("heavy-1", 0)
    second = tasks.sleep_then_mark.enqueue("heavy-2", 0)
    # any process is above 1 MB; --max-tasks 2 only ends the run if the recycling does not
    call_command("worker", "--no-jobs", "--max-memory", "1", "--max-tasks", "2", "--poll", "0.05")
    assert DBTaskResult.objects.get(id=first.id).status == "SUCCESSFUL"
    assert DBTaskResult.objects.get(id=second.id).status == "READY"
    recycle = [r for r in caplog.records if getattr(r, "event", "") == "worker_recycle"]
    assert len(recycle) == 1 and recycle[0].rss_mb > 1 and recycle[0].limit_mb == 1
