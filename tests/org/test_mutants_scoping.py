"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/org/access.py (issue 22).

Each expectation is written by hand from what the scoping promises (module docstring of
``org.access``, docs of the callers: the highest division first for a dashboard's default, a
membership change seen after ``forget_grants``, 401 for the API without a verified staff member),
not derived from the code under test.
"""

from __future__ import annotations

import secrets
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.intake.models import Report
from cluedesk.org import access
from cluedesk.org.access import (
    SUDO_SESSION_KEY,
    forget_grants,
    get_visible_or_404,
    grant_sudo,
    is_staff_member,
    is_verified,
    roles_of,
    staff_api_auth,
    staff_required,
    sudo_active,
    sudo_required,
    territory,
    unit_ids_of,
    visible_to,
)
from cluedesk.org.models import ROOT_CODE, Membership
from cluedesk.platform.registry import registry

from .factories import make_division, make_staff, make_unit

pytestmark = pytest.mark.django_db


def _ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def _report(division_code: str | None, clue: Clue | None = None) -> Report:
    return Report.objects.create(tracking_hash=secrets.token_hex(32), channel="web", text="x", clue=clue,
                                 division=make_division(division_code) if division_code else None)


def _ok(request: Any) -> HttpResponse:
    return HttpResponse("inside")


# --- the memberships, read once --------------------------------------------------------------

def test_memberships_are_read_once_per_user_object(org_world, django_assert_num_queries) -> None:
    verifier = type(org_world.staff["verifier"]).objects.get(pk=org_world.staff["verifier"].pk)
    assert roles_of(verifier) == {"verifier"}
    with django_assert_num_queries(0):
        assert roles_of(verifier) == {"verifier"}
        assert is_staff_member(verifier)
        assert unit_ids_of(verifier) == {org_world.county.pk}


def test_a_new_membership_is_seen_once_the_grants_are_forgotten(org_world) -> None:
    w = org_world
    verifier = type(w.staff["verifier"]).objects.get(pk=w.staff["verifier"].pk)
    assert roles_of(verifier) == {"verifier"}
    Membership.objects.create(user=verifier, unit=w.county, role="auditor")
    assert roles_of(verifier) == {"verifier"}  # the same request: still what was read
    forget_grants(verifier)
    assert roles_of(verifier) == {"verifier", "auditor"}
    forget_grants(AnonymousUser())  # nothing cached: nothing to forget, no error


def test_unit_ids_of_names_the_units_whose_roles_allow_the_action(org_world) -> None:
    w = org_world
    person = make_staff("two-hats", w.county, "verifier")
    make_staff("two-hats", w.other_county, "admin")
    assert unit_ids_of(person) == {w.county.pk, w.other_county.pk}  # "view": every role
    forget_grants(person)
    assert unit_ids_of(person, "manage_members") == {w.other_county.pk}
    assert unit_ids_of(person, "verify") == {w.county.pk}
    assert unit_ids_of(person, "sign") == set()


# --- territory: the highest divisions first ---------------------------------------------------

def test_territory_is_the_highest_divisions_for_the_action_highest_first(org_world) -> None:
    w = org_world
    guangdong = make_unit("Guangdong anti-gang office", "440000", parent=w.nation)
    person = make_staff("roaming-supervisor", w.county, "supervisor")
    make_staff("roaming-supervisor", w.city, "supervisor")       # above the county: the county is inside it
    make_staff("roaming-supervisor", guangdong, "supervisor")
    make_staff("roaming-supervisor", w.other_county, "verifier")  # no "supervise" there
    assert territory(person, "supervise") == [f"{ROOT_CODE}/440000/", f"{ROOT_CODE}/430000/430100/"]
    assert territory(person, "verify") == [f"{ROOT_CODE}/430000/430100/430102/"]
    assert territory(person, "sign") == []
    assert territory(AnonymousUser(), "supervise") == []


def test_territory_of_a_single_grant_is_that_division(org_world) -> None:
    assert territory(org_world.staff["verifier"], "verify") == [f"{ROOT_CODE}/430000/430100/430181/"]


# --- scoping rows -----------------------------------------------------------------------------

def test_a_model_without_scope_field_is_scoped_by_its_division(org_world) -> None:
    """intake.Report declares no scope_field: the default, its own ``division``."""
    inside, outside, nowhere = _report("430181"), _report("430102"), _report(None)
    assert _ids(visible_to(org_world.staff["verifier"], Report.objects.all())) == {inside.pk}
    city_sup = make_staff("changsha-supervisor", org_world.city, "supervisor")
    assert _ids(visible_to(city_sup, Report.objects.all())) == {inside.pk, outside.pk}
    nation_sup = make_staff("national-supervisor", org_world.nation, "supervisor")
    assert _ids(visible_to(nation_sup, Report.objects.all())) == {inside.pk, outside.pk, nowhere.pk}


def test_a_row_awaiting_triage_lies_where_its_report_lies_and_then_where_its_clue_lies(org_world) -> None:
    """compliance.OralRecord: on a clue, the clue's division decides; before triage, the report's."""
    from cluedesk.compliance.models import OralRecord

    w = org_world
    verifier = w.staff["verifier"]

    def oral(report: Report) -> OralRecord:
        return OralRecord.objects.create(report=report, kind="minutes", status="awaiting",
                                         recorded_by=verifier, created_at=timezone.now())

    on_clue_inside = oral(_report("430102", clue=w.clue_in))    # report elsewhere, clue here
    awaiting_inside = oral(_report("430181"))
    awaiting_outside = oral(_report("430102"))
    on_clue_outside = oral(_report("430181", clue=w.clue_out))  # report here, clue elsewhere
    assert _ids(visible_to(verifier, OralRecord.objects.all())) == {on_clue_inside.pk, awaiting_inside.pk}
    assert _ids(visible_to(w.other_staff["verifier"], OralRecord.objects.all())) == {
        awaiting_outside.pk, on_clue_outside.pk}


# --- conflict of interest ---------------------------------------------------------------------

def test_a_clue_implicating_a_unit_two_levels_up_is_hidden_too(org_world) -> None:
    w = org_world
    ImplicatedUnit.objects.create(clue=w.clue_in, unit=w.province)
    city_sup = make_staff("changsha-supervisor", w.city, "supervisor")
    nation_sup = make_staff("national-supervisor", w.nation, "supervisor")
    assert w.clue_in.pk not in _ids(visible_to(w.staff["verifier"], Clue.objects.all()))  # county: grandchild
    assert w.clue_in.pk not in _ids(visible_to(city_sup, Clue.objects.all()))
    assert w.clue_in.pk in _ids(visible_to(nation_sup, Clue.objects.all()))


def test_rows_naming_their_clue_explicitly_are_hidden_when_the_clue_implicates_the_unit(org_world) -> None:
    """compliance.ReportClock lies in a division but says ``scope_clue_field = "report__clue"``."""
    from cluedesk.compliance.models import ReportClock

    w = org_world
    report = _report("430181", clue=w.clue_in)
    clock = ReportClock.objects.create(report=report, received_at=timezone.now(), division=w.county.division,
                                       profile_key="national_anti_gang")
    verifier = w.staff["verifier"]
    assert _ids(visible_to(verifier, ReportClock.objects.all())) == {clock.pk}
    ImplicatedUnit.objects.create(clue=w.clue_in, unit=w.county)
    assert _ids(visible_to(verifier, ReportClock.objects.all())) == set()


def test_every_finder_bars_its_clues_not_only_the_last(org_world) -> None:
    w = org_world
    other_clue = Clue.objects.create(division=w.county.division)
    ImplicatedUnit.objects.create(clue=w.clue_in, unit=w.county)  # found by the clues app's finder

    def second_finder(units: set[int]) -> Any:
        return Clue.objects.filter(pk=other_clue.pk if w.county.pk in units else -1).values("pk")

    registry["implicated_clues"].append(second_finder)
    try:
        assert _ids(visible_to(w.staff["verifier"], Clue.objects.all())) == set()
    finally:
        registry["implicated_clues"].remove(second_finder)
    assert _ids(visible_to(w.staff["verifier"], Clue.objects.all())) == {other_clue.pk}


def test_without_a_finder_the_refusal_says_what_is_missing() -> None:
    finders = registry["implicated_clues"]
    saved = list(finders)
    finders.clear()
    try:
        with pytest.raises(ImproperlyConfigured, match=r"^no implicated-clues finder registered"):
            access._barred(Clue, user=None)
    finally:
        finders.extend(saved)


def test_get_visible_or_404_defaults_to_view(org_world) -> None:
    w = org_world
    assert get_visible_or_404(w.staff["auditor"], Clue.objects.all(), pk=w.clue_in.pk) == w.clue_in


# --- guarding views ---------------------------------------------------------------------------

def test_is_verified_is_false_for_no_user_and_for_a_verified_flag_without_a_signed_in_user() -> None:
    assert is_verified(None) is False
    assert is_verified(AnonymousUser()) is False  # no is_verified without django-otp's middleware
    assert is_verified(SimpleNamespace(is_verified=lambda: True)) is False
    assert is_verified(SimpleNamespace(is_authenticated=True, is_verified=lambda: True)) is True
    assert is_verified(SimpleNamespace(is_authenticated=True, is_verified=lambda: False)) is False


def test_staff_required_refuses_unknown_roles_naming_them() -> None:
    with pytest.raises(ValueError, match="no_such_role"):
        staff_required("verifier", "no_such_role")
    staff_required("verifier", "auditor")  # known roles: no error


def test_staff_required_marks_the_view_with_its_roles() -> None:
    assert staff_required("supervisor", "auditor")(_ok).staff_roles == ("supervisor", "auditor")
    assert staff_required()(_ok).staff_roles == ()


def test_not_signed_in_goes_to_the_sign_in_page_and_comes_back(settings) -> None:
    request = RequestFactory().get("/staff/clues/", {"q": "1"})
    request.user = AnonymousUser()
    response = staff_required()(_ok)(request)
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=%2Fstaff%2Fclues%2F%3Fq%3D1"


def test_grant_sudo_opens_a_window_that_sudo_active_sees() -> None:
    request = RequestFactory().get("/")
    request.session = {}
    assert not sudo_active(request)
    grant_sudo(request)
    assert sudo_active(request)


def test_sudo_ends_at_its_deadline(monkeypatch) -> None:
    monkeypatch.setattr(access.time, "time", lambda: 1_000_000.0)
    request = RequestFactory().get("/")
    request.session = {SUDO_SESSION_KEY: 1_000_000.0}
    assert not sudo_active(request)
    request.session = {SUDO_SESSION_KEY: 1_000_000.5}
    assert sudo_active(request)


def test_sudo_required_marks_the_view() -> None:
    assert sudo_required(_ok).sudo is True


# --- the API ----------------------------------------------------------------------------------

def test_the_api_accepts_only_a_verified_staff_member(org_world) -> None:
    from django.contrib.auth import get_user_model

    def request_as(user: Any, verified: bool) -> Any:
        request = RequestFactory().get("/api/")
        if user is not None:
            user = type(user).objects.get(pk=user.pk)
            user.is_verified = lambda: verified
            request.user = user
        return request

    verifier = org_world.staff["verifier"]
    stranger = get_user_model().objects.create_user("stranger")
    assert staff_api_auth.authenticate(request_as(verifier, True), None) == verifier
    assert staff_api_auth.authenticate(request_as(verifier, False), None) is None
    assert staff_api_auth.authenticate(request_as(stranger, True), None) is None
    assert staff_api_auth.authenticate(RequestFactory().get("/api/"), None) is None  # no user at all
