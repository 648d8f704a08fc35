"""The triage training runs once per deployment (issue 23.5): instances starting together queue one
training task, and only the start that queued it starts a batch worker for it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from cluedesk.ops import bootstrap
from cluedesk.ops.models import DeploymentOnce

TRAIN = "cluedesk.triage.tasks.train_triage"


@pytest.fixture
def spawned(settings, tmp_path, monkeypatch) -> list[list[str]]:
    """A first start with no model and no task workers; the batch workers it would start, recorded."""
    settings.DATA_DIR = tmp_path
    settings.TRIAGE_DIR = ""
    monkeypatch.delenv("CLUEDESK_TRAIN_ON_START", raising=False)
    monkeypatch.delenv("CLUEDESK_BATCH_WORKER_ON_START", raising=False)
    calls: list[list[str]] = []
    lock = threading.Lock()

    def popen(cmd, **kwargs):  # noqa: ANN001, ANN003
        with lock:
            calls.append(cmd)

    monkeypatch.setattr(bootstrap.subprocess, "Popen", popen)
    return calls


@pytest.mark.django_db
def test_a_second_start_finds_the_training_queued_and_starts_no_worker(spawned) -> None:
    first = bootstrap.start_triage_training()
    second = bootstrap.start_triage_training()
    assert "log:" in first[0] and "already" in second[0]
    assert DBTaskResult.objects.filter(task_path=TRAIN, status="READY").count() == 1
    assert len(spawned) == 1 and spawned[0][-2:] == ["worker", "--batch"]
    row = DeploymentOnce.objects.get(name=bootstrap.TRAINING)
    assert row.task_id == str(DBTaskResult.objects.get(task_path=TRAIN).id) and row.by


@pytest.mark.django_db
def test_after_a_failed_training_the_next_start_queues_it_again(spawned) -> None:
    bootstrap.start_triage_training()
    DBTaskResult.objects.filter(task_path=TRAIN).update(status="FAILED")
    bootstrap.start_triage_training()
    assert DBTaskResult.objects.filter(task_path=TRAIN, status="READY").count() == 1 and len(spawned) == 2


@pytest.mark.django_db(transaction=True)
def test_instances_starting_together_queue_one_training(spawned) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent starts need a database server (SQLite's test database is one in-memory file)")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait()
            bootstrap.start_triage_training()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert DBTaskResult.objects.filter(task_path=TRAIN).count() == 1
    assert len(spawned) == 1
