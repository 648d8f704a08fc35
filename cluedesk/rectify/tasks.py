"""Annual key tasks (十件实事): tasks with owner units, milestones and indicators that read live
figures; progress = (milestones done + indicators met) ÷ (milestones + indicators)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluedesk.ledger.services import record
from cluedesk.org.models import Unit
from cluedesk.supervision import stats

from . import figures
from .models import Indicator, KeyTask, Milestone
from .services import RectifyError, date, not_future, staff, text

M = Indicator.Metric
PERCENT_METRICS = {M.VERIFICATION_RATE, M.CASE_RATE, M.ITEMS_VERIFIED, M.LETTERS_RECTIFIED}


def _year(value: Any, today: dt.date) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise RectifyError(_("The year must be a number such as %(year)d.") % {"year": today.year}) from None
    if not 2018 <= year <= today.year + 1:
        raise RectifyError(_("The year must be between 2018 and %(last)d.") % {"last": today.year + 1})
    return year


def create_task(*, acting_user: Any, year: Any, number: Any, title: Any, owner: Unit, description: Any = "",
                today: dt.date | None = None) -> KeyTask:
    today = today or timezone.localdate()
    year = _year(year, today)
    try:
        number = int(str(number).strip())
    except (TypeError, ValueError):
        raise RectifyError(_("The task's number must be a whole number.")) from None
    if not 1 <= number <= 99:
        raise RectifyError(_("The task's number is between 1 and 99."))
    title = text(title, _("The title"), 200)
    description = text(description, _("The description"), 4000, required=False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                task = KeyTask.objects.create(year=year, number=number, title=title, description=description,
                                              owner=owner, created_by=acting_user, created_at=timezone.now())
        except IntegrityError:
            raise RectifyError(_("%(unit)s already has task number %(n)d for %(year)d.")
                               % {"unit": owner.name, "n": number, "year": year}) from None
        record("rectify.task_created", actor=staff(acting_user), subject_type="key_task", subject_id=task.pk,
               data={"year": year, "number": number, "owner": owner.pk})
        return task


def add_milestone(task: KeyTask, *, acting_user: Any, title: Any, due: Any) -> Milestone:
    title = text(title, _("The milestone"), 200)
    day = date(due, _("The due date"))
    assert day is not None
    if day.year != task.year:
        raise RectifyError(_("A milestone of a %(year)d task falls in %(year)d.") % {"year": task.year})
    with transaction.atomic():
        m = Milestone.objects.create(task=task, title=title, due=day)
        record("rectify.milestone_added", actor=staff(acting_user), subject_type="key_task", subject_id=task.pk,
               data={"milestone": m.pk, "due": str(day)})
        return m


def complete_milestone(m: Milestone, *, acting_user: Any, done_on: Any, today: dt.date | None = None) -> Milestone:
    today = today or timezone.localdate()
    day = date(done_on, _("The date it was done"))
    assert day is not None
    not_future(day, _("The date it was done"), today)
    if day.year < m.task.year:
        raise RectifyError(_("The date it was done is before the task's year."))
    with transaction.atomic():
        m = Milestone.objects.select_for_update().get(pk=m.pk)
        if m.done_on is not None:
            raise RectifyError(_("This milestone is already done (%(day)s).") % {"day": m.done_on})
        m.done_on = day
        m.save(update_fields=["done_on"])
        record("rectify.milestone_done", actor=staff(acting_user), subject_type="key_task", subject_id=m.task_id,
               data={"milestone": m.pk, "done_on": str(day)})
        return m


def add_indicator(task: KeyTask, *, acting_user: Any, metric: Any, op: Any, target: Any) -> Indicator:
    metric, op = str(metric or ""), str(op or "")
    if metric not in M.values:
        raise RectifyError(_("Choose what the indicator measures."))
    if op not in Indicator.Op.values:
        raise RectifyError(_("Choose “at least” or “at most”."))
    try:
        value = Decimal(str(target).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise RectifyError(_("The target must be a number.")) from None
    if not value.is_finite() or value < 0 or (metric in PERCENT_METRICS and value > 100) or value > Decimal("1e9"):
        raise RectifyError(_("The target must be between 0 and 100 for a rate, and not negative."))
    with transaction.atomic():
        ind = Indicator.objects.create(task=task, metric=metric, op=op, target=value.quantize(Decimal("0.01")))
        record("rectify.indicator_added", actor=staff(acting_user), subject_type="key_task", subject_id=task.pk,
               data={"indicator": ind.pk, "metric": metric, "op": op, "target": str(ind.target)})
        return ind


# --- reading --------------------------------------------------------------------------------------

def indicator_value(ind: Indicator, today: dt.date | None = None) -> float | None:
    """The live figure for the owner's division over the task's year (to this month)."""
    today = today or timezone.localdate()
    task = ind.task
    division = task.owner.division
    start = dt.date(task.year, 1, 1)
    end = dt.date(task.year, 12, 1) if task.year < today.year else dt.date(today.year, today.month, 1)
    if ind.metric in (M.VERIFICATION_RATE, M.CASE_RATE, M.CONCLUDED, M.CASES):
        row = stats.one(division, start, end)
        if ind.metric == M.VERIFICATION_RATE:
            rate = row.verification_rate
            return None if rate is None else round(rate * 100, 1)
        if ind.metric == M.CASE_RATE:
            rate = row.case_rate
            return None if rate is None else round(rate * 100, 1)
        return float(row.counts.get(ind.metric, 0))
    last = dt.date(end.year, end.month, 28) + dt.timedelta(days=4)
    last = last - dt.timedelta(days=last.day)
    if ind.metric == M.ITEMS_VERIFIED:
        items = figures.items(division, start, last)
        return None if not items.total else round(items.verified * 100 / items.total, 1)
    letters = figures.letters(division, start, last)
    return None if not letters.issued else round(letters.rectified * 100 / letters.issued, 1)


def indicator_met(ind: Indicator, value: float | None) -> bool:
    if value is None:
        return False
    target = float(ind.target)
    return value >= target if ind.op == Indicator.Op.AT_LEAST else value <= target


@dataclass
class Progress:
    milestones: int
    done: int
    indicators: int
    met: int
    readings: list[tuple[Indicator, float | None, bool]]

    @property
    def percent(self) -> int:
        parts = self.milestones + self.indicators
        return round((self.done + self.met) * 100 / parts) if parts else 0


def progress(task: KeyTask, today: dt.date | None = None) -> Progress:
    ms = list(task.milestones.all())
    readings = []
    for ind in task.indicators.all():
        value = indicator_value(ind, today)
        readings.append((ind, value, indicator_met(ind, value)))
    return Progress(milestones=len(ms), done=sum(1 for m in ms if m.done_on), indicators=len(readings),
                    met=sum(1 for _i, _v, ok in readings if ok), readings=readings)
