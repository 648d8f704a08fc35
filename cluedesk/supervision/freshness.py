"""How old the figures a page shows are, when a periodic job maintains them.

The dashboard and the bulletins read the facts table that the ``stats`` job refreshes every
minute (registered in ``registry["jobs"]``). A page says when the job last finished, and warns when that is longer ago
than twice its period (the slack covers a run in progress and a worker's interval) or when it has
never finished: then the figures are old, and the workers that run the jobs may be stopped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cluedesk.platform.ages import age_text, every_text
from cluedesk.platform.registry import registry

from .models import JobState

SLACK = 2  # a figure is stale past this many periods


@dataclass(frozen=True)
class Freshness:
    job: str
    last_finished: dt.datetime | None
    every: dt.timedelta
    now: dt.datetime

    @property
    def never(self) -> bool:
        return self.last_finished is None

    @property
    def age_seconds(self) -> float:
        return max(0.0, (self.now - self.last_finished).total_seconds()) if self.last_finished is not None else 0.0

    @property
    def stale(self) -> bool:
        return self.never or self.age_seconds > SLACK * self.every.total_seconds()

    @property
    def age_text(self) -> str:
        return age_text(self.age_seconds)

    @property
    def every_text(self) -> str:
        return every_text(self.every)


def of(job: str = "stats", now: dt.datetime | None = None) -> Freshness:
    """The freshness of what ``job`` maintains (read where the page reads: replica or primary)."""
    last = JobState.objects.filter(pk=job).values_list("last_finished", flat=True).first()
    return Freshness(job=job, last_finished=last, every=registry["jobs"][job].every, now=now or timezone.now())
