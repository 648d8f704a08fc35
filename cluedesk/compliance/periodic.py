"""Compliance's periodic job (run by the worker, cluedesk/ops/jobs.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cluedesk.platform.registry import system_job

from . import clocks


@system_job("compliance_clocks", every=dt.timedelta(minutes=15), order=120)
def job_compliance_clocks(now: dt.datetime) -> dict[str, Any]:
    """Start, follow, remind and escalate the acknowledgment and feedback clocks."""
    return clocks.run(now)
