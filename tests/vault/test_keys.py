from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from cluedesk.intake.models import Attachment, Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor
from cluedesk.vault import sealing, services
from tests.org.factories import login_verified

pytestmark = pytest.mark.django_db
PASS = "test custodian passphrase"


def _reports(n: int) -> list[Report]:
    return [Report.objects.create(tracking_hash=f"{i:064d}", channel="web", text="x",
                                  sealed_identity=sealing.seal({"name": f"reporter {i}"})) for i in range(n)]


def test_the_private_key_is_never_on_disk_in_clear():
    doc = json.loads((Path(settings.KEYS_DIR) / sealing.PRIVATE_KEY_FILE).read_text())
    ring = sealing.unlock(PASS)
    raw = bytes(ring.current).hex()
    assert raw not in json.dumps(doc)
    with pytest.raises(sealing.WrongPassphrase):
        sealing.unlock("wrong")


def test_keys_init_prints_the_first_passphrase_once(tmp_path, settings):
    class Terminal(StringIO):
        def isatty(self) -> bool:  # without a terminal it goes to a file (tests/attack/test_passphrase_handover.py)
            return True

    settings.KEYS_DIR = tmp_path / "fresh"
    sealing.public_key.cache_clear()
    out = Terminal()
    call_command("keys", "init", stdout=out)
    passphrase = out.getvalue().split("passphrase (shown once, keep it offline):")[1].split()[0]
    assert sealing.unlock(passphrase).current
    again = StringIO()
    call_command("keys", "init", stdout=again)
    assert "already" in again.getvalue() and passphrase not in again.getvalue()
    assert Event.objects.filter(verb="vault.keys_initialised").count() == 1


def test_rotation_reseals_every_sealed_value_and_drops_the_old_key():
    reports = _reports(3)
    Report.objects.create(tracking_hash="n" * 64, channel="web", text="anonymous")
    att = Attachment.objects.create(report=reports[0], mime="image/png", size=1, digest="0" * 64,
                                    sealed_name=sealing.seal({"filename": "zhang.png"}))
    old_public = bytes(sealing.public_key())
    before = {r.pk: bytes(r.sealed_identity) for r in reports}
    result = services.rotate_keys(actor=Actor.system("test"), passphrase=PASS)
    assert result.counts == {"intake.Report.sealed_identity": 3, "intake.Attachment.sealed_name": 1}
    assert result.retired_dropped == 1
    assert bytes(sealing.public_key()) != old_public
    ring = sealing.unlock(PASS)
    assert len(ring.privates) == 1
    for r in Report.objects.filter(pk__in=before):
        assert bytes(r.sealed_identity) != before[r.pk]
        assert ring.unseal(bytes(r.sealed_identity))["name"].startswith("reporter")
    att.refresh_from_db()
    assert ring.unseal(bytes(att.sealed_name)) == {"filename": "zhang.png"}
    event = Event.objects.get(verb="vault.keys_rotated")
    assert event.data["resealed"]["intake.Report.sealed_identity"] == 3 and "reporter" not in json.dumps(event.data)


def test_rotation_with_a_wrong_passphrase_changes_nothing():
    reports = _reports(1)
    public = bytes(sealing.public_key())
    with pytest.raises(services.VaultError):
        services.rotate_keys(actor=Actor.system("test"), passphrase="nope")
    assert bytes(sealing.public_key()) == public
    reports[0].refresh_from_db()
    assert sealing.unlock(PASS).unseal(bytes(reports[0].sealed_identity)) == {"name": "reporter 0"}
    assert not Event.objects.filter(verb="vault.keys_rotated").exists()


def test_a_second_custodian_passphrase_opens_the_same_keys_and_survives_rotation():
    second = services.add_custodian_passphrase(actor=Actor.system("test"), existing=PASS, label="li")
    assert bytes(sealing.unlock(second).current) == bytes(sealing.unlock(PASS).current)
    services.rotate_keys(actor=Actor.system("test"), passphrase=PASS)
    report = _reports(1)[0]
    assert sealing.unlock(second).unseal(bytes(report.sealed_identity)) == {"name": "reporter 0"}
    with pytest.raises(services.VaultError):
        services.add_custodian_passphrase(actor=Actor.system("test"), existing=PASS, label="li")
    assert sealing.key_status()["labels"] == ["custodian-1", "li"]


def test_key_pages_need_a_custodian_and_sudo(org_world):
    w = org_world
    assert login_verified(Client(), w.staff["verifier"]).get("/staff/vault/keys/").status_code == 403
    custodian = login_verified(Client(), w.staff["custodian"])
    assert custodian.get("/staff/vault/keys/").status_code == 200
    response = custodian.post("/staff/vault/keys/rotate/", {"rotate-passphrase": PASS, "back": "/staff/vault/keys/"})
    assert response.status_code == 302 and response["Location"].startswith("/staff/sudo/")
    assert not Event.objects.filter(verb="vault.keys_rotated").exists()
    login_verified(custodian, w.staff["custodian"], sudo=True)
    assert custodian.post("/staff/vault/keys/rotate/", {"rotate-passphrase": PASS}).status_code == 302
    assert Event.objects.filter(verb="vault.keys_rotated").count() == 1


def test_the_keys_command_refuses_a_wrong_passphrase(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "wrong")
    with pytest.raises(CommandError, match="wrong"):
        call_command("keys", "rotate", stdout=StringIO())
