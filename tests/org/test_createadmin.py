"""`cluedesk createadmin`: the first national administrator of an install without demo data
(issue 23): a one-time password that never goes to a log, enrolment of an authenticator forced
at the first sign-in, one ledger event, and only once."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from cluedesk.ledger.models import Event
from cluedesk.org.models import ROOT_CODE, Membership, Role

pytestmark = pytest.mark.django_db


def test_without_a_terminal_or_a_file_it_stops_and_creates_nobody() -> None:
    with pytest.raises(CommandError, match="not a terminal"):
        call_command("createadmin", "first.admin", name="王某", stdout=io.StringIO(), stderr=io.StringIO())
    assert not get_user_model().objects.exists()


def test_the_first_admin_signs_in_once_with_the_password_then_must_enrol(tmp_path: Path) -> None:
    secret = tmp_path / "first-admin.txt"
    out = io.StringIO()
    call_command("createadmin", "first.admin", name="王某", password_file=str(secret), stdout=out,
                 stderr=io.StringIO())
    assert out.getvalue() == ""  # the password is nowhere but in the file
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    password = secret.read_text().strip().rsplit(" ", 1)[1]

    member = Membership.objects.get(user__username="first.admin")
    assert member.role == Role.ADMIN and member.unit.division.code == ROOT_CODE and member.unit.parent is None
    assert Event.objects.filter(verb="org.staff_added", actor_kind="system", actor_id="createadmin").count() == 1

    client = Client()
    response = client.post("/staff/login/", {"username": "first.admin", "password": password})
    assert response.status_code == 302 and response["Location"] == "/staff/login/enrol/"
    assert client.get("/staff/")["Location"] == "/staff/login/enrol/"

    with pytest.raises(CommandError, match="exists already"):
        call_command("createadmin", "second.admin", name="李某", password_file=str(tmp_path / "b.txt"),
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert not get_user_model().objects.filter(username="second.admin").exists()


def test_a_bad_username_is_refused_with_the_rule_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="lower-case"):
        call_command("createadmin", "Bad Name!", name="王某", password_file=str(tmp_path / "p.txt"),
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert not get_user_model().objects.exists() and not (tmp_path / "p.txt").exists()
