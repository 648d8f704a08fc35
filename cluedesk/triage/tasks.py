"""Triage's queued task: a submitted report is grouped, labelled and routed here, after commit.

``enqueue_for`` receives ``intake.signals.report_submitted`` (connected in ``apps.py``) inside the
submission's own transaction, so the task row exists exactly when the report does: a
transactional outbox on the task queue. `cluedesk worker` runs the task (`cluedesk serve` starts
workers); delivery is at-least-once, and ``services.attach_report`` is idempotent.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from . import engine, services


@task()
def attach_report(report_id: int) -> dict[str, Any] | None:
    decision = services.attach_report(report_id)
    return None if decision is None else {"clue": decision["clue"], "decision": decision["decision"]}


@task()
def train_triage(force: bool = False) -> dict[str, Any]:
    """Train the triage models (a minute or two). Idempotent: skipped when the model is there,
    and the command writes each model beside the old one and renames it into place."""
    if not force and engine.models_trained():
        return {"skipped": "the charge and umbrella models are already there"}
    out = io.StringIO()
    call_command("triage-train", stdout=out)
    return {"trained": out.getvalue().strip()[-500:]}


def training_queued() -> bool:
    """Whether a ``train_triage`` task waits or runs (the first start queues one)."""
    return DBTaskResult.objects.filter(task_path=train_triage.module_path, status__in=["READY", "RUNNING"]).exists()


def enqueue_for(sender: Any, report: Any, **kwargs: Any) -> None:
    """The ``report_submitted`` receiver: queue the report's triage in the caller's transaction."""
    attach_report.enqueue(report.pk)


def requeue_waiting(older_than: float = 300.0) -> int:
    """Queue triage again for reports that have waited longer than ``older_than`` seconds with no
    triage task waiting or running (their task failed, or was lost with a restored backup).
    Returns how many were queued. Idempotent: a report with a live task is left alone."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    waiting = list(services.awaiting_triage().filter(created_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)[:5000])
    if not waiting:
        return 0
    live = {(r.get("args") or [None])[0] for r in DBTaskResult.objects.filter(
        task_path=attach_report.module_path, status__in=["READY", "RUNNING"]).values_list("args_kwargs", flat=True)}
    queued = 0
    for pk in waiting:
        if pk not in live:
            attach_report.enqueue(pk)
            queued += 1
    return queued
