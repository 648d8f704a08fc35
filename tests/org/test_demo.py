from __future__ import annotations

import random

import pytest

from cluedesk.demo.org import UNITS, seed_org
from cluedesk.org.models import Membership, Role, Unit

pytestmark = pytest.mark.django_db


def test_demo_org_has_every_role_in_every_unit_and_is_idempotent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    people = seed_org(random.Random(7))
    assert len(people) == len(UNITS) * len(Role.values)
    assert all(password for _u, password, _r, _unit in people)
    for unit in Unit.objects.all():
        assert set(Membership.objects.filter(unit=unit).values_list("role", flat=True)) == set(Role.values)
    national = Unit.objects.get(division_id="000000")
    assert Unit.objects.get(division_id="430181").parent.parent.parent == national
    again = seed_org(random.Random(8))
    assert Unit.objects.count() == len(UNITS) and Membership.objects.count() == len(people)
    assert all(password == "" for _u, password, _r, _unit in again)
    from django.contrib.auth import authenticate

    username, password, roles, _unit = people[0]
    assert authenticate(username=username, password=password) is not None
