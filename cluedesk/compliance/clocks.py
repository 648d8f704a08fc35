"""The legal clocks: acknowledgment and feedback deadlines measured from receipt.

Definitions (also in docs/compliance.md):

* **Receipt** is the moment the report was stored (``intake.Report.created_at``).
* **Acknowledged** is the first moment the reporter could see that a person at the office dealt
  with the report: the first message from staff to the reporter, or the first public step after
  receipt (any kind: "under review", "being verified", "concluded") on the report or its clue.
  A report taken by phone or in a meeting by a staff member is acknowledged at receipt: the
  reporter spoke to that person and was given the tracking code there and then.
* **Feedback** is the first public step after receipt that tells the reporter what is done:
  "being verified" or "concluded".
* A deadline is met when that moment is at or before it; it is **missed** when it passed first.

The job (``run``) starts a clock for each report received since the clock settings took effect,
keeps ``acknowledged_at``/``feedback_at``/unit up to date for open clocks (derived data, like the
supervision facts: no ledger event), sends a reminder ``remind_before_days`` before a deadline and
escalates a missed one to the unit and the unit above; each reminder and escalation is one
transaction with one ledger event, and is sent once (the clock row remembers it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cluedesk.deployment import profiles
from cluedesk.deployment.models import Deployment
from cluedesk.intake.models import Message, PublicStep, Report
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Unit
from cluedesk.supervision.models import Notification

from .models import ReportClock

BATCH = 500
ORAL_CHANNELS = ("phone", "meeting")
FEEDBACK_STEPS = ("verifying", "concluded")


# --- starting and following clocks -----------------------------------------------------------

def _clocks_from() -> dt.datetime | None:
    return Deployment.objects.filter(pk=1).values_list("clocks_from", flat=True).first()


def _responsible(clue_unit_id: int | None, division_code: str | None) -> int | None:
    if clue_unit_id:
        return clue_unit_id
    if division_code:
        return (Unit.objects.filter(division_id=division_code, active=True).order_by("pk")
                .values_list("pk", flat=True).first())
    return None


def start_clocks(now: dt.datetime, profile: profiles.Profile | None = None) -> int:
    """A clock for each report received since the clocks took effect that has none yet."""
    profile = profile or profiles.current()
    if profile.acknowledge_days is None and profile.feedback_days is None:
        return 0
    qs = Report.objects.filter(clock__isnull=True, created_at__lte=now)
    since = _clocks_from()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    started = 0
    rows = list(qs.order_by("pk").values("pk", "created_at", "division_id", "clue__division_id", "clue__unit_id",
                                         "channel", "entered_by_id")[:BATCH * 20])
    for i in range(0, len(rows), BATCH):
        clocks = []
        for r in rows[i:i + BATCH]:
            received = r["created_at"]
            division = r["clue__division_id"] or r["division_id"]
            oral = r["channel"] in ORAL_CHANNELS and r["entered_by_id"] is not None
            clocks.append(ReportClock(
                report_id=r["pk"], received_at=received, division_id=division,
                unit_id=_responsible(r["clue__unit_id"], division), profile_key=profile.key,
                ack_due=received + dt.timedelta(days=profile.acknowledge_days)
                if profile.acknowledge_days is not None else None,
                feedback_due=received + dt.timedelta(days=profile.feedback_days)
                if profile.feedback_days is not None else None,
                acknowledged_at=received if oral and profile.acknowledge_days is not None else None,
            ))
        ReportClock.objects.bulk_create(clocks, ignore_conflicts=True)
        started += len(clocks)
    return started


def _evidence(qs: QuerySet[ReportClock]) -> QuerySet[ReportClock]:
    """Annotate each clock with the first staff message and the first public steps after receipt."""
    msg = (Message.objects.filter(report_id=OuterRef("report_id"), direction=Message.Direction.TO_REPORTER,
                                  created_at__gte=OuterRef("received_at"))
           .order_by("created_at").values("created_at")[:1])
    steps = PublicStep.objects.filter(Q(report_id=OuterRef("report_id")) | Q(clue_id=OuterRef("report__clue_id")),
                                      created_at__gte=OuterRef("received_at"))
    return qs.annotate(
        first_message=Subquery(msg),
        first_step=Subquery(steps.order_by("created_at").values("created_at")[:1]),
        first_feedback=Subquery(steps.filter(kind__in=FEEDBACK_STEPS).order_by("created_at").values("created_at")[:1]),
        clue_unit=F("report__clue__unit_id"), clue_division=F("report__clue__division_id"),
    )


def follow_clocks(now: dt.datetime) -> int:
    """Bring open clocks up to date: acknowledged, feedback given, the unit answerable."""
    open_q = (Q(ack_due__isnull=False, acknowledged_at__isnull=True)
              | Q(feedback_due__isnull=False, feedback_at__isnull=True))
    changed = 0
    last = 0
    while True:
        batch = list(_evidence(ReportClock.objects.filter(open_q, pk__gt=last)).order_by("pk")[:BATCH])
        if not batch:
            return changed
        last = batch[-1].pk
        for c in batch:
            updates: dict[str, Any] = {}
            if c.ack_due is not None and c.acknowledged_at is None:
                seen = [t for t in (c.first_message, c.first_step) if t is not None and t <= now]  # type: ignore[attr-defined]
                if seen:
                    updates["acknowledged_at"] = min(seen)
            fb = c.first_feedback  # type: ignore[attr-defined]
            if c.feedback_due is not None and c.feedback_at is None and fb is not None and fb <= now:
                updates["feedback_at"] = fb
            division = c.clue_division or c.division_id  # type: ignore[attr-defined]
            unit = _responsible(c.clue_unit, division)  # type: ignore[attr-defined]
            if unit != c.unit_id:
                updates["unit_id"] = unit
            if division != c.division_id:
                updates["division_id"] = division
            if updates:
                ReportClock.objects.filter(pk=c.pk).update(**updates)
                changed += 1


# --- reminders and escalation ------------------------------------------------------------------

CLOCKS = {
    "ack": ("ack_due", "acknowledged_at", "ack_reminded_at", "ack_escalated_at"),
    "feedback": ("feedback_due", "feedback_at", "feedback_reminded_at", "feedback_escalated_at"),
}


def clock_label(which: str) -> str:
    return _("acknowledgment") if which == "ack" else _("feedback")


def _notify(clock: ReportClock, which: str, *, missed: bool, now: dt.datetime) -> list[int]:
    units: list[Unit] = []
    if clock.unit_id:
        unit = Unit.objects.filter(pk=clock.unit_id).select_related("parent").first()
        if unit is not None:
            units.append(unit)
            if missed and unit.parent is not None and unit.parent.active:
                units.append(unit.parent)
    due = getattr(clock, CLOCKS[which][0])
    local_due = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    clue = clock.report.clue
    if clue is not None:
        about = _("a report on clue %(clue)s") % {"clue": clue.public_id}
    else:  # still awaiting triage (its worker has not put it on a clue yet)
        about = _("report #%(report)s, awaiting triage") % {"report": clock.report_id}
    if missed:
        subject = _("Deadline missed: %(clock)s of %(about)s") % {"clock": clock_label(which), "about": about}
        body = _("The %(clock)s deadline of a report received %(received)s passed at %(due)s without it. "
                 "The unit above has been told.") % {
            "clock": clock_label(which), "due": local_due,
            "received": timezone.localtime(clock.received_at).strftime("%Y-%m-%d")}
    else:
        subject = _("Due soon: %(clock)s of %(about)s") % {"clock": clock_label(which), "about": about}
        body = _("The %(clock)s of a report received %(received)s falls due at %(due)s.") % {
            "clock": clock_label(which), "due": local_due,
            "received": timezone.localtime(clock.received_at).strftime("%Y-%m-%d")}
    link = (f"{settings.SITE_URL}/staff/clues/{clue.public_id}/" if clue is not None
            else f"{settings.SITE_URL}/staff/triage/awaiting/")
    for unit in units:
        Notification.objects.create(unit=unit, subject=subject[:200], body=f"{body}\n{link}".strip(), created_at=now)
    return [u.pk for u in units]


def _act(clock_id: int, which: str, *, missed: bool, now: dt.datetime) -> bool:
    due_f, done_f, reminded_f, escalated_f = CLOCKS[which]
    mark = escalated_f if missed else reminded_f
    with transaction.atomic():
        clock = (ReportClock.objects.select_for_update(of=("self",)).select_related("report__clue")
                 .filter(pk=clock_id).first())
        if clock is None or getattr(clock, done_f) is not None or getattr(clock, mark) is not None:
            return False  # done meanwhile, or another run did it
        due = getattr(clock, due_f)
        if due is None or (missed and due > now):
            return False
        setattr(clock, mark, now)
        clock.save(update_fields=[mark])
        units = _notify(clock, which, missed=missed, now=now)
        record("compliance.clock_missed" if missed else "compliance.clock_reminded",
               actor=Actor.system("compliance-clocks"), subject_type="report", subject_id=clock.report_id,
               data={"clock": which, "due": due.isoformat(), "units": units})
    return True


def remind_and_escalate(now: dt.datetime, profile: profiles.Profile | None = None) -> tuple[int, int]:
    profile = profile or profiles.current()
    ahead = dt.timedelta(days=profile.remind_before_days)
    reminded = escalated = 0
    for which, (due_f, done_f, reminded_f, escalated_f) in CLOCKS.items():
        pending = ReportClock.objects.filter(**{f"{due_f}__isnull": False, f"{done_f}__isnull": True})
        for pk in pending.filter(**{f"{due_f}__lte": now, f"{escalated_f}__isnull": True}).values_list("pk", flat=True):
            escalated += _act(pk, which, missed=True, now=now)
        if profile.remind_before_days > 0:
            for pk in pending.filter(**{f"{due_f}__gt": now, f"{due_f}__lte": now + ahead,
                                        f"{reminded_f}__isnull": True}).values_list("pk", flat=True):
                reminded += _act(pk, which, missed=False, now=now)
    return reminded, escalated


def run(now: dt.datetime | None = None) -> dict[str, Any]:
    """The periodic job: start, follow, remind, escalate."""
    now = now or timezone.now()
    profile = profiles.current()
    started = start_clocks(now, profile)
    followed = follow_clocks(now)
    reminded, escalated = remind_and_escalate(now, profile)
    return {"started": started, "followed": followed, "reminded": reminded, "escalated": escalated}


# --- the compliance report --------------------------------------------------------------------

FIGURES = ("received", "ack_due", "ack_in_time", "ack_late", "ack_overdue", "ack_pending",
           "fb_due", "fb_in_time", "fb_late", "fb_overdue", "fb_pending", "extended")


def _aggregates(now: dt.datetime) -> dict[str, Count]:
    ack, fb = Q(ack_due__isnull=False), Q(feedback_due__isnull=False)
    return {
        "received": Count("pk"),
        "ack_in_time": Count("pk", filter=ack & Q(acknowledged_at__lte=F("ack_due"))),
        "ack_late": Count("pk", filter=ack & Q(acknowledged_at__gt=F("ack_due"))),
        "ack_overdue": Count("pk", filter=ack & Q(acknowledged_at__isnull=True, ack_due__lte=now)),
        "ack_pending": Count("pk", filter=ack & Q(acknowledged_at__isnull=True, ack_due__gt=now)),
        "fb_in_time": Count("pk", filter=fb & Q(feedback_at__lte=F("feedback_due"))),
        "fb_late": Count("pk", filter=fb & Q(feedback_at__gt=F("feedback_due"))),
        "fb_overdue": Count("pk", filter=fb & Q(feedback_at__isnull=True, feedback_due__lte=now)),
        "fb_pending": Count("pk", filter=fb & Q(feedback_at__isnull=True, feedback_due__gt=now)),
        "extended": Count("pk", filter=Q(extended_at__isnull=False)),
    }


@dataclass
class Row:
    label: str
    unit_id: int | None
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        c = self.counts
        c["ack_due"] = c.get("ack_in_time", 0) + c.get("ack_late", 0) + c.get("ack_overdue", 0)
        c["fb_due"] = c.get("fb_in_time", 0) + c.get("fb_late", 0) + c.get("fb_overdue", 0)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return None if not whole else round(100 * part / whole, 1)

    @property
    def ack_rate(self) -> float | None:
        return self._rate(self.counts["ack_in_time"], self.counts["ack_due"])

    @property
    def fb_rate(self) -> float | None:
        return self._rate(self.counts["fb_in_time"], self.counts["fb_due"])


def report(clocks: QuerySet[ReportClock], now: dt.datetime) -> tuple[list[Row], Row]:
    """Per unit (the unit answerable for each clock) and the total, as of ``now``. ``clocks`` is
    already scoped and filtered to the period by the caller."""
    aggs = _aggregates(now)
    per_unit: list[dict[str, Any]] = [dict(r) for r in clocks.order_by().values("unit_id").annotate(**aggs)]
    names = dict(Unit.objects.filter(pk__in=[r["unit_id"] for r in per_unit if r["unit_id"]])
                 .values_list("pk", "name"))
    rows = [Row(names.get(r["unit_id"], "") if r["unit_id"] else str(_("no unit yet")), r["unit_id"],
                {k: r[k] for k in aggs}) for r in per_unit]
    rows.sort(key=lambda r: (r.unit_id is None, r.label))
    total = clocks.order_by().aggregate(**aggs)
    return rows, Row(str(_("Total")), None, {k: total[k] or 0 for k in aggs})
