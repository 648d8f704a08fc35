"""The division picker's reading of a typed text: a code (alone or after the name the picker
writes), an exact name (the person's own territory first, since names repeat), else the one name
of the territory that contains the text; and its search, limited to the person's territory."""

from __future__ import annotations

import pytest

from cluedesk.org.lists import resolve_division, search_divisions
from cluedesk.org.models import Division
from tests.org.factories import make_division

pytestmark = pytest.mark.django_db


def test_a_code_a_name_or_the_pickers_value_names_one_division(org_world) -> None:
    w = org_world
    person = w.staff["verifier"]  # Liuyang
    liuyang = w.county.division
    assert resolve_division(person, liuyang.code) == liuyang
    assert resolve_division(person, f"{liuyang.name} {liuyang.code}") == liuyang
    assert resolve_division(person, liuyang.name) == liuyang
    assert resolve_division(person, liuyang.name[:2]) == liuyang  # the only one of the territory
    assert resolve_division(person, "") is None and resolve_division(person, "nowhere") is None


def test_a_repeated_name_means_the_one_in_the_persons_territory(org_world) -> None:
    w = org_world
    liuyang = w.county.division
    twin = Division.objects.create(code="990101", name=liuyang.name, level=3, parent=make_division("430000"),
                                   path="000000/430000/990101/")
    assert resolve_division(w.staff["verifier"], liuyang.name) == liuyang
    assert resolve_division(w.other_staff["verifier"], liuyang.name) == liuyang  # outside both: the first by code
    assert twin.code not in {d.code for d in search_divisions(w.staff["verifier"], liuyang.name)}


def test_the_search_stays_inside_the_territory(org_world) -> None:
    w = org_world
    found = {d.code for d in search_divisions(w.staff["verifier"], "4301")}
    assert found == {w.county.division.code}  # not Changsha above it, not Furong beside it
    assert search_divisions(w.staff["verifier"], "   ") == []
