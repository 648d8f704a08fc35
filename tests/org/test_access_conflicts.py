"""Conflict of interest on every kind of row about a clue, not only on ``Clue`` itself; people with
memberships in several units and roles.

Issue 22: breaking ``_clue_field`` for models whose ``scope_field`` is exactly ``clue__division``
(disclosure requests, legal holds, purges, sample items, hand-overs, supervision items) failed no
test, though it would let the custodian of an implicated unit approve revealing the reporter of a
clue about that unit. The models are listed here by hand: a new clue-related model must be added
to the list (or say ``scope_clue_field = ""`` and why) — see the last test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.org.access import get_visible_or_404, visible_to
from cluedesk.org.models import Role

from .factories import make_staff, make_unit

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _disclosure(w: Any, clue: Clue) -> Any:
    from cluedesk.vault.models import DisclosureRequest

    return DisclosureRequest.objects.create(clue=clue, report_pk=clue.pk, requester=w.staff["verifier"],
                                            reason="needed for an interview", ephemeral_public=b"k" * 32)


def _hold(w: Any, clue: Clue) -> Any:
    from cluedesk.records.models import LegalHold

    return LegalHold.objects.create(clue=clue, reason="court order", placed_by=w.staff["custodian"], placed_at=NOW)


def _purge(w: Any, clue: Clue) -> Any:
    from cluedesk.records.models import Purge

    return Purge.objects.create(clue=clue, purged_at=NOW, retention_days=30)


def _supervision_item(w: Any, clue: Clue) -> Any:
    from cluedesk.supervision.models import SupervisionItem

    return SupervisionItem.objects.create(clue=clue, flag="overdue", action="watch", opened_at=NOW)


def _sample_item(w: Any, clue: Clue) -> Any:
    from cluedesk.supervision.models import SampleItem, SampleMonth

    month, _ = SampleMonth.objects.get_or_create(month=dt.date(2031, 1, 1), defaults={
        "seed_hash": "0" * 64, "seed": "1" * 64, "committed_at": NOW})
    return SampleItem.objects.create(sample=month, clue=clue, group=clue.division, rank=clue.pk)


def _handover(w: Any, clue: Clue) -> Any:
    from cluedesk.supervision.models import Handover, InspectionRound, InspectionTeam

    rnd, _ = InspectionRound.objects.get_or_create(name="round", defaults={
        "division": w.nation.division, "starts": dt.date(2031, 1, 1), "ends": dt.date(2031, 2, 1),
        "created_by": w.staff["supervisor"], "created_at": NOW})
    team, _ = InspectionTeam.objects.get_or_create(round=rnd, name="team 1")
    return Handover.objects.create(round=rnd, team=team, clue=clue, unit=w.county, deadline=dt.date(2031, 3, 1),
                                   handed_by=w.staff["supervisor"], handed_at=NOW)


# (model label, how to make a row about a clue, a role that may see such rows)
CLUE_ROWS: list[tuple[str, Callable[[Any, Clue], Any], str]] = [
    ("vault.DisclosureRequest", _disclosure, Role.CUSTODIAN),
    ("records.LegalHold", _hold, Role.CUSTODIAN),
    ("records.Purge", _purge, Role.SUPERVISOR),
    ("supervision.SupervisionItem", _supervision_item, Role.SUPERVISOR),
    ("supervision.SampleItem", _sample_item, Role.AUDITOR),
    ("supervision.Handover", _handover, Role.SUPERVISOR),
]


def _ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.mark.parametrize(("label", "make", "role"), CLUE_ROWS, ids=[r[0] for r in CLUE_ROWS])
def test_rows_about_a_clue_implicating_the_unit_or_one_above_it_are_hidden(org_world, label: str, make, role: str):
    w = org_world
    clean = Clue.objects.create(division=w.county.division)
    barred_row, clean_row = make(w, w.clue_in), make(w, clean)
    ImplicatedUnit.objects.create(clue=w.clue_in, unit=w.city)  # the city above the county
    model = apps.get_model(label)
    county = make_staff(f"liuyang-{role}-2", w.county, role)   # below the implicated city
    city = make_staff(f"changsha-{role}", w.city, role)        # the implicated unit itself
    province = make_staff(f"hunan-{role}", w.province, role)   # above it: not conflicted
    assert _ids(visible_to(county, model.objects.all())) == {clean_row.pk}
    assert _ids(visible_to(city, model.objects.all())) == {clean_row.pk}
    assert _ids(visible_to(province, model.objects.all())) == {clean_row.pk, barred_row.pk}
    with pytest.raises(Exception) as hidden:
        get_visible_or_404(county, model.objects.all(), "view", pk=barred_row.pk)
    assert type(hidden.value).__name__ == "Http404"


def test_a_custodian_of_an_implicated_unit_cannot_reach_a_disclosure_request_to_decide_it(org_world):
    w = org_world
    req = _disclosure(w, w.clue_in)
    ImplicatedUnit.objects.create(clue=w.clue_in, unit=w.county)
    from cluedesk.vault.models import DisclosureRequest

    assert not visible_to(w.staff["custodian"], DisclosureRequest.objects.all(), "decide_disclosure").exists()
    province_custodian = make_staff("hunan-custodian", w.province, Role.CUSTODIAN)
    assert _ids(visible_to(province_custodian, DisclosureRequest.objects.all(), "decide_disclosure")) == {req.pk}


def test_every_model_reaching_a_clue_is_listed_or_says_it_is_not_about_one():
    """A new model with a foreign key to a clue is covered by the conflict exclusion, or declares
    ``scope_clue_field = ""`` itself; the scoped ones must be in CLUE_ROWS above (hand-written)."""
    from cluedesk.org.access import _clue_field

    listed = {label for label, _m, _r in CLUE_ROWS}
    declared = {"compliance.OralRecord"}  # names its clue field itself (scope_clue_field = "report__clue")
    scoped_through_clue = set()
    for model in apps.get_models():
        scope_field = getattr(model, "scope_field", "division") or ""
        if "clue__" in scope_field and getattr(model, "scope_clue_field", None) != "":
            assert _clue_field(model) is not None, model._meta.label
            scoped_through_clue.add(model._meta.label)
    assert listed <= scoped_through_clue
    missing = scoped_through_clue - listed - declared
    assert not missing, f"add a conflict-of-interest test row for {sorted(missing)}"


# --- several units and roles ----------------------------------------------------------------

def test_a_role_held_in_one_unit_gives_no_scope_for_it_in_another(org_world):
    """Verifier in one county, custodian in the other: each action reaches only its own unit."""
    w = org_world
    person = make_staff("two-hats", w.county, Role.VERIFIER)
    from cluedesk.org.models import Membership

    Membership.objects.create(user=person, unit=w.other_county, role=Role.CUSTODIAN)
    person = type(person).objects.get(pk=person.pk)
    assert _ids(visible_to(person, Clue.objects.all(), "verify")) == {w.clue_in.pk}
    assert _ids(visible_to(person, Clue.objects.all(), "decide_disclosure")) == {w.clue_out.pk}
    assert _ids(visible_to(person, Clue.objects.all(), "view")) == {w.clue_in.pk, w.clue_out.pk}
    assert not visible_to(person, Clue.objects.all(), "dispatch").exists()


def test_a_conflict_in_one_of_several_units_bars_the_person_everywhere(org_world):
    """The exclusion follows the person, not the membership used for the action."""
    w = org_world
    person = make_staff("two-units", w.county, Role.SUPERVISOR)
    from cluedesk.org.models import Membership

    Membership.objects.create(user=person, unit=w.other_county, role=Role.SUPERVISOR)
    person = type(person).objects.get(pk=person.pk)
    ImplicatedUnit.objects.create(clue=w.clue_out, unit=w.county)  # a clue in 芙蓉 implicating 浏阳
    assert _ids(visible_to(person, Clue.objects.all(), "supervise")) == {w.clue_in.pk}


def test_a_membership_of_a_deactivated_unit_gives_no_scope_while_another_still_does(org_world):
    w = org_world
    person = make_staff("moved", w.county, Role.VERIFIER)
    from cluedesk.org.models import Membership, Unit

    Membership.objects.create(user=person, unit=w.other_county, role=Role.VERIFIER)
    Unit.objects.filter(pk=w.county.pk).update(active=False)
    person = type(person).objects.get(pk=person.pk)
    assert _ids(visible_to(person, Clue.objects.all(), "verify")) == {w.clue_out.pk}


def test_a_sub_office_is_not_the_national_office(org_world):
    """Only the root division's own path sees everything; a unit under it sees its subtree."""
    w = org_world
    elsewhere = Clue.objects.create(division=make_unit("Panyu office", "440113").division)
    province_sup = make_staff("hunan-sup", w.province, Role.SUPERVISOR)
    assert elsewhere.pk not in _ids(visible_to(province_sup, Clue.objects.all()))
