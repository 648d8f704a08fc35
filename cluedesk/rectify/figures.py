"""The registers' figures for a division (its whole subtree) and a period; the dashboard panel, the
list pages and the key-task indicators all read them from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from cluedesk.analysis.taxonomy import INDUSTRIES
from cluedesk.org.models import Division

from .models import Letter, ProblemItem


@dataclass
class Items:
    total: int = 0
    verified: int = 0
    submitted: int = 0
    overdue: int = 0

    @property
    def done(self) -> bool:
        return bool(self.total) and self.verified == self.total


def items(division: Division, start: dt.date, end: dt.date, today: dt.date | None = None) -> Items:
    """Items on the lists of rounds that started in [start, end], owned by units in the division."""
    S = ProblemItem.Status
    qs = ProblemItem.objects.filter(owner__division__path__startswith=division.path,
                                    round__starts__gte=start, round__starts__lte=end)
    agg = qs.aggregate(total=Count("id"), verified=Count("id", filter=Q(status=S.VERIFIED)),
                       submitted=Count("id", filter=Q(status=S.SUBMITTED)),
                       overdue=Count("id", filter=~Q(status=S.VERIFIED) & Q(time_limit__lt=today or timezone.localdate())))
    return Items(**agg)


@dataclass
class IndustryLetters:
    industry: str
    issued: int = 0
    answered: int = 0
    rectified: int = 0

    @property
    def rate(self) -> float | None:
        return self.rectified / self.issued if self.issued else None


@dataclass
class Letters:
    issued: int = 0
    answered: int = 0
    rectified: int = 0
    overdue: int = 0
    by_industry: list[IndustryLetters] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return self.rectified / self.issued if self.issued else None


def letters(division: Division, start: dt.date, end: dt.date, today: dt.date | None = None) -> Letters:
    """Letters issued in [start, end] to industry authorities in the division. "Answered" counts
    every letter with feedback (rectified ones too)."""
    today = today or timezone.localdate()
    St = Letter.Status
    qs = Letter.objects.filter(recipient__division__path__startswith=division.path,
                               issued_on__gte=start, issued_on__lte=end)
    rows = qs.values("industry").annotate(
        issued=Count("id"), answered=Count("id", filter=~Q(status=St.ISSUED)),
        rectified=Count("id", filter=Q(status=St.RECTIFIED)))
    found = {r["industry"]: IndustryLetters(r["industry"], r["issued"], r["answered"], r["rectified"]) for r in rows}
    order = [code for code, _en, _zh, _kw in INDUSTRIES]
    by_industry = [found[c] for c in order if c in found] + [v for k, v in found.items() if k not in order]
    overdue = qs.filter(status=St.ISSUED, deadline__lt=today).count()
    return Letters(issued=sum(r.issued for r in by_industry), answered=sum(r.answered for r in by_industry),
                   rectified=sum(r.rectified for r in by_industry), overdue=overdue, by_industry=by_industry)
