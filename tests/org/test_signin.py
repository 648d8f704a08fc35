from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cluedesk.ledger.models import Event
from cluedesk.org.auth import LAST_SEEN, SIGNED_IN_AT, username_hash
from cluedesk.org.models import SignInFailure

from .factories import current_code, login_verified, make_staff, make_unit, totp_device

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's per-device delay after a failure; tested below
    unit = make_unit("Liuyang anti-gang office", "430181")
    return make_staff("alice", unit, "verifier", password=PASSWORD)


def _password_step(client, username="alice", password=PASSWORD, **extra):
    return client.post("/staff/login/", {"username": username, "password": password}, **extra)


def test_first_sign_in_enrols_an_authenticator_and_shows_ten_recovery_codes(alice):
    client = Client()
    response = _password_step(client)
    assert response.status_code == 302 and response["Location"] == "/staff/login/enrol/"
    # not yet verified: staff pages send the person back to the second step
    assert client.get("/staff/")["Location"] == "/staff/login/enrol/"
    page = client.get("/staff/login/enrol/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    bad = client.post("/staff/login/enrol/", {"code": "000000" if current_code(device) != "000000" else "111111"})
    assert bad.status_code == 400 and not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    done = client.post("/staff/login/enrol/", {"code": current_code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and StaticToken.objects.filter(device__user=alice).count() == 10
    assert client.get("/staff/").status_code == 200
    assert Event.objects.filter(verb="staff.totp_enrolled", actor_id=str(alice.pk)).count() == 1
    # enrolment is closed once a device is confirmed
    assert client.get("/staff/login/enrol/").status_code == 302


def test_a_returning_user_needs_a_valid_code(alice):
    device = totp_device(alice)
    client = Client()
    assert _password_step(client)["Location"] == "/staff/login/code/"
    assert client.post("/staff/login/code/", {"code": "12345x"}).status_code == 400
    assert client.get("/staff/").status_code == 302
    response = client.post("/staff/login/code/", {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    signed_in = Event.objects.get(verb="staff.signed_in")
    assert signed_in.data == {"factor": "totp"}


def test_a_totp_code_cannot_be_replayed(alice):
    device = totp_device(alice)
    code = current_code(device)
    first = Client()
    _password_step(first)
    assert first.post("/staff/login/code/", {"code": code}).status_code == 302
    second = Client()
    _password_step(second)
    assert second.post("/staff/login/code/", {"code": code}).status_code == 400


def test_a_recovery_code_works_once(alice):
    totp_device(alice)
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=alice, name="recovery", confirmed=True)
    static.token_set.create(token="abcd2345")
    client = Client()
    _password_step(client)
    assert client.post("/staff/login/code/", {"code": "abcd 2345"}).status_code == 302
    again = Client()
    _password_step(again)
    assert again.post("/staff/login/code/", {"code": "abcd2345"}).status_code == 400


def test_wrong_passwords_lock_the_username_and_store_only_hashes(alice, settings):
    settings.CLUEDESK_LOCKOUT_FAILURES = 3
    for i in range(3):
        response = _password_step(Client(REMOTE_ADDR=f"10.0.0.{i}"), password="wrong")
        assert response.status_code == 400
    # the right password is now refused too, from any address
    locked = _password_step(Client(REMOTE_ADDR="10.9.9.9"))
    assert locked.status_code == 400 and "Too many failed attempts" in locked.content.decode()
    assert Event.objects.filter(verb="staff.signin_failed").count() == 2
    lock = Event.objects.get(verb="staff.locked_out")
    assert lock.data["username_hash"] == username_hash("alice")
    dump = repr(list(Event.objects.values())) + repr(list(SignInFailure.objects.values()))
    assert "alice" not in dump and "10.0.0." not in dump


def test_wrong_passwords_from_one_address_lock_that_address(alice, settings):
    settings.CLUEDESK_LOCKOUT_CLIENT_FAILURES = 3
    make_staff("bob", alice.memberships.first().unit, "verifier", password=PASSWORD)
    for name in ["x1", "x2", "x3"]:
        _password_step(Client(REMOTE_ADDR="10.1.1.1"), username=name, password="wrong")
    assert _password_step(Client(REMOTE_ADDR="10.1.1.1"), username="bob").status_code == 400
    assert _password_step(Client(REMOTE_ADDR="10.2.2.2"), username="bob").status_code == 302


def test_wrong_codes_count_towards_lockout(alice, settings):
    settings.CLUEDESK_LOCKOUT_FAILURES = 2
    device = totp_device(alice)
    client = Client()
    _password_step(client)
    client.post("/staff/login/code/", {"code": "999999" if current_code(device) != "999999" else "888888"})
    response = client.post("/staff/login/code/", {"code": "nonsense"})
    assert response.status_code == 302 and response["Location"] == "/staff/login/"
    assert not client.session.get("_auth_user_id")  # signed out
    assert Event.objects.filter(verb="staff.locked_out").count() == 1


def test_idle_and_absolute_session_limits(alice, settings):
    client = login_verified(Client(), alice)
    assert client.get("/staff/").status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    assert client.get("/staff/").status_code == 302
    assert client.get("/staff/")["Location"].startswith("/staff/login/")

    client = login_verified(Client(), alice)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_COOKIE_AGE - 5
    session.save()
    assert client.get("/staff/").status_code == 302


def test_a_person_removed_from_their_unit_is_refused_on_the_next_request(alice):
    client = login_verified(Client(), alice)
    assert client.get("/staff/").status_code == 200
    alice.memberships.all().delete()
    assert client.get("/staff/").status_code == 403


def test_a_deactivated_account_is_signed_out(alice):
    client = login_verified(Client(), alice)
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get("/staff/").status_code == 302


def test_forged_form_posts_are_refused():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/staff/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert not SignInFailure.objects.exists() and not Event.objects.exists()


def test_sudo_needs_password_and_a_fresh_code(alice):
    device = totp_device(alice)
    client = login_verified(Client(), alice)
    assert client.post("/staff/sudo/", {"password": "wrong", "code": current_code(device),
                                        "next": "/staff/units/"}).status_code == 400
    response = client.post("/staff/sudo/", {"password": PASSWORD, "code": current_code(device),
                                            "next": "/staff/units/"})
    assert response.status_code == 302 and response["Location"] == "/staff/units/"
    assert Event.objects.filter(verb="staff.sudo").count() == 1


def test_sign_in_never_redirects_off_site(alice):
    device = totp_device(alice)
    client = Client()
    client.post("/staff/login/", {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"})
    response = client.post("/staff/login/code/", {"code": current_code(device)})
    assert response["Location"] == "/staff/"


def test_logout_ends_the_session(alice):
    client = login_verified(Client(), alice)
    assert client.post("/staff/logout/").status_code == 302
    assert client.get("/staff/").status_code == 302
    assert Event.objects.filter(verb="staff.signed_out").count() == 1


def test_the_demo_totp_command_refuses_outside_demo(alice, settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    device = totp_device(alice)
    settings.DEMO = True
    out = StringIO()
    call_command("demo-totp", "alice", stdout=out)
    assert out.getvalue().strip() == current_code(device)
    settings.DEMO = False
    with pytest.raises(CommandError, match="refused"):
        call_command("demo-totp", "alice", stdout=StringIO())


def test_the_django_admin_is_for_the_superuser_only(alice, settings):
    if not (settings.DEMO or settings.DEBUG):
        pytest.skip("the Django admin is not mounted")
    client = login_verified(Client(), alice)
    assert client.get("/django-admin/").status_code == 302


def test_a_device_is_throttled_after_a_wrong_code(alice, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = totp_device(alice)
    client = Client()
    _password_step(client)
    client.post("/staff/login/code/", {"code": "999999" if current_code(device) != "999999" else "888888"})
    assert client.post("/staff/login/code/", {"code": current_code(device)}).status_code == 400
