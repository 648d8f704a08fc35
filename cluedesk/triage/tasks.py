"""Triage's queued task: a submitted report is grouped, labelled and routed here, after commit.

``enqueue_for`` receives ``intake.signals.report_submitted`` (connected in ``apps.py``) inside the
submission's own transaction, so the task row exists exactly when the report does: a
transactional outbox on the task queue. `cluedesk worker` runs the task (`cluedesk serve` starts
workers); delivery is at-least-once, and ``services.attach_report`` is idempotent.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from . import services


@task()
def attach_report(report_id: int) -> dict[str, Any] | None:
    decision = services.attach_report(report_id)
    return None if decision is None else {"clue": decision["clue"], "decision": decision["decision"]}


def enqueue_for(sender: Any, report: Any, **kwargs: Any) -> None:
    """The ``report_submitted`` receiver: queue the report's triage in the caller's transaction."""
    attach_report.enqueue(report.pk)
