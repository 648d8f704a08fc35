"""Named places for the register tests: the world of tests/org/factories.py plus discipline units."""

from __future__ import annotations

import datetime as dt

import pytest

from cluedesk.org.models import Unit

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def w(org_world):
    from tests.org.factories import make_unit

    org_world.discipline_city = make_unit("Changsha discipline commission", "430100", type=Unit.Type.DISCIPLINE)
    return org_world


@pytest.fixture
def ledger_head():
    from cluedesk.ledger.models import Head

    return lambda: Head.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
