"""Small template helpers for the compliance pages, and the minutes panel on the reporter's
status page (``{% minutes_panel status.report %}`` in intake/status.html)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cluedesk.deployment import profiles
from cluedesk.deployment.models import Deployment

from ..models import OralRecord, ReportClock

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def clock_cell(due: dt.datetime | None, done: dt.datetime | None, now: dt.datetime) -> SafeString:
    """A deadline and what became of it: in time, late, overdue, or due."""
    if due is None:
        return format_html("<span class='muted'>—</span>")
    when = timezone.localtime(due).strftime("%Y-%m-%d")
    if done is not None:
        ok = done <= due
        return format_html("<span class='badge {}'>{}</span> {}", "" if ok else "warn",
                           _("in time") if ok else _("late"), when)
    if due <= now:
        return format_html("<span class='badge bad'>{}</span> {}", _("overdue"), when)
    return format_html("<span class='badge'>{}</span> {}", pgettext("compliance", "due"), when)


@register.inclusion_tag("compliance/_status_minutes.html")
def minutes_panel(report: Any) -> dict[str, Any]:
    row = OralRecord.objects.filter(report=report).first() if report is not None else None
    return {"record": row}


@register.inclusion_tag("compliance/_status_expect.html")
def expect_panel(report: Any) -> dict[str, Any]:
    """When the reporter may expect to hear back, from the report's clock (or, before the clock
    job has started it, from the profile in force, as the job will)."""
    if report is None:
        return {"shown": False}
    clock = ReportClock.objects.filter(report=report).first()
    if clock is not None:
        ack_due, feedback_due = clock.ack_due, clock.feedback_due
        acknowledged, fed_back, extended = clock.acknowledged_at, clock.feedback_at, clock.extended_at is not None
        received = clock.received_at
    else:
        since = Deployment.objects.filter(pk=1).values_list("clocks_from", flat=True).first()
        if since is not None and report.created_at < since:
            return {"shown": False}  # received before the clocks ran: no deadline was promised
        profile = profiles.current()
        received = report.created_at
        ack_due = received + dt.timedelta(days=profile.acknowledge_days) if profile.acknowledge_days else None
        feedback_due = received + dt.timedelta(days=profile.feedback_days) if profile.feedback_days else None
        acknowledged = fed_back = None
        extended = False
    if ack_due is None and feedback_due is None:
        return {"shown": False}
    now = timezone.now()

    def days(due: dt.datetime | None) -> int | None:
        return (due - received).days if due is not None else None

    return {"shown": True, "ack_due": ack_due, "feedback_due": feedback_due, "ack_days": days(ack_due),
            "feedback_days": days(feedback_due), "acknowledged": acknowledged, "fed_back": fed_back,
            "extended": extended, "ack_late": acknowledged is None and ack_due is not None and ack_due < now,
            "feedback_late": fed_back is None and feedback_due is not None and feedback_due < now}
