"""Reports awaiting triage: how many, how long the oldest has waited, and whether that is an alert.

A submission stores its report and queues its triage (``tasks.attach_report``); a worker puts it
on a clue a moment later. While workers run, a report waits a second or two; while none runs,
reports pile up with no clue. ``CLUEDESK_TRIAGE_LAG_ALERT_SECONDS`` (default 60) is how long a
wait may last: past it ``/metrics`` sets ``cluedesk_triage_lag_alert`` and the supervision
dashboard and the awaiting-triage queue say so (``cluedesk serve`` starts the workers).

``measure`` takes the queryset to measure, so a page counts only the reports its reader may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from cluedesk.platform.ages import age_text

from .services import awaiting_triage


def limit_seconds() -> int:
    return settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS


@dataclass(frozen=True)
class Lag:
    waiting: int                 # reports awaiting triage
    late: int                    # of which waited longer than the limit
    oldest_at: dt.datetime | None
    now: dt.datetime
    limit: int                   # seconds

    @property
    def oldest_seconds(self) -> float:
        return max(0.0, (self.now - self.oldest_at).total_seconds()) if self.oldest_at is not None else 0.0

    @property
    def alert(self) -> bool:
        """The oldest waiting report has waited longer than the limit."""
        return self.late > 0

    @property
    def oldest_age(self) -> str:
        return age_text(self.oldest_seconds)

    @property
    def limit_text(self) -> str:
        return age_text(self.limit)


def measure(queryset: Any = None, now: dt.datetime | None = None) -> Lag:
    """One aggregate over ``queryset`` (default: every report awaiting triage)."""
    qs = awaiting_triage() if queryset is None else queryset
    now = now or timezone.now()
    limit = limit_seconds()
    cutoff = now - dt.timedelta(seconds=limit)
    agg = qs.order_by().aggregate(n=Count("pk"), late=Count("pk", filter=Q(created_at__lt=cutoff)),
                                  oldest=Min("created_at"))
    return Lag(waiting=agg["n"] or 0, late=agg["late"] or 0, oldest_at=agg["oldest"], now=now, limit=limit)
