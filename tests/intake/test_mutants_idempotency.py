"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/intake/services.py
(module "idempotency", issue 22).

Expectations are written by hand from the rules: the same page or API body sent twice is one
report and the first answer comes back; sent again with another attachment it is not; an
uploaded file's digest leaves the file at its start; idempotency keys are forgotten after two
days (docs/operations.md, "forgetting idempotency keys"); a revoked channel token stays revoked
and its revocation is one ledger event about that channel; a public step without wording has
none. Each test names the mutants it kills.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cluedesk.intake import services
from cluedesk.intake.models import ChannelToken, IdempotencyRecord, PublicStep
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor

from .conftest import PNG, upload

pytestmark = pytest.mark.django_db
TEXT = "有人在镇上开设赌场，长期聚众赌博。"


# --- upload digests ---------------------------------------------------------------------------------

def test_the_upload_digest_leaves_the_file_at_its_start() -> None:
    """x_upload_digest__mutmut_4 (seek(1)): whoever reads the upload next reads all of it."""
    photo = upload("photo.png", PNG)
    services.upload_digest(photo)
    assert photo.tell() == 0
    assert photo.read() == PNG


# --- forgetting idempotency keys --------------------------------------------------------------------

def _keyed_report(key: str) -> None:
    services.submit_report(text=TEXT, channel="api:desk", actor=Actor.channel("desk"),
                           idempotency=services.IdempotencyClaim(channel="desk", key=key, body_hash="0" * 64))


def _age(key: str, **delta: float) -> None:
    IdempotencyRecord.objects.filter(key=key).update(created_at=timezone.now() - dt.timedelta(**delta))


def test_idempotency_keys_older_than_two_days_are_forgotten_and_newer_ones_kept() -> None:
    """x_prune_idempotency__mutmut_1, 2, 3 (no test in tests/intake reached it; the cut-off in the
    future or missing forgets every key, or none)."""
    for key in ("three-days", "one-day", "an-hour"):
        _keyed_report(key)
    _age("three-days", days=3)
    _age("one-day", days=1)
    _age("an-hour", hours=1)
    assert services.prune_idempotency() == 1
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["an-hour", "one-day"]
    assert services.prune_idempotency(dt.timedelta(hours=12)) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["an-hour"]


# --- channel tokens -----------------------------------------------------------------------------------

def test_revoking_one_channel_leaves_the_other_channels_tokens_active() -> None:
    """x_revoke_channel_token__mutmut_5 (every active token revoked)."""
    system = Actor.system("test")
    services.create_channel_token("wechat", actor=system)
    services.create_channel_token("phone-desk", actor=system)
    assert services.revoke_channel_token("wechat", actor=system) is True
    assert dict(ChannelToken.objects.values_list("name", "active")) == {"wechat": False, "phone-desk": True}


def test_a_revoked_token_revoked_again_changes_nothing_and_records_nothing() -> None:
    """x_revoke_channel_token__mutmut_6 (an already revoked token "revoked" again: True and a
    second event; the command would say "revoked" instead of "no active token")."""
    system = Actor.system("test")
    services.create_channel_token("wechat", actor=system)
    assert services.revoke_channel_token("wechat", actor=system) is True
    assert services.revoke_channel_token("wechat", actor=system) is False
    assert Event.objects.filter(verb="channel_token.revoked").count() == 1
    assert services.revoke_channel_token("never-issued", actor=system) is False
    assert Event.objects.filter(verb="channel_token.revoked").count() == 1


def test_the_revocation_is_one_ledger_event_about_that_channel() -> None:
    """x_revoke_channel_token__mutmut_12 (no subject), 20 (verb upper-cased), 21, 22 (subject type)."""
    system = Actor.system("cli")
    services.create_channel_token("wechat", actor=system)
    services.revoke_channel_token("wechat", actor=system)
    event = Event.objects.get(verb="channel_token.revoked")
    assert (event.subject_type, event.subject_id, event.data) == ("channel", "wechat", {})
    assert (event.actor_kind, event.actor_id) == ("system", "cli")


# --- public steps -------------------------------------------------------------------------------------

def test_a_public_step_recorded_without_wording_has_none() -> None:
    """x_record_public_step__mutmut_1 (the default wording "XXXX" shown to the reporter)."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    step = services.record_public_step(kind=PublicStep.Kind.UNDER_REVIEW, report=report)
    assert PublicStep.objects.get(pk=step.pk).outcome == ""


def test_a_public_step_needs_a_subject_and_a_known_kind() -> None:
    """The refusals whose texts x_record_public_step__mutmut_5-7, 9 change (judged equivalent:
    a programming error's text); the refusal itself writes nothing."""
    report, _code = services.submit_report(text=TEXT, channel="web", actor=Actor.reporter())
    events = Event.objects.count()
    with pytest.raises(ValueError):
        services.record_public_step(kind=PublicStep.Kind.UNDER_REVIEW)
    with pytest.raises(ValueError):
        services.record_public_step(kind="published", report=report)
    assert PublicStep.objects.count() == 0 and Event.objects.count() == events
