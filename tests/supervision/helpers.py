"""Small builders for the supervision tests: clues and reports written the way the services
leave them (each change with its ledger event), dated where the test needs them."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from cluedesk.clues.models import Assignment, Clue, Conclusion
from cluedesk.intake.models import Report
from cluedesk.ledger.services import Actor, record


def new_clue(division: Any, *, created: dt.datetime | None = None, reports: int = 1, **fields: Any) -> Clue:
    """A clue with its reports, as intake + triage would leave it, optionally back-dated."""
    with transaction.atomic():
        clue = Clue.objects.create(division=division, report_count=reports, **fields)
        for _ in range(reports):
            report = Report.objects.create(tracking_hash=secrets.token_hex(32), clue=clue, channel="web",
                                           text="test", division=division)
            record("report.submitted", actor=Actor.reporter(), subject_type="report", subject_id=report.pk)
    when = created or timezone.now() - dt.timedelta(minutes=10)
    Clue.objects.filter(pk=clue.pk).update(created_at=when)
    Report.objects.filter(clue=clue).update(created_at=when)
    clue.refresh_from_db()
    return clue


def add_report(clue: Clue, *, at: dt.datetime | None = None) -> Report:
    with transaction.atomic():
        report = Report.objects.create(tracking_hash=secrets.token_hex(32), clue=clue, channel="web", text="again",
                                       division=clue.division)
        Clue.objects.filter(pk=clue.pk).update(report_count=clue.report_count + 1)
        record("report.submitted", actor=Actor.reporter(), subject_type="report", subject_id=report.pk)
    Report.objects.filter(pk=report.pk).update(created_at=at or timezone.now() - dt.timedelta(minutes=10))
    clue.refresh_from_db()
    return report


def move(clue: Clue, state: str, *, user: Any = None, unit: Any = None, deadline: dt.datetime | None = None,
         outcome: str | None = None, concluded_at: dt.datetime | None = None, umbrella: bool | None = None) -> Clue:
    """Put a clue in ``state`` with one ledger event, as a clue verb would."""
    with transaction.atomic():
        clue = Clue.objects.select_for_update().get(pk=clue.pk)
        before = clue.state
        clue.state = state
        if unit is not None:
            clue.unit = unit
            Assignment.objects.filter(clue=clue, active=True).update(active=False)
            Assignment.objects.create(clue=clue, unit=unit, mode="local", assigned_by=user,
                                      deadline=deadline or timezone.now() + dt.timedelta(days=30))
        if deadline is not None:
            clue.deadline = deadline
        if umbrella is not None:
            clue.umbrella = umbrella
        if state in ("concluded", "reviewed"):
            clue.concluded_at = concluded_at or timezone.now()
            Conclusion.objects.filter(clue=clue).update(superseded=True)
            Conclusion.objects.create(clue=clue, unit=clue.unit or unit, drafter=user, finding="substantiated",
                                      outcome=outcome or "no_action", summary="s", public_wording="p", final=True)
        elif clue.concluded_at is not None:
            clue.concluded_at = None
        clue.version += 1
        clue.save()
        record("clue.test_move", actor=Actor.staff(user) if user else Actor.system("test"), subject_type="clue",
               subject_id=clue.public_id, data={"from": before, "to": state})
    return clue
