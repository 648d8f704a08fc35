from __future__ import annotations

import pytest

from cluedesk.clues.models import Clue
from cluedesk.demo.clues import run_demo_lifecycle
from cluedesk.ledger.services import verify

pytestmark = pytest.mark.django_db


def test_the_demo_lifecycle_reaches_every_scenario_and_the_ledger_verifies(world) -> None:
    for _ in range(7):
        world.clue()
    done = run_demo_lifecycle()
    assert [state for _id, state in done] == ["reviewed", "concluded", "drafted", "verifying", "screened",
                                              "invalid"]
    offsite = Clue.objects.get(public_id=done[1][0])
    assert offsite.mode == "offsite" and offsite.unit == world.units["K2"]
    assert verify().ok
