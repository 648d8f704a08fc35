"""Compliance fixtures: reports made directly (no triage) at a chosen receipt time, in the world of
tests/org/factories.py; a fixed 'now' for the clocks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # the receipt time of most reports here


@pytest.fixture(autouse=True)
def _fresh_profile() -> Any:
    from cluedesk.deployment.models import Deployment

    Deployment.forget_cached()
    yield
    Deployment.forget_cached()


def make_report(clue: Any, received: dt.datetime = T0, *, channel: str = "web", entered_by: Any = None) -> Any:
    """A report on ``clue`` received at ``received``; returns (report, tracking code)."""
    from cluedesk.intake import tracking
    from cluedesk.intake.models import Report

    code = tracking.new_code()
    report = Report.objects.create(tracking_hash=tracking.code_hash(code), clue=clue, channel=channel,
                                   text="某市场有人收保护费", entered_by=entered_by, division=clue.division)
    Report.objects.filter(pk=report.pk).update(created_at=received)
    report.refresh_from_db()
    report.code = code
    return report


def at(obj: Any, when: dt.datetime) -> Any:
    """Move a row's created_at (a message, a public step) to ``when``."""
    type(obj).objects.filter(pk=obj.pk).update(created_at=when)
    return obj


@pytest.fixture
def national_profile(db: Any) -> Any:
    from cluedesk.deployment.services import set_profile
    from cluedesk.ledger.services import Actor

    return set_profile("national_anti_gang", {}, actor=Actor.system("test"),
                       now=T0 - dt.timedelta(days=30))
