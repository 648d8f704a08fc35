"""Records' periodic jobs (run by the worker, cluedesk/ops/jobs.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cluedesk.platform.registry import system_job

from . import services, statistics


@system_job("retention", every=dt.timedelta(days=1), order=110)
def job_retention(now: dt.datetime) -> dict[str, Any]:
    """Purge the personal data of closed clues whose retention period has run."""
    return services.job_retention(now)


@system_job("statistics", every=dt.timedelta(hours=1), order=130)
def job_statistics(now: dt.datetime) -> dict[str, Any]:
    """Freeze the months that have ended and publish a new edition of their year's statistics."""
    return statistics.job(now)
