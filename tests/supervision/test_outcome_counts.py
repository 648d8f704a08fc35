"""Supervision statistics count a conclusion under each of its outcomes: a criminal case recorded
beside a discipline referral (as a further outcome, or as the main one) is a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cluedesk.clues.models import Conclusion, join_outcomes
from cluedesk.supervision import stats
from tests.org.factories import make_division, make_staff, world

from .helpers import move, new_clue

pytestmark = pytest.mark.django_db


def test_a_case_recorded_beside_a_discipline_referral_counts_as_a_case_either_way() -> None:
    w = world(with_clues=False)
    now = timezone.now()
    verifier = make_staff("verifier-x", w.county, "verifier")
    county = make_division("430181")
    both_main_discipline = move(new_clue(county), "concluded", user=verifier, unit=w.county, outcome="discipline",
                                concluded_at=now)
    Conclusion.objects.filter(clue=both_main_discipline).update(also_outcomes=join_outcomes(["criminal_case"]))
    both_main_case = move(new_clue(county), "concluded", user=verifier, unit=w.county, outcome="criminal_case",
                          concluded_at=now)
    Conclusion.objects.filter(clue=both_main_case).update(also_outcomes=join_outcomes(["discipline"]))
    move(new_clue(county), "concluded", user=verifier, unit=w.county, outcome="discipline", concluded_at=now)
    stats.rebuild(now + dt.timedelta(hours=1))

    month = stats.month_of(now)
    row = stats.one(county, month, month)
    assert (row.concluded, row.cases) == (3, 2)
