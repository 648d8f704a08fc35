"""Brute force against tracking codes and staff sign-in: the rate limits stop it.

Each test plays an attacker from one address through the whole middleware stack (the real
cache-backed counters, the real lockout table) with the shipped limits, and counts how far it
gets. The figures are printed (pytest -s) for the closing note.

Why this is enough: a tracking code is 16 characters from a 32-letter alphabet (80 bits). At
the public limit (CLUEDESK_RATE_LOOKUP = 20 tries per address per 10 minutes) one address gets
2,880 tries a day; a million addresses would need ~10^14 years on average to find one code among
a million reports.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def tally(statuses: list[int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in statuses:
        out[str(s)] = out.get(str(s), 0) + 1
    return out


def _real_report(channel_token: str) -> str:
    r = Client().post("/api/v1/reports", data=json.dumps({"text": "某村有人开设赌场，放高利贷。"}),
                      content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {channel_token}",
                      HTTP_IDEMPOTENCY_KEY=secrets.token_hex(8))
    assert r.status_code == 201
    return r.json()["tracking_code"]


def test_guessing_tracking_codes_on_the_public_page_is_stopped(channel_token) -> None:
    real = _real_report(channel_token)
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    limit = settings.CLUEDESK_RATE_LOOKUP
    statuses = [attacker.post("/track/", {"code": random_code()}).status_code for _ in range(limit * 5)]
    print("track page brute force:", json.dumps({"tries": len(statuses), "limit": limit, **tally(statuses)}))
    assert statuses[:limit] == [404] * limit
    assert set(statuses[limit:]) == {429}
    # even the right code is refused now: guessing gets nothing past the limit
    refused = attacker.post("/track/", {"code": real})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # another address is not locked out by this one (no denial of service to reporters)
    assert Client(REMOTE_ADDR="198.51.100.9").post("/track/", {"code": real}).status_code == 303


def test_guessing_codes_through_a_channel_is_stopped(channel_token) -> None:
    real = _real_report(channel_token)
    client = Client()
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {channel_token}"}
    allowed = settings.CLUEDESK_RATE_LOOKUP  # unknown codes per token per 10 minutes, as for one client
    statuses = [client.post("/api/v1/reports/status", data=json.dumps({"tracking_code": random_code()}),
                            content_type="application/json", **headers).status_code for _ in range(allowed * 3)]
    print("channel code brute force:", json.dumps({"tries": len(statuses), "misses_allowed": allowed,
                                                   **tally(statuses)}))
    assert statuses[:allowed] == [404] * allowed
    assert set(statuses[allowed:]) == {429}
    # past the limit the right code is refused too: a guess that hits is not told from one that misses
    late = client.post("/api/v1/reports/status", data=json.dumps({"tracking_code": real}),
                       content_type="application/json", **headers)
    assert late.status_code == 429 and int(late["Retry-After"]) > 0


def test_guessing_channel_tokens_is_stopped(channel_token) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.8")
    limit = settings.CLUEDESK_RATE_LOOKUP
    statuses = [attacker.post("/api/v1/reports", data="{}", content_type="application/json",
                              HTTP_AUTHORIZATION=f"Bearer cdt_{secrets.token_urlsafe(32)}").status_code
                for _ in range(limit * 3)]
    print("channel token brute force:", json.dumps({"tries": len(statuses), "limit": limit, **tally(statuses)}))
    assert statuses[:limit] == [401] * limit
    assert set(statuses[limit:]) == {429}


@pytest.fixture
def staff(db: Any) -> Any:
    from tests.org.factories import make_staff, make_unit

    unit = make_unit("浏阳市扫黑办", "430181")
    return make_staff("liuyang-dispatcher", unit, "dispatcher", password="correct horse battery staple 9")


def test_guessing_a_staff_password_is_stopped(staff) -> None:
    from cluedesk.ledger.models import Event
    from cluedesk.org.auth import lockout_failures

    attacker = Client(REMOTE_ADDR="203.0.113.9")
    guesses = ["123456", "password", "liuyang2026", "qwerty", "admin", "letmein", "dragon", "monkey",
               "111111", "abc123", "iloveyou", "sunshine", "princess", "football", "welcome"]
    statuses = []
    for guess in guesses:
        r = attacker.post("/staff/login/", {"username": "liuyang-dispatcher", "password": guess})
        statuses.append((r.status_code, "Too many failed attempts" in r.content.decode()))
    # the right password, now: still refused while the lockout lasts
    right = attacker.post("/staff/login/", {"username": "liuyang-dispatcher",
                                            "password": "correct horse battery staple 9"})
    limit = lockout_failures()
    locked_from = next(i for i, (_s, locked) in enumerate(statuses) if locked)
    print("password brute force:", json.dumps({"tries": len(guesses), "lockout_after": limit,
                                               "first_locked_answer": locked_from + 1,
                                               "right_password_after_lockout": right.status_code}))
    assert locked_from <= limit
    assert all(locked for _s, locked in statuses[limit:])
    assert right.status_code == 400 and "_auth_user_id" not in attacker.session
    # and from another address, the account is locked too (the username's key): no spraying around it
    other = Client(REMOTE_ADDR="198.51.100.10").post("/staff/login/", {
        "username": "liuyang-dispatcher", "password": "correct horse battery staple 9"})
    assert other.status_code == 400
    assert Event.objects.filter(verb="staff.locked_out").exists()


def test_spraying_many_usernames_from_one_address_is_stopped(staff) -> None:
    from cluedesk.org.auth import client_lockout_failures

    attacker = Client(REMOTE_ADDR="203.0.113.10")
    limit = client_lockout_failures()  # higher than per username: one NAT holds many colleagues
    tries = limit + 10
    locked = []
    for i in range(tries):
        r = attacker.post("/staff/login/", {"username": f"user-{i}", "password": "Spring2026!"})
        locked.append("Too many failed attempts" in r.content.decode())
    print("password spraying:", json.dumps({"tries": tries, "address_limit": limit, "locked_answers": sum(locked)}))
    assert not any(locked[:limit - 1]) and all(locked[limit - 1:])


def test_guessing_the_second_factor_is_stopped(staff) -> None:
    from tests.org.factories import current_code, totp_device

    device = totp_device(staff)
    client = Client(REMOTE_ADDR="203.0.113.11")
    r = client.post("/staff/login/", {"username": "liuyang-dispatcher", "password": "correct horse battery staple 9"})
    assert r.status_code == 302 and r["Location"].endswith("/staff/login/code/")
    right = current_code(device)
    wrong = [f"{n:06d}" for n in range(100000, 100010) if f"{n:06d}" != right]
    answers = []
    for code in wrong:
        resp = client.post("/staff/login/code/", {"code": code})
        answers.append(resp.status_code)
        if resp.status_code == 302 and resp["Location"].endswith("/staff/login/"):
            break
    print("TOTP brute force:", json.dumps({"tries": len(answers), "answers": answers}))
    assert answers[-1] == 302 and len(answers) <= 5
    # thrown back to the password step; the right code no longer signs in on this session
    resp = client.post("/staff/login/code/", {"code": right})
    assert not (resp.status_code == 302 and resp["Location"] == "/staff/")
