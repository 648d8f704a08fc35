"""Key rotation keeps the retired key while any sealed value does not open with the new one.

Issue 22: ``rotate_keys`` could drop the retired private key without checking that every sealed
value opens with the new one, and no test noticed. A report sealed to the old public key while the
rotation runs (a worker that read the public key just before it changed) would then be unreadable
forever. Here one arrives between the re-seal and the check.
"""

from __future__ import annotations

import json

import pytest
from nacl.public import PublicKey, SealedBox

from cluedesk.intake.models import Report
from cluedesk.ledger.services import Actor
from cluedesk.vault import sealing, services

pytestmark = pytest.mark.django_db
PASS = "test custodian passphrase"


def test_a_value_sealed_to_the_old_key_during_rotation_keeps_the_old_key(monkeypatch):
    Report.objects.create(tracking_hash="a" * 64, channel="web", text="x",
                          sealed_identity=sealing.seal({"name": "before"}))
    old_public = PublicKey(bytes(sealing.public_key()))
    late: list[Report] = []
    real_record = services.record

    def record_then_a_late_report(verb, **kwargs):
        event = real_record(verb, **kwargs)
        if verb == "vault.keys_rotated":  # re-sealed, not yet checked: a report sealed to the old key lands
            blob = SealedBox(old_public).encrypt(json.dumps({"name": "late"}).encode())
            late.append(Report.objects.create(tracking_hash="b" * 64, channel="web", text="y", sealed_identity=blob))
        return event

    monkeypatch.setattr(services, "record", record_then_a_late_report)
    result = services.rotate_keys(actor=Actor.system("test"), passphrase=PASS)
    assert late and result.retired_dropped == 0
    ring = sealing.unlock(PASS)
    assert len(ring.privates) == 2  # the new key and the retired one, kept
    assert ring.unseal(bytes(Report.objects.get(pk=late[0].pk).sealed_identity)) == {"name": "late"}

    # the next rotation re-seals the late value too, and only then drops the retired keys
    monkeypatch.setattr(services, "record", real_record)
    again = services.rotate_keys(actor=Actor.system("test"), passphrase=PASS)
    assert again.retired_dropped == 2
    ring = sealing.unlock(PASS)
    assert len(ring.privates) == 1
    assert ring.unseal(bytes(Report.objects.get(pk=late[0].pk).sealed_identity)) == {"name": "late"}


def test_the_check_looks_at_every_sealed_value_not_only_the_first(monkeypatch):
    """A value that does not open, after one that does, still keeps the retired key."""
    Report.objects.create(tracking_hash="c" * 64, channel="web", text="x", sealed_identity=sealing.seal({"n": "1"}))
    old_public = PublicKey(bytes(sealing.public_key()))
    real_record = services.record

    def late_reports(verb, **kwargs):
        event = real_record(verb, **kwargs)
        if verb == "vault.keys_rotated":
            Report.objects.create(tracking_hash="d" * 64, channel="web", text="y",
                                  sealed_identity=sealing.seal({"n": "2"}))  # sealed to the new key: opens
            Report.objects.create(tracking_hash="e" * 64, channel="web", text="z",
                                  sealed_identity=SealedBox(old_public).encrypt(b'{"n": "3"}'))
        return event

    monkeypatch.setattr(services, "record", late_reports)
    assert services.rotate_keys(actor=Actor.system("test"), passphrase=PASS).retired_dropped == 0
    assert sealing.unlock(PASS).unseal(bytes(Report.objects.get(tracking_hash="e" * 64).sealed_identity)) == {"n": "3"}
