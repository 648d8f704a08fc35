"""The registers' figures for a division (its whole subtree) and a period of whole months.

``start`` and ``end`` are the first days of the first and the last month (both included), as the
supervision dashboard passes them. Definitions (also in docs/cases.md):

* umbrella **cases**: investigations opened in the period;
* people **sanctioned**: officials given party discipline or an administrative sanction dated in
  the period (a person with both counts once);
* people **transferred**: officials transferred to judicial organs in the period;
* fugitive **targets at the start**: listed before the period and still at large when it began;
  **added**: listed during the period; **caught**: arrested, surrendered or persuaded to return
  during the period (a death closes the pursuit but is not a catch);
  **arrest rate** = caught / (targets at the start + added);
* listed major cases **by stage**: cases listed for supervision by the end of the period, by the
  latest stage started by then ("not started" when none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from cluedesk.org.models import Division

from .models import STAGE_ORDER, CaseStage, Fugitive, MajorCase, Official, Stage, UmbrellaCase


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    return start.replace(day=1), add_months(end.replace(day=1), 1)


def _in(division: Division, field: str = "division") -> Q:
    return Q(**{f"{field}__path__startswith": division.path})


@dataclass(frozen=True)
class UmbrellaFigures:
    cases: int
    sanctioned: int
    transferred: int


@dataclass(frozen=True)
class FugitiveFigures:
    at_start: int
    added: int
    caught: int
    at_large: int

    @property
    def targets(self) -> int:
        return self.at_start + self.added

    @property
    def arrest_rate(self) -> float | None:
        return self.caught / self.targets if self.targets else None


def umbrella(division: Division, start: dt.date, end: dt.date) -> UmbrellaFigures:
    lo, hi = _bounds(start, end)
    cases = UmbrellaCase.objects.filter(_in(division), opened_on__gte=lo, opened_on__lt=hi).count()
    officials = Official.objects.filter(_in(division, "case__division"))
    sanctioned = officials.filter(Q(discipline_on__gte=lo, discipline_on__lt=hi)
                                  | Q(sanction_on__gte=lo, sanction_on__lt=hi)).count()
    transferred = officials.filter(transferred_on__gte=lo, transferred_on__lt=hi).count()
    return UmbrellaFigures(cases, sanctioned, transferred)


def fugitives(division: Division, start: dt.date, end: dt.date) -> FugitiveFigures:
    lo, hi = _bounds(start, end)
    qs = Fugitive.objects.filter(_in(division))
    at_start = qs.filter(listed_on__lt=lo).filter(Q(status=Fugitive.Status.AT_LARGE) | Q(status_on__gte=lo)).count()
    added = qs.filter(listed_on__gte=lo, listed_on__lt=hi).count()
    caught = qs.filter(status__in=Fugitive.CAUGHT, status_on__gte=lo, status_on__lt=hi, listed_on__lt=hi).count()
    at_large = qs.filter(listed_on__lt=hi).filter(Q(status=Fugitive.Status.AT_LARGE) | Q(status_on__gte=hi)).count()
    return FugitiveFigures(at_start, added, caught, at_large)


def listed_by_stage(division: Division, start: dt.date, end: dt.date) -> list[tuple[str, str, int]]:
    """[(stage value, label, count)] in stage order, "none" first for cases with no stage yet."""
    _lo, hi = _bounds(start, end)
    latest = (CaseStage.objects.filter(case=OuterRef("pk"), started_on__lt=hi).order_by("-position")
              .values("stage")[:1])
    rows = (MajorCase.objects.filter(_in(division), listed=True, listed_on__lt=hi)
            .annotate(current=Subquery(latest)).values("current").annotate(n=Count("id")))
    counts = {r["current"] or "none": r["n"] for r in rows}
    from django.utils.translation import gettext as _

    out = [("none", _("not started"), counts.get("none", 0))]
    out += [(value, str(Stage(value).label), counts.get(value, 0)) for value in STAGE_ORDER]
    return out


def current_stage(case: MajorCase) -> CaseStage | None:
    return case.stages.order_by("-position").first()


__all__ = ["umbrella", "fugitives", "listed_by_stage", "UmbrellaFigures", "FugitiveFigures"]
