"""Two people acting on the same clue at the same moment: exactly one wins, the other is told."""

from __future__ import annotations

import pytest
from django.db import connection

from cluedesk.clues import services
from cluedesk.clues.models import Clue
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import verify
from tests.threads import race

# SQLite's test database is in memory and serializes writers at BEGIN IMMEDIATE anyway; the
# row lock that matters is PostgreSQL's SELECT ... FOR UPDATE.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locking is tested on PostgreSQL"),
]


def test_two_dispatchers_assigning_at_once_one_wins(world) -> None:
    clue = world.clue(Clue.State.SCREENED)
    v = clue.version
    results = race(
        lambda: services.assign(clue.pk, acting_user=world.dispatcher, unit=world.units["K1"].pk, mode="local",
                                version=v),
        lambda: services.assign(clue.pk, acting_user=world.dispatcher_c1, unit=world.units["C1"].pk,
                                mode="upgraded", version=v),
    )
    wins = [r for r in results if isinstance(r, services.Outcome) and r.changed]
    refusals = [r for r in results if isinstance(r, services.WorkflowError)]
    assert len(wins) == 1 and len(refusals) == 1, results
    assert refusals[0].state == Clue.State.ASSIGNED
    clue.refresh_from_db()
    assert clue.version == v + 1 and clue.assignments.filter(active=True).count() == 1
    assert Event.objects.filter(verb="clue.assign").count() == 1
    assert verify().ok


def test_the_same_verb_twice_at_once_happens_once(world) -> None:
    clue = world.clue()
    v = clue.version
    results = race(*[lambda: services.screen_valid(clue.pk, acting_user=world.reviewer, version=v)] * 2)
    assert sorted(r.changed for r in results) == [False, True], results
    assert Event.objects.filter(verb="clue.screen_valid").count() == 1


def test_three_signatories_signing_at_once_all_count(world) -> None:
    clue = world.clue(Clue.State.SCREENED)
    services.assign(clue, acting_user=world.dispatcher, unit=world.units["K1"], mode="local")
    services.start_verification(clue, acting_user=world.verifier)
    services.draft_conclusion(clue, acting_user=world.verifier, finding="partly", outcome="no_action",
                              summary="s", public_wording="p")
    results = race(*[lambda who=who: services.sign(clue.pk, acting_user=world.people[who])
                     for who in ("sig1", "sig2", "sig3")])
    assert all(isinstance(r, services.Outcome) and r.changed for r in results), results
    clue.refresh_from_db()
    assert clue.state == Clue.State.SIGNED
    assert clue.current_conclusion.valid_signatures().count() == 3
