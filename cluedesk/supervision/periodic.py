"""Supervision's periodic jobs (run by the worker, cluedesk/ops/jobs.py): the figures, the
escalation scan, the monthly samples, bulletins and key regions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from cluedesk.org.models import ROOT_CODE, Division
from cluedesk.platform.registry import system_job

from . import bulletins, keyregions, services, stats
from .models import Bulletin, KeyRegionVersion, SampleMonth


@system_job("stats", every=dt.timedelta(minutes=1), order=10)
def job_stats(now: dt.datetime) -> dict[str, Any]:
    return stats.refresh(now)


@system_job("escalation", every=dt.timedelta(minutes=15), order=20)
def job_escalation(now: dt.datetime) -> dict[str, Any]:
    result = services.scan(now)
    return {"escalated": len(result.escalated), "closed": result.closed}


@system_job("samples", every=dt.timedelta(hours=1), order=30)
def job_samples(now: dt.datetime) -> dict[str, Any]:
    this_month, last_month = services.sample_months_due(now)
    done: dict[str, Any] = {}
    sample = services.commit_seed(this_month)
    done["committed"] = f"{sample.month:%Y-%m}"
    previous = SampleMonth.objects.filter(month=last_month, drawn_at__isnull=True).first()
    if previous is not None:
        services.draw(last_month, now=now)
        done["drawn"] = f"{last_month:%Y-%m}"
    return done


@system_job("bulletin", every=dt.timedelta(hours=1), order=40)
def job_bulletin(now: dt.datetime) -> dict[str, Any]:
    """Last month's bulletin for the nation and each province (each one its own transaction)."""
    _this, last_month = services.sample_months_due(now)
    scopes = list(Division.objects.filter(Q(code=ROOT_CODE) | Q(parent_id=ROOT_CODE)).order_by("level", "code"))
    issued = set(Bulletin.objects.filter(month=last_month).values_list("division_id", flat=True))
    n = 0
    for division in scopes:
        if division.code not in issued:
            bulletins.issue(division, last_month)
            n += 1
    return {"issued": n}


@system_job("key_regions", every=dt.timedelta(hours=1), order=50)
def job_key_regions(now: dt.datetime) -> dict[str, Any]:
    """Recompute the key regions once a month, from the three months up to last month."""
    _this, last_month = services.sample_months_due(now)
    if KeyRegionVersion.objects.filter(end=last_month, created_by__isnull=True).exists():
        return {"version": None}
    version = keyregions.recompute(end=last_month)
    return {"version": version.number}
