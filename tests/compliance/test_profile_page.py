"""The profile page: shown to admins, supervisors and auditors in both languages; changed only
by an admin of the national unit, after re-authentication; bad input refused, nothing written."""

from __future__ import annotations

import re

import pytest

from cluedesk.compliance.forms import ProfileForm
from cluedesk.deployment import profiles
from cluedesk.deployment.models import Deployment
from cluedesk.ledger.models import Event
from tests.org.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(org_world):
    return make_staff("nation-admin", org_world.nation, "admin")


def _form(**changes):
    data = ProfileForm.initial_for(profiles.current())
    data["form_fields"] = list(data["form_fields"])
    data.update(changes)
    return data


def test_the_page_shows_the_profile_in_both_languages(staff_client, org_world):
    c = staff_client(org_world.staff["supervisor"])
    body = c.get("/staff/compliance/profile/").content.decode()
    assert "National anti-gang reporting line" in body and "within 15 days of receipt" in body
    assert "Only an admin of the national office" in body
    c.cookies["django_language"] = "zh-hans"
    body = c.get("/staff/compliance/profile/").content.decode()
    assert "全国扫黑除恶举报线" in body, body[:3000]


def test_a_national_admin_changes_an_override_after_sudo(staff_client, boss):
    c = staff_client(boss)
    resp = c.post("/staff/compliance/profile/", _form(acknowledge_days="10"))
    assert resp.status_code == 302 and resp["Location"].startswith("/staff/sudo/")
    assert not Deployment.objects.exists()
    c = staff_client(boss, sudo=True)
    resp = c.post("/staff/compliance/profile/", _form(acknowledge_days="10"))
    assert resp.status_code == 303
    assert profiles.current().acknowledge_days == 10
    ev = Event.objects.get(verb="compliance.profile_set")
    assert ev.data["after"]["overrides"] == {"acknowledge_days": 10} and ev.actor_id == str(boss.pk)
    assert "Acknowledge within (days from receipt): 10" in c.get("/staff/compliance/profile/").content.decode()


def test_switching_profile_starts_from_its_defaults(staff_client, boss):
    c = staff_client(boss, sudo=True)
    c.post("/staff/compliance/profile/", _form(profile="eu_external", acknowledge_days="3"))
    p = profiles.current()
    assert p.key == "eu_external" and p.acknowledge_days == 7 and p.outcome_wording == "whistleblowing"


def test_impossible_settings_through_the_page_are_refused(staff_client, boss):
    c = staff_client(boss, sudo=True)
    resp = c.post("/staff/compliance/profile/", _form(acknowledge_days="30", feedback_days="20"))
    assert resp.status_code == 400 and "Feedback cannot fall due" in resp.content.decode()
    resp = c.post("/staff/compliance/profile/", _form(**{"retention_days.no_action": "-5"}))
    assert resp.status_code == 400 and "cannot be negative" in resp.content.decode()
    c.cookies["django_language"] = "zh-hans"
    resp = c.post("/staff/compliance/profile/", _form(acknowledge_days="-1"))
    assert resp.status_code == 400 and "不能为负数" in resp.content.decode()
    assert not Deployment.objects.exists() and not Event.objects.exists()


def test_a_county_admin_may_not_change_the_deployment(staff_client, org_world):
    resp = staff_client(org_world.staff["admin"], sudo=True).post("/staff/compliance/profile/", _form())
    assert resp.status_code == 403 and not Deployment.objects.exists()


def test_the_page_says_outcomes_changes_and_the_system_in_the_readers_words(staff_client, boss):
    """No raw codes on the Chinese page: outcome labels, profile names, the system, override labels."""
    c = staff_client(boss, sudo=True)
    c.post("/staff/compliance/profile/", _form(acknowledge_days="10"))
    Deployment.objects.update(changed_by=None)  # as set by a job or the command line
    c.cookies["django_language"] = "zh-hans"
    body = c.get("/staff/compliance/profile/").content.decode()
    shown = re.sub(r"<[^>]+>", " ", body)  # what the reader sees (form field names are not shown)
    for raw in ("criminal_case", "admin_penalty", "national_anti_gang", "acknowledge_days", "system"):
        assert raw not in shown, raw
    assert "由 系统" in shown and "设置已修改" in shown and "已立刑事案件" in shown
