"""Every secret is read from ``<NAME>`` or ``<NAME>_FILE`` the same way (cluedesk.platform.secrets).

For each reader of a secret — settings, the file key, the content keyring, the index key, the
ledger's signing key, the backup public key, the custodian passphrase, the backup's fingerprints —
the key given in a file named by ``<NAME>_FILE`` is the one used, exactly as when the same key is
given in ``<NAME>``; both at once is refused naming both; a file that cannot be read is named.
Before, ``CLUEDESK_FILE_KEY_FILE`` was honoured by one reader and ignored by another, and two nodes
started from one recipe stored attachments under different keys (issue 23, finding 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import nacl.utils
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from nacl.public import PrivateKey

from cluedesk import settings as settings_module
from cluedesk.ledger import keys as ledger_keys
from cluedesk.ops import archive_seal, backup
from cluedesk.platform import secrets
from cluedesk.vault import content, sealing
from cluedesk.vault.management.commands import keys as keys_command

HEX = nacl.utils.random(32).hex()
PUBLIC = PrivateKey.generate().public_key
SECRET = "a-server-secret-long-enough-" + "s" * 20


@pytest.fixture(autouse=True)
def _fresh(monkeypatch) -> Iterator[None]:
    for name in ("CLUEDESK_SECRET_KEY", "CLUEDESK_FILE_KEY", "CLUEDESK_CONTENT_KEYS", "CLUEDESK_INDEX_KEY",
                 "CLUEDESK_LEDGER_SIGNING_KEY", "CLUEDESK_BACKUP_PUBLIC_KEY", "CLUEDESK_CUSTODIAN_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    _forget()
    yield
    _forget()


def _forget() -> None:
    sealing.file_key.cache_clear()
    content.forget_keys()


# name, the text given, what the reader returns for it, the reader
READERS: list[tuple[str, str, object, Callable[[], object]]] = [
    ("CLUEDESK_SECRET_KEY", SECRET, SECRET, lambda: settings_module.env("CLUEDESK_SECRET_KEY")),
    ("CLUEDESK_FILE_KEY", HEX, bytes.fromhex(HEX), sealing.file_key),
    ("CLUEDESK_CONTENT_KEYS", HEX, (bytes.fromhex(HEX),), lambda: content.keyring().keys),
    ("CLUEDESK_INDEX_KEY", HEX, bytes.fromhex(HEX), content.index_key),
    ("CLUEDESK_LEDGER_SIGNING_KEY", HEX, bytes.fromhex(HEX), lambda: bytes(ledger_keys.signing_key())),
    ("CLUEDESK_BACKUP_PUBLIC_KEY", bytes(PUBLIC).hex(), bytes(PUBLIC), lambda: bytes(archive_seal.configured_public())),
]
IDS = [r[0] for r in READERS]


@pytest.mark.parametrize(("name", "given", "expected", "read"), READERS, ids=IDS)
def test_a_key_in_the_file_named_by_NAME_FILE_is_the_one_used(name, given, expected, read, tmp_path: Path,
                                                              monkeypatch) -> None:
    held = tmp_path / "secret"
    held.write_text(given + "\n")
    monkeypatch.setenv(f"{name}_FILE", str(held))
    assert read() == expected


@pytest.mark.parametrize(("name", "given", "expected", "read"), READERS, ids=IDS)
def test_the_same_key_in_NAME_reads_the_same(name, given, expected, read, monkeypatch) -> None:
    monkeypatch.setenv(name, given)
    assert read() == expected


@pytest.mark.parametrize(("name", "given", "expected", "read"), READERS, ids=IDS)
def test_both_forms_at_once_are_refused_naming_both(name, given, expected, read, tmp_path: Path,
                                                    monkeypatch) -> None:
    held = tmp_path / "secret"
    held.write_text(given)
    monkeypatch.setenv(name, given)
    monkeypatch.setenv(f"{name}_FILE", str(held))
    with pytest.raises((secrets.SecretError, content.KeyProblem, ledger_keys.SigningKeyError,
                        archive_seal.SealError, ImproperlyConfigured)) as refused:
        read()
    assert f"both {name} and {name}_FILE" in str(refused.value)


@pytest.mark.parametrize(("name", "given", "expected", "read"), READERS, ids=IDS)
def test_a_file_that_cannot_be_read_is_named(name, given, expected, read, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(f"{name}_FILE", str(tmp_path / "not-there"))
    with pytest.raises((secrets.SecretError, content.KeyProblem, ledger_keys.SigningKeyError,
                        archive_seal.SealError, ImproperlyConfigured, OSError)) as refused:
        read()
    assert f"{name}_FILE" in str(refused.value) or "not-there" in str(refused.value)


def test_the_backup_fingerprints_the_keys_given_by_files(tmp_path: Path, monkeypatch) -> None:
    """The manifest's fingerprints are those of the keys in force, whichever form gave them."""
    for name, value in (("CLUEDESK_SECRET_KEY", SECRET), ("CLUEDESK_FILE_KEY", HEX), ("CLUEDESK_INDEX_KEY", HEX)):
        (tmp_path / name).write_text(value + "\n")
        monkeypatch.setenv(f"{name}_FILE", str(tmp_path / name))
    from_files = backup.key_fingerprints(tmp_path / "empty-keys")
    for name, value in (("CLUEDESK_SECRET_KEY", SECRET), ("CLUEDESK_FILE_KEY", HEX), ("CLUEDESK_INDEX_KEY", HEX)):
        monkeypatch.delenv(f"{name}_FILE")
        monkeypatch.setenv(name, value)
    assert backup.key_fingerprints(tmp_path / "empty-keys") == from_files
    assert {"secret_key", "files.key", "index.key"} <= set(from_files)


def test_the_custodian_passphrase_comes_from_its_file_never_from_the_variable(tmp_path: Path, monkeypatch) -> None:
    held = tmp_path / "passphrase"
    held.write_text("correct horse battery staple\n")
    monkeypatch.setenv("CLUEDESK_CUSTODIAN_PASSPHRASE_FILE", str(held))
    assert keys_command._passphrase("never asked") == "correct horse battery staple"
    monkeypatch.delenv("CLUEDESK_CUSTODIAN_PASSPHRASE_FILE")
    monkeypatch.setenv("CLUEDESK_CUSTODIAN_PASSPHRASE", "in the environment")
    with pytest.raises(CommandError, match="CLUEDESK_CUSTODIAN_PASSPHRASE_FILE"):
        keys_command._passphrase("never asked")


def test_an_empty_variable_gives_nothing_and_no_variable_gives_the_default(monkeypatch) -> None:
    assert secrets.secret("CLUEDESK_TEST_NOT_SET", "fallback") == "fallback"
    monkeypatch.setenv("CLUEDESK_TEST_EMPTY", "")
    assert not secrets.source("CLUEDESK_TEST_EMPTY").given
    assert secrets.source("CLUEDESK_TEST_EMPTY").origin == ""
