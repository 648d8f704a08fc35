"""Run what the workers would run: the queued tasks (triage's ``attach_report`` first of all).

A submission no longer groups its report: it commits and queues the report's triage. Tests of a
flow that needs the clue call ``run_queue()`` after submitting, as a worker would a moment later.
"""

from __future__ import annotations

import io

from django.core.management import call_command


def run_queue() -> str:
    """Run every ready task once through `cluedesk worker --batch`; returns what it printed."""
    out = io.StringIO()
    call_command("worker", "--batch", stdout=out)
    return out.getvalue()
