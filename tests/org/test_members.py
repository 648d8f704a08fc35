from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cluedesk.ledger.models import Event
from cluedesk.org.models import Membership, Role

from .factories import login_verified, make_staff

pytestmark = pytest.mark.django_db


def _admin_client(w, sudo=True):
    return login_verified(Client(), w.staff["admin"], sudo=sudo)


def test_an_admin_lists_the_members_of_their_unit(org_world):
    w = org_world
    page = _admin_client(w).get(f"/staff/units/{w.county.pk}/")
    assert page.status_code == 200
    assert "liuyang-verifier" in page.content.decode() and "furong-verifier" not in page.content.decode()


def test_another_units_page_is_404_and_a_non_admin_gets_403(org_world):
    w = org_world
    assert _admin_client(w).get(f"/staff/units/{w.other_county.pk}/").status_code == 404
    assert _admin_client(w).get("/staff/units/999999/").status_code == 404
    verifier = login_verified(Client(), w.staff["verifier"])
    assert verifier.get(f"/staff/units/{w.county.pk}/").status_code == 403


def test_adding_a_member_shows_a_one_time_password_that_works(org_world):
    w = org_world
    response = _admin_client(w).post(f"/staff/units/{w.county.pk}/members/add/", {
        "username": "new.verifier", "full_name": "New Verifier", "roles": ["verifier", "auditor"]})
    assert response.status_code == 200
    password = re.search(r'<code class="code">([^<]+)</code>', response.content.decode()).group(1)
    user = get_user_model().objects.get(username="new.verifier")
    assert user.check_password(password) and not user.is_staff
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {"verifier", "auditor"}
    event = Event.objects.get(verb="org.staff_added")
    assert event.data == {"user": user.pk, "roles": ["auditor", "verifier"]} and password not in repr(event.data)
    # first sign-in goes to enrolment
    client = Client()
    assert client.post("/staff/login/", {"username": "new.verifier", "password": password})["Location"] \
        == "/staff/login/enrol/"


@pytest.mark.parametrize("data,message", [
    ({"username": "liuyang-verifier", "full_name": "Dup", "roles": ["verifier"]}, "already taken"),
    ({"username": "Bad Name!", "full_name": "X", "roles": ["verifier"]}, "lower-case"),
    ({"username": "okname", "full_name": "X", "roles": []}, "required"),
    ({"username": "okname", "full_name": "X", "roles": ["overlord"]}, "valid choice"),
])
def test_bad_member_data_is_refused_and_nothing_is_written(org_world, data, message):
    w = org_world
    before = (get_user_model().objects.count(), Membership.objects.count(), Event.objects.count())
    response = _admin_client(w).post(f"/staff/units/{w.county.pk}/members/add/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert (get_user_model().objects.count(), Membership.objects.count(), Event.objects.count()) == before


def test_changing_roles_needs_sudo_and_records_before_and_after(org_world):
    w = org_world
    member = w.staff["auditor"]
    url = f"/staff/units/{w.county.pk}/members/{member.pk}/roles/"
    no_sudo = _admin_client(w, sudo=False).post(url, {"roles": ["verifier"], "back": f"/staff/units/{w.county.pk}/"})
    assert no_sudo.status_code == 302 and no_sudo["Location"].startswith("/staff/sudo/")
    assert set(member.memberships.values_list("role", flat=True)) == {"auditor"}
    response = _admin_client(w).post(url, {"roles": ["verifier", "auditor"]})
    assert response.status_code == 302
    assert set(member.memberships.values_list("role", flat=True)) == {"auditor", "verifier"}
    event = Event.objects.get(verb="org.roles_changed")
    assert event.data == {"user": member.pk, "before": ["auditor"], "after": ["auditor", "verifier"]}
    # the same roles again: a no-op, no event
    _admin_client(w).post(url, {"roles": ["verifier", "auditor"]})
    assert Event.objects.filter(verb="org.roles_changed").count() == 1


def test_the_last_admin_cannot_drop_their_admin_role(org_world):
    w = org_world
    admin = w.staff["admin"]
    client = _admin_client(w)
    client.post(f"/staff/units/{w.county.pk}/members/{admin.pk}/roles/", {"roles": ["verifier"]})
    assert Membership.objects.filter(user=admin, role=Role.ADMIN).exists()
    client.post(f"/staff/units/{w.county.pk}/members/{admin.pk}/remove/")
    assert Membership.objects.filter(user=admin, role=Role.ADMIN).exists()
    assert not Event.objects.filter(verb__in=["org.roles_changed", "org.member_removed"]).exists()


def test_removing_a_member_locks_them_out_at_once(org_world):
    w = org_world
    member = w.staff["verifier"]
    their_client = login_verified(Client(), member)
    assert their_client.get("/staff/").status_code == 200
    response = _admin_client(w).post(f"/staff/units/{w.county.pk}/members/{member.pk}/remove/")
    assert response.status_code == 302
    assert their_client.get("/staff/").status_code == 403
    assert Event.objects.filter(verb="org.member_removed").count() == 1
    # removing again: the person is no longer a member → 404, nothing recorded
    again = _admin_client(w).post(f"/staff/units/{w.county.pk}/members/{member.pk}/remove/")
    assert again.status_code == 404 and Event.objects.filter(verb="org.member_removed").count() == 1


def test_a_tampered_member_id_from_another_unit_is_404(org_world):
    w = org_world
    stranger = w.other_staff["verifier"]
    response = _admin_client(w).post(f"/staff/units/{w.county.pk}/members/{stranger.pk}/roles/", {"roles": ["admin"]})
    assert response.status_code == 404
    assert not Membership.objects.filter(user=stranger, role="admin").exists()


def test_an_admin_of_two_units_manages_both(org_world):
    w = org_world
    admin = make_staff("two-hats", w.county, "admin")
    make_staff("two-hats", w.other_county, "admin")
    client = login_verified(Client(), admin)
    assert client.get(f"/staff/units/{w.other_county.pk}/").status_code == 200
    assert client.get("/staff/units/").content.decode().count("/staff/units/") >= 2


def test_a_forged_role_change_without_the_csrf_token_changes_nothing(org_world):
    w = org_world
    member = w.staff["auditor"]
    client = login_verified(Client(enforce_csrf_checks=True), w.staff["admin"], sudo=True)
    response = client.post(f"/staff/units/{w.county.pk}/members/{member.pk}/roles/", {"roles": ["admin"]})
    assert response.status_code == 403
    assert set(member.memberships.values_list("role", flat=True)) == {"auditor"}
    assert not Event.objects.filter(verb="org.roles_changed").exists()
