"""Published statistics count a verification once as concluded and under each outcome of its final
conclusion (a criminal case and a discipline referral: under both), and small-cell suppression
still protects an outcome cell when outcomes add up to more than the verifications concluded."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from cluedesk.clues.models import Conclusion, join_outcomes
from cluedesk.records import lattice, statistics
from cluedesk.records.lattice import ALL, OUTCOMES, solve
from tests.records.test_differencing import (
    CATS,
    GUANGDONG_PLACES,
    HUNAN_PLACES,
    MIN_SCOPE,
    K,
    seeded_year,
    tree,
)
from tests.supervision.helpers import move, new_clue


@pytest.mark.django_db
def test_a_case_with_a_discipline_referral_counts_once_as_concluded_and_under_both(org_world) -> None:
    w = org_world
    last = timezone.localtime(timezone.now()).year - 1
    at = dt.datetime(last, 3, 15, 12, 0, tzinfo=timezone.get_current_timezone())
    clue = move(new_clue(w.county.division, created=at, category="gambling"), "concluded", user=w.staff["verifier"],
                unit=w.county, outcome="criminal_case", concluded_at=at)
    Conclusion.objects.filter(clue=clue).update(also_outcomes=join_outcomes(["discipline", "criminal_case"]))

    counts = statistics.month_counts(dt.date(last, 3, 1))
    place = w.county.division.code
    assert counts["outcomes"][place]["gambling"] == {"criminal_case": 1}
    assert counts["further"][place]["gambling"] == {"discipline": 1}  # the main one is not counted twice
    cells = lattice.month_cells(counts, statistics.region_tree({place}))
    for node in (place, "000000"):
        assert cells[(node, ALL, "concluded")] == 1
        assert cells[(node, ALL, "criminal_case")] == 1 and cells[(node, ALL, "discipline")] == 1
        assert cells[(node, "gambling", "discipline")] == 1


def _with_further_outcomes(seed: int = 7) -> dict[dt.date, dict]:
    """The differencing tests' year, with a further outcome on some conclusions."""
    rng = random.Random(seed)
    months = seeded_year()
    for counts in months.values():
        counts["further"] = {}
        for places in (HUNAN_PLACES, GUANGDONG_PLACES):
            for _ in range(rng.randint(0, 4)):
                place, cat = rng.choice(places), rng.choice(CATS)
                by = counts["further"].setdefault(place, {}).setdefault(cat, {})
                outcome = rng.choice(["discipline", "transferred"])
                by[outcome] = by.get(outcome, 0) + 1
    return months


def test_a_small_outcome_cell_is_never_the_only_hidden_one_of_its_line() -> None:
    """With several outcomes per conclusion, the outcomes add up to the verifications concluded plus
    the further outcomes; a reader who guesses the latter must still not recover a hidden outcome
    from the concluded figure and the other outcomes."""
    result = solve(_with_further_outcomes(), tree(), k=K, min_scope=MIN_SCOPE)
    checked = 0
    more = 0
    for (p, n, c, col) in result.published_cells:
        if col != "concluded":
            continue
        line = [(p, n, c, o) for o in OUTCOMES] + [(p, n, c, col)]
        hidden = [x for x in line if x in result.hidden]
        small = [x for x in hidden if 0 < result.values[x] < K]
        assert not small or len(hidden) > 1, (p, n, c, hidden)
        checked += 1
        more += sum(result.values[(p, n, c, o)] for o in OUTCOMES) > result.values[(p, n, c, col)]
    assert checked > 50 and more > 10  # the check ran over lines where outcomes exceed conclusions


def test_small_outcome_cells_from_further_outcomes_are_hidden() -> None:
    result = solve(_with_further_outcomes(), tree(), k=K, min_scope=MIN_SCOPE)
    small = [cell for cell in result.published_cells if cell[3] in OUTCOMES and 0 < result.values[cell] < K]
    assert small and all(cell in result.hidden for cell in small)
