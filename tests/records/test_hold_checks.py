"""Each of the two legal-hold checks on its own (issue 22: they masked each other).

``policy.candidates`` marks a held clue (so a run lists it as held, and a dry run too, without
trying it), and ``purge_clue`` refuses a held clue whatever candidate it is handed (a hold placed
after the list was made, or a caller that did not look). A test through ``run_retention`` alone
passes when either one is gone; these fail when the one they name is.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cluedesk.deployment import profiles
from cluedesk.ledger.models import Event
from cluedesk.records import policy, services
from cluedesk.records.models import Purge
from cluedesk.records.policy import RetentionError

from .helpers import T0, full_clue

pytestmark = pytest.mark.django_db

NO_ACTION_DAYS = profiles.PROFILES["national_anti_gang"].retention_days["no_action"]
LATER = T0 + dt.timedelta(days=NO_ACTION_DAYS + 30)


def test_candidates_mark_a_held_clue_and_a_dry_run_lists_it_as_held(org_world):
    clue = full_clue(org_world)
    hold = services.place_hold(clue, reason="Court order 2031-17", user=org_world.staff["custodian"])
    _profile, periods = policy.periods_in_force()
    [candidate] = policy.candidates(periods)
    assert candidate.held and candidate.hold_id == hold.pk and candidate.hold_reason == "Court order 2031-17"
    dry = services.run_retention(now=LATER, dry_run=True)
    assert dry.due == [] and [c.public_id for c in dry.held] == [clue.public_id]
    assert dry.counts.get("reports", 0) == 0  # nothing personal counted as going


def test_a_released_hold_no_longer_marks_the_clue(org_world):
    clue = full_clue(org_world)
    custodian = org_world.staff["custodian"]
    hold = services.place_hold(clue, reason="Inquiry", user=custodian)
    services.release_hold(hold.pk, reason="Inquiry closed", user=custodian)
    _profile, periods = policy.periods_in_force()
    [candidate] = policy.candidates(periods)
    assert not candidate.held
    assert [c.public_id for c in services.run_retention(now=LATER, dry_run=True).due] == [clue.public_id]


def test_purge_clue_refuses_a_clue_held_after_its_candidate_was_made(org_world):
    clue = full_clue(org_world)
    _profile, periods = policy.periods_in_force()
    [candidate] = policy.due(periods, LATER)
    assert not candidate.held
    services.place_hold(clue, reason="Court order 2031-18", user=org_world.staff["custodian"])
    events = Event.objects.count()
    with pytest.raises(RetentionError) as refused:
        services.purge_clue(candidate, now=LATER, actor=services.Actor.system())
    assert refused.value.code == "held" and "Court order 2031-18" in str(refused.value.message)
    assert not Purge.objects.filter(clue=clue).exists() and Event.objects.count() == events
    assert clue.reports.get().text != ""
