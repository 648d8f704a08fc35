"""The ledger's periodic job (run by the worker, cluedesk/ops/jobs.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cluedesk.platform.registry import system_job

from . import checkpoints

LAST = 1000  # after every other job: the checkpoint signs the events they wrote in the same round


@system_job("ledger_checkpoint", every=dt.timedelta(minutes=1), order=LAST)
def job_ledger_checkpoint(now: dt.datetime) -> dict[str, Any]:
    return checkpoints.job(now)
