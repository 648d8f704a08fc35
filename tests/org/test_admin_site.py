"""Issue 19, finding 11: the Django admin never signs anyone in with a password alone.

``/django-admin/`` (mounted in demo mode, the default) had its own password form: no lockout, and
its answers told a right password from a wrong one. It is now django-otp's admin site, for a
verified superuser only, and its sign-in page is the staff sign-in (password, TOTP, lockout).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.admin import OTPAdminSite

from .factories import login_verified, make_staff, make_unit, totp_device

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
mounted = pytest.mark.skipif(not (settings.DEMO or settings.DEBUG), reason="the Django admin is not mounted")


@pytest.fixture
def root(db):
    user = get_user_model().objects.create_superuser("root", password=PASSWORD)
    totp_device(user)
    return user


def test_the_admin_site_is_django_otps() -> None:
    assert isinstance(admin.site, OTPAdminSite)


@mounted
@pytest.mark.parametrize("password", [PASSWORD, "wrong password"])
def test_the_admin_takes_no_password(root, password: str) -> None:
    client = Client()
    resp = client.post("/django-admin/login/", {"username": "root", "password": password, "otp_token": "",
                                                "next": "/django-admin/"})
    # the same answer for a right and a wrong password: off to the staff sign-in
    assert resp.status_code == 302 and resp["Location"].startswith(settings.LOGIN_URL)
    assert "_auth_user_id" not in client.session


@mounted
def test_a_password_only_session_is_refused(root) -> None:
    client = Client()
    client.force_login(root)  # signed in, no second factor
    resp = client.get("/django-admin/", follow=True)
    assert resp.redirect_chain[-1][0].startswith(settings.LOGIN_URL)
    assert client.get("/django-admin/org/unit/").status_code == 302
    # the staff sign-in's own first step, too, leaves the admin closed until the code is given
    fresh = Client()
    step = fresh.post("/staff/login/?next=/django-admin/", {"username": "root", "password": PASSWORD})
    assert step.status_code == 302 and step["Location"] == "/staff/login/code/"
    assert fresh.get("/django-admin/").status_code == 302


@mounted
def test_a_verified_superuser_gets_in_and_a_verified_staff_member_does_not(root) -> None:
    assert login_verified(Client(), root).get("/django-admin/").status_code == 200
    staff = make_staff("liuyang-admin", make_unit("浏阳市扫黑办", "430181"), "admin", password=PASSWORD)
    staff.is_staff = True
    staff.save()
    assert login_verified(Client(), staff).get("/django-admin/").status_code == 302
