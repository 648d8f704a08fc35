"""The background-task queue's own periodic jobs (run by the worker, cluedesk/ops/jobs.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cluedesk.platform.registry import system_job

from . import tasks


@system_job("requeue_stalled", every=dt.timedelta(seconds=30), order=70)
def job_requeue_stalled(now: dt.datetime) -> dict[str, Any]:
    """Background tasks whose worker died mid-task go back on the queue (cluedesk/ops/tasks.py)."""
    return tasks.requeue_stalled()


@system_job("prune_tasks", every=dt.timedelta(days=1), order=100)
def job_prune_tasks(now: dt.datetime) -> dict[str, Any]:
    return tasks.prune_results(now)
