"""Issue 19, finding 12: sign-in lockout per username with back-off, a higher per-address
threshold, and the client address taken only from trusted proxies.

The lockout used to key on the client address with the per-username threshold: five typos by one
person locked every account behind the same NAT or proxy. And with X-Forwarded-For trusted, the
left-most (client-written) address was taken, so an attacker could name a new address each try.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.utils import timezone

from cluedesk.org.auth import username_hash
from cluedesk.org.clients import client_address
from cluedesk.org.models import SignInFailure

from .factories import make_staff, make_unit

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
NAT = "203.0.113.50"
LOCKED = "Too many failed attempts"


@pytest.fixture
def office(settings):
    """Six colleagues of one county office, all signing in from behind one NAT address."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    unit = make_unit("浏阳市扫黑办", "430181")
    return [make_staff(f"staff-{i}", unit, "verifier", password=PASSWORD) for i in range(6)]


def sign_in(username: str, password: str = PASSWORD, address: str = NAT, **extra) -> tuple[int, bool]:
    resp = Client(REMOTE_ADDR=address).post("/staff/login/", {"username": username, "password": password}, **extra)
    return resp.status_code, LOCKED in resp.content.decode()


def age_failures(seconds: float, username: str | None = None) -> None:
    """Move recorded failures into the past (instead of waiting)."""
    rows = SignInFailure.objects.all()
    if username:
        rows = rows.filter(username_hash=username_hash(username))
    for row in rows:
        row.at -= timedelta(seconds=seconds)
        row.save(update_fields=["at"])


def test_one_persons_typos_behind_a_nat_do_not_lock_the_colleagues(office, settings) -> None:
    for _ in range(settings.CLUEDESK_LOCKOUT_FAILURES):
        assert sign_in("staff-0", "wrong password")[0] == 400
    assert sign_in("staff-0") == (400, True)  # that username is locked, from anywhere
    assert sign_in("staff-0", address="198.51.100.1") == (400, True)
    for colleague in ("staff-1", "staff-2", "staff-3"):  # the same address, other people: signed in
        assert sign_in(colleague)[0] == 302


def test_one_address_spraying_many_usernames_is_locked_at_the_higher_threshold(office, settings) -> None:
    settings.CLUEDESK_LOCKOUT_CLIENT_FAILURES = 12
    answers = [sign_in(f"guess-{i}", "Spring2026!", address="192.0.2.9") for i in range(15)]
    assert not any(locked for _s, locked in answers[:11])
    assert all(locked for _s, locked in answers[11:])  # the twelfth failure locks the address
    assert sign_in("staff-5", address="192.0.2.9") == (400, True)  # the address, for every name
    assert sign_in("staff-5")[0] == 302  # and only that address


def test_the_username_lock_backs_off(office, settings) -> None:
    base = settings.CLUEDESK_LOCKOUT_SECONDS
    for _ in range(settings.CLUEDESK_LOCKOUT_FAILURES):
        sign_in("staff-0", "wrong")
    assert sign_in("staff-0")[1]
    age_failures(base + 1)  # the first lock (base) has passed
    assert sign_in("staff-0", "wrong again") == (400, True)  # one more failure locks again at once …
    age_failures(base + 1)
    assert sign_in("staff-0")[1]  # … for twice as long
    age_failures(base)
    assert sign_in("staff-0", "still wrong")[1]  # then four times
    age_failures(3 * base + 1)
    assert sign_in("staff-0")[1]
    age_failures(base)
    assert sign_in("staff-0") == (302, False)


def test_the_back_off_stops_at_the_maximum(office, settings) -> None:
    settings.CLUEDESK_LOCKOUT_MAX_SECONDS = 2 * settings.CLUEDESK_LOCKOUT_SECONDS
    for _ in range(settings.CLUEDESK_LOCKOUT_FAILURES + 6):
        SignInFailure.objects.create(username_hash=username_hash("staff-0"), client_hash="x", at=timezone.now())
    assert sign_in("staff-0")[1]
    age_failures(settings.CLUEDESK_LOCKOUT_MAX_SECONDS + 1)
    assert sign_in("staff-0")[0] == 302


def test_a_spoofed_forwarded_address_does_not_escape_the_address_lock(office, settings) -> None:
    settings.CLUEDESK_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.CLUEDESK_LOCKOUT_CLIENT_FAILURES = 5
    # the attacker writes a new address each time; our proxy (10.0.0.2) appends the real one
    for i in range(5):
        sign_in(f"guess-{i}", "x", address="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 192.0.2.77")
    assert sign_in("staff-1", address="10.0.0.2", HTTP_X_FORWARDED_FOR="9.9.9.9, 192.0.2.77") == (400, True)
    # a colleague behind the same proxy, from another address, is not locked
    assert sign_in("staff-1", address="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.78")[0] == 302


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("192.0.2.1", "", [], "192.0.2.1"),
    ("192.0.2.1", "1.2.3.4", [], "192.0.2.1"),  # no trusted proxy: the header is ignored
    ("192.0.2.1", "1.2.3.4", ["10.0.0.0/8"], "192.0.2.1"),  # the peer is not a trusted proxy
    ("10.0.0.2", "1.2.3.4, 198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),
    ("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.9", ["10.0.0.0/8"], "198.51.100.7"),  # two proxies
    ("::1", "2001:db8::5", ["::1"], "2001:db8::5"),
    ("10.0.0.2", "", ["10.0.0.0/8"], "10.0.0.2"),
    ("10.0.0.2", "10.0.0.3", ["10.0.0.0/8"], "10.0.0.3"),
])
def test_the_client_address_behind_trusted_proxies(settings, peer: str, forwarded: str, trusted: list[str],
                                                   expected: str) -> None:
    settings.CLUEDESK_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_wrong_trusted_proxy_setting_stops_start_up(monkeypatch) -> None:
    from cluedesk.settings import envnetworks

    monkeypatch.setenv("CLUEDESK_TRUSTED_PROXIES", "10.0.0.0/8, proxy.example")
    with pytest.raises(ImproperlyConfigured, match="proxy.example"):
        envnetworks("CLUEDESK_TRUSTED_PROXIES")
    monkeypatch.setenv("CLUEDESK_TRUSTED_PROXIES", " 127.0.0.1 , 10.0.0.0/8,::1")
    assert envnetworks("CLUEDESK_TRUSTED_PROXIES") == ["127.0.0.1", "10.0.0.0/8", "::1"]
