"""Triage's periodic jobs (run by the worker, cluedesk/ops/jobs.py).

``sealing`` is registered here, the highest of the apps whose work it does (vault, clues, triage).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from cluedesk.clues import search
from cluedesk.platform.registry import system_job
from cluedesk.vault import reencrypt

from . import services
from .tasks import requeue_waiting


@system_job("triage_retry", every=dt.timedelta(minutes=5), order=80)
def job_triage_retry(now: dt.datetime) -> dict[str, Any]:
    """Reports waiting for triage with no live task (it failed, or was lost) are queued again."""
    return {"queued": requeue_waiting(older_than=max(300.0, 5 * settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS))}


@system_job("sealing", every=dt.timedelta(minutes=5), order=90)
def job_sealing(now: dt.datetime) -> dict[str, Any]:
    """Encryption at rest catching up, a slice at a time: rows written before it (or under a
    retired content key) sealed, clues put in the blind index, triage's entities keyed."""
    sealed = reencrypt.run(limit=5000)
    return {"sealed": sealed.total, "pending": sealed.pending, "indexed": search.backfill(limit=500),
            "rekeyed": services.rekey_index(limit=500)}
