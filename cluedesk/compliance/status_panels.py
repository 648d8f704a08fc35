"""Compliance's panels on the reporter's status page (intake/status.html), registered in the
registry store "status_panels" by ``ComplianceConfig.ready()``: when to expect an answer (after
the progress), and the minutes or recording of an oral report to confirm (after the messages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from cluedesk.deployment import profiles
from cluedesk.deployment.models import Deployment

from .models import OralRecord, ReportClock


def _minutes(report: Any) -> dict[str, Any]:
    row = OralRecord.objects.filter(report=report).first() if report is not None else None
    return {"record": row}


def _expect(report: Any) -> dict[str, Any]:
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


def expect_panel(request: HttpRequest, report: Any) -> str:
    return render_to_string("compliance/_status_expect.html", _expect(report), request=request)


def minutes_panel(request: HttpRequest, report: Any) -> str:
    return render_to_string("compliance/_status_minutes.html", _minutes(report), request=request)


PANELS = (("after_progress", expect_panel), ("after_messages", minutes_panel))
