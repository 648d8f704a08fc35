import datetime as dt
import random

import pytest
from django.utils import timezone

from cluedesk.clues.models import Clue
from cluedesk.org.models import Division
from cluedesk.supervision import stats
from cluedesk.supervision.models import Fact
from tests.org.factories import make_division, make_staff, make_unit

from .helpers import add_report, move, new_clue

pytestmark = pytest.mark.django_db

COUNTIES = ["430181", "430102", "440113"]


@pytest.fixture
def place():
    nation = make_unit("N", "000000")
    units = {code: make_unit(f"U{code}", code, parent=nation) for code in COUNTIES}
    user = make_staff("mover", nation, "dispatcher")
    return units, user


def _assert_equal(now):
    stored = stats.stored_cells()
    full = stats.full_cells(now).normalized()
    assert stored[0] == full[0]
    assert stored[1] == full[1]


def test_maintained_facts_equal_a_full_recomputation_after_random_activity(place):
    units, user = place
    rng = random.Random(7)
    real = timezone.now()
    clues: list[Clue] = []
    now = real
    for step in range(6):
        for _ in range(rng.randint(3, 8)):
            code = rng.choice(COUNTIES)
            created = real - dt.timedelta(days=rng.randint(0, 150), hours=1)
            clues.append(new_clue(make_division(code), created=created, reports=rng.randint(1, 3)))
        for clue in rng.sample(clues, min(len(clues), 6)):
            clue.refresh_from_db()
            choice = rng.random()
            if choice < 0.2:
                move(clue, "invalid", user=user)
            elif choice < 0.5:
                move(clue, "assigned", user=user, unit=units[clue.division_id],
                     deadline=real + dt.timedelta(days=rng.randint(-5, 8)))
            elif choice < 0.8:
                move(clue, "concluded", user=user, unit=units[clue.division_id], outcome=rng.choice(
                    ["criminal_case", "no_action"]), concluded_at=clue.created_at + dt.timedelta(days=rng.randint(1, 90)))
            elif choice < 0.9:
                move(clue, "assigned", user=user, umbrella=True)  # a review reopened it
            else:
                add_report(clue)
        # simulated clock: a day passes between runs, so some deadlines pass without any event
        now = real + dt.timedelta(days=step + 1)
        stats.refresh(now)
        _assert_equal(now)
    assert Fact.objects.filter(level=0).exists()
    # a second run over the same state changes nothing
    assert stats.refresh(now)["clues_changed"] == 0
    _assert_equal(now)


def test_rebuild_equals_full_recomputation_and_rolls_up_the_tree(place):
    units, user = place
    now = timezone.now()
    a = new_clue(make_division("430181"), reports=2)
    b = new_clue(make_division("430102"))
    new_clue(make_division("440113"))
    move(a, "concluded", user=user, unit=units["430181"], outcome="criminal_case",
         concluded_at=a.created_at + dt.timedelta(days=10))
    move(b, "assigned", user=user, unit=units["430102"], deadline=now - dt.timedelta(days=1))
    stats.rebuild(now)
    _assert_equal(now)
    month = stats.month_of(a.created_at)
    city = stats.one(Division.objects.get(code="430100"), month, month)
    nation = stats.one(Division.objects.get(code="000000"), month, month)
    assert (city.clues, city.dispatched, city.concluded, city.cases, city.overdue) == (2, 2, 1, 1, 1)
    assert nation.clues == 3 and nation.reports == 4 and nation.repeat_reports == 1
    assert city.verification_rate == 0.5 and city.case_rate == 1.0
    assert city.median_days == 10
    provinces = stats.table(None, Division.objects.get(code="000000"), month, month)
    assert sum(r.clues for r in provinces) == nation.clues


def test_median_days_from_the_histogram():
    assert stats._median({3: 1, 10: 1}) == 6.5
    assert stats._median({1: 2, 5: 1}) == 1
    assert stats._median({}) is None


def test_bad_month_is_refused_with_a_readable_message():
    with pytest.raises(ValueError, match="YEAR-MONTH"):
        stats.parse_month("May 2026")
    assert stats.parse_month("2026-5") == dt.date(2026, 5, 1)
