"""Run what the workers would run: the queued tasks (triage's ``attach_report`` first of all).

A submission no longer groups its report: it commits and queues the report's triage. Tests of a
flow that needs the clue call ``run_queue()`` after submitting, as a worker would a moment later.
"""

from __future__ import annotations

import io
import signal
import threading

from django.core.management import call_command


def run_queue() -> str:
    """Run every ready task once through `cluedesk worker --batch`; returns what it printed.

    Outside a test's transaction (``django_db(transaction=True)``, the live server) the worker
    command sets its own SIGTERM/SIGINT handlers, as a worker process does: they are put back
    afterwards, so that Ctrl-C still stops pytest."""
    out = io.StringIO()
    main = threading.current_thread() is threading.main_thread()
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)} if main else {}
    try:
        call_command("worker", "--batch", stdout=out)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    return out.getvalue()
