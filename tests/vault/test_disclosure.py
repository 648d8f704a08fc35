from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.vault import sealing, services
from cluedesk.vault.models import DisclosureRequest
from tests.org.factories import login_verified, make_staff

pytestmark = pytest.mark.django_db

NAME = "张三丰"
CONTACT = "13800138000"


@pytest.fixture
def case(org_world):
    w = org_world
    report = Report.objects.create(tracking_hash="t" * 64, clue=w.clue_in, channel="web", text="赌场",
                                   sealed_identity=sealing.seal({"name": NAME, "contact": CONTACT}))
    anonymous = Report.objects.create(tracking_hash="a" * 64, clue=w.clue_in, channel="web", text="赌场")
    w.report, w.anonymous = report, anonymous
    w.custodian = make_staff("liuyang-custodian-2", w.county, "custodian")
    return w


def _ask(w, client=None):
    client = client or login_verified(Client(), w.staff["verifier"])
    response = client.post(f"/staff/vault/clues/{w.clue_in.public_id}/request/",
                           {"report": w.report.pk, "reason": "We must interview the witness about the casino."})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client, DisclosureRequest.objects.get(requester=w.staff["verifier"])


def _decide(w, req, user=None, decision="approve", passphrase="test custodian passphrase"):
    client = login_verified(Client(), user or w.staff["custodian"], sudo=True)
    return client.post(f"/staff/vault/requests/{req.pk}/decide/",
                       {"decision": decision, "passphrase": passphrase, "note": "ok"})


def _db_dump() -> bytes:
    """Every value in every table, as bytes: what a stolen database holds."""
    out = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            if table not in connection.introspection.table_names():
                continue
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    out.append(bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode())
    return b"\n".join(out)


def test_the_whole_disclosure_opens_once_and_leaves_a_trail(case):
    w = case
    requester, req = _ask(w)
    assert requester.cookies[f"cd_disclosure_{req.pk}"].value  # the ephemeral key lives in the browser only
    assert _decide(w, req).status_code == 302
    req.refresh_from_db()
    assert req.state == "approved" and req.sealed_for_requester and req.decided_by == w.staff["custodian"]
    # neither the database nor the server's own key files and secrets hold the identity
    dump = _db_dump() + b"".join(p.read_bytes() for p in Path(settings.KEYS_DIR).iterdir() if p.is_file())
    assert NAME.encode() not in dump and CONTACT.encode() not in dump
    assert bytes(req.ephemeral_public) not in requester.cookies[f"cd_disclosure_{req.pk}"].value.encode()

    sudo_requester = login_verified(requester, w.staff["verifier"], sudo=True)
    page = sudo_requester.post(f"/staff/vault/requests/{req.pk}/open/")
    assert page.status_code == 200 and NAME in page.content.decode() and CONTACT in page.content.decode()
    req.refresh_from_db()
    assert req.state == "viewed" and req.sealed_for_requester is None
    again = sudo_requester.post(f"/staff/vault/requests/{req.pk}/open/", follow=True)
    assert NAME not in again.content.decode() and "only once" in again.content.decode()
    verbs = list(Event.objects.filter(subject_type="clue", subject_id=w.clue_in.public_id)
                 .values_list("verb", flat=True))
    assert verbs[-3:] == ["vault.disclosure_requested", "vault.disclosure_approved", "vault.identity_viewed"]
    assert NAME not in repr(list(Event.objects.values("data")))
    # the clue shows that a disclosure happened
    history = login_verified(Client(), w.staff["verifier"]).get(f"/staff/vault/clues/{w.clue_in.public_id}/request/")
    assert "viewed" in history.content.decode()


def test_a_custodian_cannot_approve_their_own_request(case):
    w = case
    both = make_staff("liuyang-both", w.county, "verifier", "custodian")
    client = login_verified(Client(), both)
    client.post(f"/staff/vault/clues/{w.clue_in.public_id}/request/",
                {"report": w.report.pk, "reason": "I want to talk to this person myself."})
    req = DisclosureRequest.objects.get(requester=both)
    events = Event.objects.count()
    response = _decide(w, req, user=both)
    assert response.status_code in (302, 404)
    req.refresh_from_db()
    assert req.state == "requested" and req.sealed_for_requester is None and Event.objects.count() == events
    with pytest.raises(services.VaultError, match="own request"):
        services.decide_disclosure(custodian=both, request_id=req.pk, approve=True,
                                   passphrase="test custodian passphrase")


