"""Signed checkpoints: what the hash chain alone cannot see (issue 19, finding 3).

Each attack is first shown to pass the chain's own checks (without a checkpoint), so the test
is known to be a real rewrite, then shown to be caught once a checkpoint exists.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from nacl.signing import SigningKey, VerifyKey

from cluedesk.ledger import checkpoints, keys
from cluedesk.ledger.models import Checkpoint, Event
from cluedesk.ledger.services import verify
from cluedesk.ops import jobs

from .helpers import edit, reset, rewrite_from, truncate_to, write

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^(\d+):([0-9a-f]{64}) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) key=([0-9a-f]{16}) sig=(\S{88})$")


def log_file() -> Path:
    return Path(settings.KEYS_DIR) / "ledger-checkpoints.jsonl"


def head_line() -> str:
    from io import StringIO

    out = StringIO()
    call_command("ledger", "head", stdout=out)
    return out.getvalue().strip()


def run_verify(*expect: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("ledger", "verify", *[f"--expect={e}" for e in expect], stdout=out)
    return out.getvalue()


# ---- the attacks the probe made ----------------------------------------------------------------

def test_a_full_recompute_passes_the_chain_alone_but_not_a_checkpoint() -> None:
    write(6)
    rewrite_from(2, data={"i": 99})
    assert verify().ok  # the chain alone cannot tell: this is the probe's finding

    reset()
    write(6)
    checkpoints.sign(force=True)
    write(3)
    rewrite_from(2, data={"i": 99})
    result = verify()
    assert not result.ok
    assert result.bad_seq == 1 and "checkpoint #6" in result.reason and "rewritten" in result.reason


def test_a_tail_rewritten_after_one_checkpoint_is_placed_after_it() -> None:
    write(4)
    checkpoints.sign(force=True)
    write(4)
    checkpoints.sign(force=True)
    rewrite_from(6, verb="test.softened")
    result = verify()
    assert not result.ok
    assert result.bad_seq == 5 and "after checkpoint #4" in result.reason and "checkpoint #8" in result.reason


def test_the_last_event_rewritten_with_the_head_moved_along_is_caught_by_its_checkpoint() -> None:
    write(5)
    checkpoints.sign(force=True)
    rewrite_from(5, actor_id="someone-else")
    result = verify()
    assert not result.ok and "checkpoint #5" in result.reason


def test_deleting_the_newest_events_and_moving_the_head_back_is_caught() -> None:
    write(6)
    truncate_to(4)
    assert verify().ok  # the chain alone cannot tell

    reset()
    write(6)
    checkpoints.sign(force=True)
    truncate_to(4)
    result = verify()
    assert not result.ok
    assert result.bad_seq == 5 and "ends at #4 but checkpoint #6" in result.reason


def test_deleting_the_checkpoints_from_the_database_too_is_caught_by_the_log_file() -> None:
    write(6)
    checkpoints.sign(force=True)
    truncate_to(4)
    Checkpoint.objects.all().delete()
    result = verify()
    assert not result.ok
    assert "ends at #4 but checkpoint #6" in result.reason
    assert any("deleted from the database" in p for p in result.problems)


def test_a_checkpoint_deleted_from_the_database_alone_is_reported() -> None:
    write(3)
    checkpoints.sign(force=True)
    Checkpoint.objects.all().delete()
    result = verify()
    assert not result.ok and "deleted from the database" in result.reason


def test_a_checkpoint_row_edited_to_match_a_rewrite_has_a_bad_signature() -> None:
    write(4)
    checkpoints.sign(force=True)
    rewrite_from(2, data={"i": 99})
    Checkpoint.objects.filter(seq=4).update(hash=Event.objects.get(seq=4).hash)
    log_file().unlink()
    result = verify()
    assert not result.ok and "bad signature" in result.reason


def test_a_checkpoint_signed_with_another_key_is_refused() -> None:
    write(4)
    checkpoints.sign(force=True)
    rewrite_from(2, data={"i": 99})
    log_file().unlink()
    Checkpoint.objects.all().delete()
    other = SigningKey.generate()
    ev = Event.objects.get(seq=4)
    at = "2030-01-01T00:00:00Z"
    sig = other.sign(b"cluedesk-ledger-checkpoint/v1\n4\n" + ev.hash.encode() + b"\n" + at.encode() + b"\n").signature
    Checkpoint.objects.create(seq=4, hash=ev.hash, signed_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
                              key_id=keys.key_id(other.verify_key), signature=base64.b64encode(sig).decode())
    result = verify()
    assert not result.ok and "not by this deployment's ledger signing key" in result.reason


def test_a_checkpoint_in_the_database_that_differs_from_the_log_is_reported() -> None:
    """Even validly signed (by someone holding the key): the two copies must agree."""
    write(3)
    checkpoints.sign(force=True)
    row = Checkpoint.objects.get()
    later = row.signed_at + dt.timedelta(hours=1)
    at = checkpoints.format_time(later)
    sig = keys.signing_key().sign(checkpoints.message(row.seq, row.hash, at)).signature
    Checkpoint.objects.filter(pk=row.pk).update(signed_at=later, signature=base64.b64encode(sig).decode())
    result = verify()
    assert not result.ok and "differs from the one in ledger-checkpoints.jsonl" in result.reason


def test_a_garbled_log_line_is_reported() -> None:
    write(2)
    checkpoints.sign(force=True)
    with log_file().open("a") as fh:
        fh.write('{"seq": "x"}\n')
    result = verify()
    assert not result.ok and "line 2" in result.reason and "not a checkpoint" in result.reason


def test_checkpoints_missing_from_the_log_are_a_warning_not_a_failure() -> None:
    """A restore from a backup without the log file: the rows still verify by signature."""
    write(3)
    checkpoints.sign(force=True)
    log_file().unlink()
    result = verify()
    assert result.ok and result.checkpoints_checked == 1
    assert result.warnings and "not in" in result.warnings[0]


def test_without_the_signing_key_the_checkpoints_cannot_be_trusted() -> None:
    write(3)
    checkpoints.sign(force=True)
    (Path(settings.KEYS_DIR) / keys.SIGNING_KEY_FILE).unlink()
    result = verify()
    assert not result.ok and "no ledger signing key" in result.reason
    assert not (Path(settings.KEYS_DIR) / keys.SIGNING_KEY_FILE).exists()  # verifying never makes a key


# ---- ledger head and --expect ------------------------------------------------------------------

def test_head_prints_one_line_whose_signature_checks_with_the_published_public_key() -> None:
    write(3)
    with pytest.raises(CommandError, match="no signed checkpoint yet"):
        head_line()
    call_command("ledger", "checkpoint", stdout=open(os.devnull, "w"))
    line = head_line()
    match = LINE.match(line)
    assert match, line
    seq, digest, at, key_id, sig = match.groups()
    assert (int(seq), digest) == (3, Event.objects.get(seq=3).hash)
    from io import StringIO

    out = StringIO()
    call_command("ledger", "public-key", stdout=out)
    public_hex, shown_id = out.getvalue().split()
    assert shown_id == f"key={key_id}"
    # the message as documented in docs/threat-model.md, spelled out here rather than imported
    signed = f"cluedesk-ledger-checkpoint/v1\n{seq}\n{digest}\n{at}\n".encode()
    VerifyKey(bytes.fromhex(public_hex)).verify(signed, base64.b64decode(sig))


def test_expect_catches_a_truncation_even_with_every_checkpoint_gone() -> None:
    write(6)
    call_command("ledger", "checkpoint", stdout=open(os.devnull, "w"))
    kept = head_line()  # kept elsewhere
    assert json.loads(run_verify(kept))["ok"]
    truncate_to(4)
    Checkpoint.objects.all().delete()
    log_file().unlink()
    assert json.loads(run_verify())["ok"]  # nothing left here to notice
    with pytest.raises(CommandError, match=r"expected event #6 is not in it"):
        run_verify(kept.split()[0])


def test_expect_catches_a_rewrite_with_every_checkpoint_gone() -> None:
    write(5)
    call_command("ledger", "checkpoint", stdout=open(os.devnull, "w"))
    kept = head_line().split()[0]
    rewrite_from(3, data={"i": 99})
    Checkpoint.objects.all().delete()
    log_file().unlink()
    with pytest.raises(CommandError, match=r'"first_bad_event": 5.*not the expected'):
        run_verify(kept)


@pytest.mark.parametrize("bad", ["5", "5:abc", "x:" + "0" * 64, "0:" + "0" * 64, ""])
def test_expect_refuses_what_is_not_seq_colon_hash(bad: str) -> None:
    write(1)
    with pytest.raises(CommandError, match="--expect takes SEQ:HASH"):
        run_verify(bad)


def test_verify_reports_the_checkpoints_it_checked() -> None:
    write(2)
    checkpoints.sign(force=True)
    write(2)
    checkpoints.sign(force=True)
    out = json.loads(run_verify())
    assert out == {"ok": True, "checked": 4, "checkpoints": 2,
                   "latest_checkpoint": f"4:{Event.objects.get(seq=4).hash}"}


# ---- when the worker signs ---------------------------------------------------------------------

def test_the_worker_signs_after_n_events_or_m_minutes_and_not_before(settings) -> None:
    settings.CLUEDESK_LEDGER_CHECKPOINT_EVENTS = 5
    settings.CLUEDESK_LEDGER_CHECKPOINT_MINUTES = 10
    now = timezone.now()
    assert checkpoints.job(now) == {"signed": None}  # an empty ledger: nothing to sign
    write(2)
    assert checkpoints.job(now)["signed"].startswith("2:")  # the first one is due at once
    write(3)
    assert checkpoints.job(now) == {"signed": None}  # 3 < 5 events, 0 < 10 minutes
    write(2)
    assert checkpoints.job(now)["signed"].startswith("7:")  # 5 events
    write(1)
    assert checkpoints.job(now + dt.timedelta(minutes=9)) == {"signed": None}
    assert checkpoints.job(now + dt.timedelta(minutes=10))["signed"].startswith("8:")
    assert checkpoints.job(now + dt.timedelta(minutes=60)) == {"signed": None}  # nothing new
    assert list(Checkpoint.objects.values_list("seq", flat=True)) == [2, 7, 8]
    assert [json.loads(x)["seq"] for x in log_file().read_text().splitlines()] == [2, 7, 8]


def test_the_checkpoint_job_is_scheduled() -> None:
    write(2)
    jobs.run("ledger_checkpoint", force=True)
    assert Checkpoint.objects.get().seq == 2


def test_the_worker_will_not_sign_a_chain_changed_since_the_last_checkpoint() -> None:
    write(3)
    checkpoints.sign(force=True)
    write(3)
    edit(5, data={"i": 0})
    with pytest.raises(checkpoints.CheckpointRefused, match="#5"):
        checkpoints.sign(force=True)
    rewrite_from(2, data={"i": 0})
    with pytest.raises(checkpoints.CheckpointRefused, match="#3 no longer has the hash"):
        checkpoints.sign(force=True)
    assert Checkpoint.objects.count() == 1


def test_the_worker_will_not_sign_a_truncated_chain() -> None:
    write(4)
    checkpoints.sign(force=True)
    truncate_to(2)
    write(1)  # the chain grows again, but from #2
    with pytest.raises(checkpoints.CheckpointRefused, match="the chain ends at #3 but checkpoint #4"):
        checkpoints.sign(force=True)
    Checkpoint.objects.all().delete()  # the log file still knows
    with pytest.raises(checkpoints.CheckpointRefused, match="#4"):
        checkpoints.sign(force=True)


def test_the_worker_will_not_build_on_a_checkpoint_it_did_not_sign() -> None:
    """A row slipped into the table (say, over a rewritten chain) is not taken as the last good point."""
    write(4)
    forged = base64.b64encode(b"\x01" * 64).decode()
    Checkpoint.objects.create(seq=4, hash=Event.objects.get(seq=4).hash, signed_at=timezone.now(),
                              key_id=keys.key_id(keys.signing_key().verify_key), signature=forged)
    write(2)
    with pytest.raises(checkpoints.CheckpointRefused, match="bad signature"):
        checkpoints.sign(force=True)
    assert Checkpoint.objects.count() == 1


def test_a_log_that_cannot_be_written_leaves_no_checkpoint_row() -> None:
    write(2)
    log_file().mkdir()  # a directory where the file should be
    with pytest.raises(OSError):
        checkpoints.sign(force=True)
    assert not Checkpoint.objects.exists()


# ---- the key -----------------------------------------------------------------------------------

def test_the_key_is_made_once_in_the_keys_folder_readable_by_its_owner_only() -> None:
    path = Path(settings.KEYS_DIR) / "ledger-signing.key"
    assert keys.verify_key() is None and not path.exists()
    first = keys.signing_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert bytes(keys.signing_key()) == bytes(first)
    assert re.fullmatch(r"[0-9a-f]{64}", path.read_text())


def test_the_key_from_the_environment_wins_and_a_changed_key_is_noticed(monkeypatch, tmp_path) -> None:
    write(2)
    checkpoints.sign(force=True)
    assert verify().ok
    monkeypatch.setenv("CLUEDESK_LEDGER_SIGNING_KEY", "ab" * 32)
    assert bytes(keys.signing_key()) == bytes.fromhex("ab" * 32)
    result = verify()
    assert not result.ok and "not by this deployment's ledger signing key" in result.reason
    named = tmp_path / "ledger.key"
    named.write_text("cd" * 32 + "\n")
    monkeypatch.setenv("CLUEDESK_LEDGER_SIGNING_KEY_FILE", str(named))
    with pytest.raises(keys.SigningKeyError, match="both CLUEDESK_LEDGER_SIGNING_KEY and"):
        keys.signing_key()  # which one wins is not guessed
    monkeypatch.delenv("CLUEDESK_LEDGER_SIGNING_KEY")
    assert bytes(keys.signing_key()) == bytes.fromhex("cd" * 32)


@pytest.mark.parametrize("value", ["abc", "zz" * 32, "ab" * 31])
def test_a_malformed_key_is_refused_with_a_clear_error(monkeypatch, value: str) -> None:
    monkeypatch.setenv("CLUEDESK_LEDGER_SIGNING_KEY", value)
    with pytest.raises(keys.SigningKeyError, match="64 hex characters"):
        keys.signing_key()
    write(1)
    with pytest.raises(CommandError, match="64 hex characters"):
        call_command("ledger", "checkpoint", stdout=open(os.devnull, "w"))
    assert not Checkpoint.objects.exists()


def test_a_key_file_named_but_missing_is_a_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CLUEDESK_LEDGER_SIGNING_KEY_FILE", str(tmp_path / "nope"))
    with pytest.raises(keys.SigningKeyError, match="CLUEDESK_LEDGER_SIGNING_KEY_FILE=.*cannot read it"):
        keys.signing_key()
