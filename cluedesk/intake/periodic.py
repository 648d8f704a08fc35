"""Intake's periodic job (run by the worker, cluedesk/ops/jobs.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cluedesk.platform.registry import system_job

from .services import prune_idempotency


@system_job("prune_idempotency", every=dt.timedelta(days=1), order=60)
def job_prune_idempotency(now: dt.datetime) -> dict[str, Any]:
    """Forget channel idempotency keys (and the encrypted codes they hold) after two days."""
    return {"deleted": prune_idempotency()}