def test_an_approval_cannot_be_replayed(case):
    w = case
    _client, req = _ask(w)
    _decide(w, req)
    req.refresh_from_db()
    sealed, events = bytes(req.sealed_for_requester), Event.objects.count()
    second = _decide(w, req, user=w.custodian)
    assert second.status_code == 302
    req.refresh_from_db()
    assert bytes(req.sealed_for_requester) == sealed and req.decided_by == w.staff["custodian"]
    assert Event.objects.count() == events


def test_a_wrong_passphrase_approves_nothing(case):
    w = case
    _client, req = _ask(w)
    events = Event.objects.count()
    _decide(w, req, passphrase="guess")
    req.refresh_from_db()
    assert req.state == "requested" and Event.objects.count() == events


def test_a_refusal_is_recorded(case):
    w = case
    _client, req = _ask(w)
    _decide(w, req, decision="refuse", passphrase="")
    req.refresh_from_db()
    assert req.state == "refused" and Event.objects.filter(verb="vault.disclosure_refused").count() == 1


def test_an_unviewed_approval_expires_and_is_wiped(case):
    w = case
    requester, req = _ask(w)
    _decide(w, req)
    DisclosureRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    login_verified(requester, w.staff["verifier"], sudo=True)
    response = requester.post(f"/staff/vault/requests/{req.pk}/open/", follow=True)
    assert NAME not in response.content.decode()
    req.refresh_from_db()
    assert req.state == "expired" and req.sealed_for_requester is None


def test_another_browser_cannot_open_the_answer(case):
    w = case
    _client, req = _ask(w)
    _decide(w, req)
    other_browser = login_verified(Client(), w.staff["verifier"], sudo=True)
    response = other_browser.post(f"/staff/vault/requests/{req.pk}/open/", follow=True)
    assert NAME not in response.content.decode() and "browser" in response.content.decode()
    req.refresh_from_db()
    assert req.state == "approved"


def test_only_the_requester_may_open_it(case):
    w = case
    _client, req = _ask(w)
    _decide(w, req)
    colleague = make_staff("liuyang-verifier-2", w.county, "verifier")
    response = login_verified(Client(), colleague, sudo=True).post(f"/staff/vault/requests/{req.pk}/open/")
    assert response.status_code == 403


def test_scope_and_role_guard_the_request_form(case):
    w = case
    url = f"/staff/vault/clues/{w.clue_out.public_id}/request/"
    assert login_verified(Client(), w.staff["verifier"]).get(url).status_code == 404
    assert login_verified(Client(), w.staff["auditor"]).get(
        f"/staff/vault/clues/{w.clue_in.public_id}/request/").status_code == 403


@pytest.mark.parametrize("data,message", [
    ({"reason": "short"}, "at least"),
    ({"reason": "A long enough reason for the request."}, "no identity"),
])
def test_bad_requests_are_refused(case, data, message):
    w = case
    report = w.anonymous.pk if message == "no identity" else w.report.pk
    client = login_verified(Client(), w.staff["verifier"])
    response = client.post(f"/staff/vault/clues/{w.clue_in.public_id}/request/", {"report": report, **data})
    assert response.status_code == 400
    assert not DisclosureRequest.objects.exists()


def test_a_custodian_out_of_scope_cannot_see_or_decide(case):
    w = case
    _client, req = _ask(w)
    outsider = login_verified(Client(), w.other_staff["custodian"], sudo=True)
    assert outsider.get(f"/staff/vault/requests/{req.pk}/").status_code == 404
    assert outsider.post(f"/staff/vault/requests/{req.pk}/decide/",
                         {"decision": "approve", "passphrase": "test custodian passphrase"}).status_code == 404
    req.refresh_from_db()
    assert req.state == "requested"


# the custodian workflow's pages (cluedesk.disclosure, above clues) open an identity only through
# the vault's one service for it, after its checks; nothing else outside the vault opens anything
ALLOWED_OPENERS = {"disclosure/views.py: view_identity"}


def test_no_other_module_opens_sealed_values():
    root = Path(__file__).resolve().parents[2] / "cluedesk"
    offenders = []
    for path in root.rglob("*.py"):
        if path.parent.name == "vault" or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("unseal", "unlock", "decrypt_private_key", "SealedBox", "view_identity", "Keyring"):
            if re.search(rf"\b{needle}\(", text):
                offenders.append(f"{path.relative_to(root)}: {needle}")
    assert set(offenders) - ALLOWED_OPENERS == set()
    assert "disclosure/views.py: view_identity" in offenders  # the guard still sees the one it allows
