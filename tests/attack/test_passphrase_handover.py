"""Issue 19, finding 4: the custodian passphrase never reaches a log.

Every first start printed it to stdout, demo or not; under a service manager stdout is a log file
on the same host as the database and the sealed identities. Now it is printed only to a terminal;
otherwise it goes to a 0600 file in the keys folder, and `cluedesk serve` refuses to start beside
that file once it is a day old.
"""

from __future__ import annotations

import io
import math
import os
import re
import stat
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cluedesk.ops.bootstrap import first_start
from cluedesk.org.models import Division
from cluedesk.vault import handover, sealing, services

pytestmark = pytest.mark.django_db
PASSPHRASE = re.compile(r"[a-z0-9]{5}(?:-[a-z0-9]{5}){7}")  # services.new_passphrase()
URLSAFE_18 = re.compile(r"(?<![\w/.-])[A-Za-z0-9_-]{24}(?![\w/.-])")  # what the first start used to print


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fresh_keys(settings, tmp_path: Path) -> Path:
    settings.KEYS_DIR = tmp_path / "fresh-keys"
    sealing.public_key.cache_clear()
    return Path(settings.KEYS_DIR)


@pytest.fixture
def quiet_first_start(monkeypatch) -> None:
    monkeypatch.setenv("CLUEDESK_TRAIN_ON_START", "0")  # no background training
    Division.objects.get_or_create(code="000000", defaults={"name": "全国", "level": 0, "path": "000000"})


def written_passphrase(keys: Path) -> str:
    path = keys / handover.HANDOVER_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    found = PASSPHRASE.search(path.read_text())
    assert found is not None
    return found.group(0)


def test_the_first_start_under_a_service_manager_prints_no_passphrase(fresh_keys, quiet_first_start) -> None:
    log = io.StringIO()  # what systemd or a redirect would capture
    lines = "\n".join(first_start(demo=False, output=log))
    passphrase = written_passphrase(fresh_keys)
    assert passphrase not in lines and not PASSPHRASE.search(lines) and not URLSAFE_18.search(lines)
    assert str(fresh_keys / handover.HANDOVER_FILE) in lines and "delete the file" in lines
    assert sealing.unlock(passphrase).current


def test_the_first_start_on_a_terminal_shows_it_once_and_writes_no_file(fresh_keys, quiet_first_start) -> None:
    lines = "\n".join(first_start(demo=False, output=Terminal()))
    passphrase = PASSPHRASE.search(lines).group(0)
    assert sealing.unlock(passphrase).current
    assert not (fresh_keys / handover.HANDOVER_FILE).exists()
    assert PASSPHRASE.search("\n".join(first_start(demo=False, output=Terminal()))) is None  # once


def test_keys_init_without_a_terminal_writes_the_file(fresh_keys) -> None:
    out = io.StringIO()
    call_command("keys", "init", stdout=out)
    passphrase = written_passphrase(fresh_keys)
    assert passphrase not in out.getvalue() and not PASSPHRASE.search(out.getvalue())
    assert sealing.unlock(passphrase).current


def test_add_passphrase_without_a_terminal_writes_the_file_and_refuses_to_overwrite_one(fresh_keys,
                                                                                      monkeypatch) -> None:
    first = services.init_keys()
    secret = fresh_keys.parent / "pass.txt"
    secret.write_text(first)
    monkeypatch.setenv("CLUEDESK_CUSTODIAN_PASSPHRASE_FILE", str(secret))
    out = io.StringIO()
    call_command("keys", "add-passphrase", "--label", "王", stdout=out)
    new = written_passphrase(fresh_keys)
    assert new not in out.getvalue() and sealing.unlock(new).current
    with pytest.raises(CommandError, match="delete the file"):
        call_command("keys", "add-passphrase", "--label", "李", stdout=io.StringIO())
    assert sealing.key_status()["labels"] == ["custodian-1", "王"]  # nothing changed


def test_remove_passphrase_cuts_one_custodian_off_with_another_ones_passphrase(fresh_keys, monkeypatch) -> None:
    """docs/threat-model.md: each custodian's passphrase is removable (a hostile custodian is cut
    off with a remaining custodian's passphrase, not their own); the removal is ledgered."""
    from cluedesk.ledger.models import Event

    first = services.init_keys()
    secret = fresh_keys.parent / "pass.txt"
    secret.write_text(first)
    monkeypatch.setenv("CLUEDESK_CUSTODIAN_PASSPHRASE_FILE", str(secret))
    call_command("keys", "add-passphrase", "--label", "王", stdout=io.StringIO())
    leaver = written_passphrase(fresh_keys)
    out = io.StringIO()
    call_command("keys", "remove-passphrase", "--label", "王", stdout=out)
    assert "'王' removed" in out.getvalue() and sealing.key_status()["labels"] == ["custodian-1"]
    with pytest.raises(sealing.WrongPassphrase):
        sealing.unlock(leaver)
    assert sealing.unlock(first).current
    event = Event.objects.filter(verb="vault.custodian_passphrase_removed").get()
    assert event.data == {"label": "王"}
    with pytest.raises(CommandError, match="--label is required"):
        call_command("keys", "remove-passphrase", stdout=io.StringIO())
    with pytest.raises(CommandError):  # the last one stays: without it nobody could ever reveal
        call_command("keys", "remove-passphrase", "--label", "custodian-1", stdout=io.StringIO())
    assert sealing.key_status()["labels"] == ["custodian-1"]


def test_serve_refuses_to_start_beside_a_day_old_passphrase_file(fresh_keys) -> None:
    services.init_keys()
    path = fresh_keys / handover.HANDOVER_FILE
    path.write_text("custodian passphrase: x\n")
    assert handover.stale() is None  # just written: the operator has a day to take it away
    day_old = time.time() - handover.STALE_AFTER_SECONDS - 60
    os.utime(path, (day_old, day_old))
    assert handover.stale() == path
    with pytest.raises(CommandError, match="Move it offline") as refused:
        call_command("serve", "--prepare-only", stdout=io.StringIO())
    assert str(path) in str(refused.value) and "delete the file" in str(refused.value)
    path.unlink()
    assert handover.stale() is None


def test_the_passphrase_has_the_entropy_the_threat_model_states() -> None:
    alphabet = set()
    for _ in range(200):
        passphrase = services.new_passphrase()
        assert PASSPHRASE.fullmatch(passphrase)
        alphabet |= set(passphrase.replace("-", ""))
    bits = 40 * math.log2(len(alphabet))  # 8 groups of 5 characters, each drawn by secrets.choice
    assert len(alphabet) == 31 and math.floor(bits) == 198
    threat_model = (Path(__file__).resolve().parents[2] / "docs" / "threat-model.md").read_text()
    assert "198 bits" in threat_model and "~200 bits" not in threat_model
