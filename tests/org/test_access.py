from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cluedesk.clues.models import Clue
from cluedesk.org.access import get_visible_or_404, is_staff_member, roles_of, visible_to
from cluedesk.org.models import Membership, Unit

from .factories import make_staff, make_unit

pytestmark = pytest.mark.django_db


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_a_county_office_sees_its_county_only(org_world):
    w = org_world
    verifier = w.staff["verifier"]
    assert _ids(visible_to(verifier, Clue.objects.all(), "view")) == {w.clue_in.pk}


def test_a_city_office_sees_its_subtree_and_the_nation_everything(org_world):
    w = org_world
    elsewhere = Clue.objects.create(division=make_unit("Panyu office", "440113").division)
    nowhere = Clue.objects.create(division=None)
    city_sup = make_staff("changsha-supervisor", w.city, "supervisor")
    nation_sup = make_staff("national-supervisor", w.nation, "supervisor")
    assert _ids(visible_to(city_sup, Clue.objects.all(), "view")) == {w.clue_in.pk, w.clue_out.pk}
    assert _ids(visible_to(nation_sup, Clue.objects.all(), "view")) == {w.clue_in.pk, w.clue_out.pk,
                                                                         elsewhere.pk, nowhere.pk}


def test_out_of_scope_is_404_and_wrong_role_is_403(org_world):
    w = org_world
    verifier, auditor = w.staff["verifier"], w.staff["auditor"]
    assert get_visible_or_404(verifier, Clue.objects.all(), "verify", pk=w.clue_in.pk) == w.clue_in
    with pytest.raises(Http404):
        get_visible_or_404(verifier, Clue.objects.all(), "verify", pk=w.clue_out.pk)
    with pytest.raises(PermissionDenied):
        get_visible_or_404(auditor, Clue.objects.all(), "verify", pk=w.clue_in.pk)
    with pytest.raises(Http404):  # a tampered id that is not even a number
        get_visible_or_404(verifier, Clue.objects.all(), "verify", pk="1 OR 1=1")


def test_unknown_actions_fail_closed(org_world):
    with pytest.raises(ValueError):
        visible_to(org_world.staff["verifier"], Clue.objects.all(), "look_around")


def test_people_without_a_membership_see_nothing(org_world):
    from django.contrib.auth import get_user_model

    stranger = get_user_model().objects.create_user("stranger")
    assert not visible_to(stranger, Clue.objects.all()).exists()
    assert not visible_to(AnonymousUser(), Clue.objects.all()).exists()
    assert not is_staff_member(stranger) and roles_of(AnonymousUser()) == set()


def test_an_inactive_unit_gives_no_scope(org_world):
    w = org_world
    Unit.objects.filter(pk=w.county.pk).update(active=False)
    verifier = type(w.staff["verifier"]).objects.get(pk=w.staff["verifier"].pk)
    assert not visible_to(verifier, Clue.objects.all()).exists()


def test_units_are_scoped_by_membership(org_world):
    w = org_world
    admin = w.staff["admin"]
    assert _ids(visible_to(admin, Unit.objects.all(), "manage_members")) == {w.county.pk}
    assert not visible_to(w.staff["verifier"], Unit.objects.all(), "manage_members").exists()
    assert _ids(visible_to(admin, Membership.objects.all(), "view")) == set(
        Membership.objects.filter(unit=w.county).values_list("pk", flat=True))


def test_a_clue_implicating_a_unit_is_hidden_from_it_and_below(org_world):
    from cluedesk.clues.models import ImplicatedUnit

    w = org_world
    city_sup = make_staff("changsha-supervisor", w.city, "supervisor")
    province_sup = make_staff("hunan-supervisor", w.province, "supervisor")
    ImplicatedUnit.objects.create(clue=w.clue_in, unit=w.city)
    assert w.clue_in.pk not in _ids(visible_to(city_sup, Clue.objects.all()))
    assert w.clue_in.pk not in _ids(visible_to(w.staff["verifier"], Clue.objects.all()))  # county: below the city
    assert w.clue_in.pk in _ids(visible_to(province_sup, Clue.objects.all()))  # above: still sees it


def test_a_clue_handed_to_a_unit_elsewhere_is_visible_to_it(org_world, monkeypatch):
    """Off-site verification: a model declaring scope_unit_field is visible to the unit it names."""
    w = org_world
    monkeypatch.setattr(Clue, "scope_unit_field", "unit", raising=False)
    Clue.objects.filter(pk=w.clue_out.pk).update(unit=w.county)
    assert _ids(visible_to(w.staff["verifier"], Clue.objects.all())) == {w.clue_in.pk, w.clue_out.pk}
    assert _ids(visible_to(w.other_staff["verifier"], Clue.objects.all())) == {w.clue_out.pk}


def test_scoped_querysets_can_be_locked(org_world):
    from django.db import transaction

    with transaction.atomic():
        rows = list(visible_to(org_world.staff["verifier"], Clue.objects.select_for_update(), "verify"))
    assert [c.pk for c in rows] == [org_world.clue_in.pk]
