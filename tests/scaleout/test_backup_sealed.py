"""Issue 19, finding 10: backup archives encrypted to an offline backup public key, written 0600.

`cluedesk backup` seals the archive (and the keys archive) to CLUEDESK_BACKUP_PUBLIC_KEY or
--to-public-key; `--verify` and `restore` need the private key (--backup-key) and refuse clearly
without it, before touching anything; a wrong key, a changed byte, a cut or an extended archive
are refused. Without a backup public key the archive stays a plain tar, 0600, with a warning."""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from cluedesk.ops import archive_seal, backup

from .helpers import run, scratch_database, snapshot
from .test_backup import _seed


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask a service manager or a shell often gives (022): modes must not depend on it."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _generate(path: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("backup-keys", "generate", "--out", str(path), stdout=out, stderr=err)
    assert "Move it offline" in err.getvalue()
    return out.getvalue().strip()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_restores_only_with_its_private_key(tmp_path: Path, monkeypatch, loose_umask) -> None:
    codes = _seed()
    before = snapshot(codes)
    key_file = tmp_path / "offline" / "backup.key"
    key_file.parent.mkdir()
    public = _generate(key_file)
    assert _mode(key_file) == 0o600 and len(public) == 64
    monkeypatch.setenv("CLUEDESK_BACKUP_PUBLIC_KEY", public)
    out, err = io.StringIO(), io.StringIO()
    (tmp_path / "out").mkdir()
    call_command("backup", str(tmp_path / "out"), keys_out=str(tmp_path / "out"), stdout=out, stderr=err)
    result = json.loads(out.getvalue())
    archive, keys_archive = Path(result["archive"]), Path(result["keys_archive"])
    assert archive.name.endswith(".tar.sealed") and keys_archive.name.endswith(".tar.sealed")
    assert "not encrypted" not in err.getvalue()
    assert result["sealed_to"] == archive_seal.fingerprint(archive_seal.parse_public(public))
    assert _mode(archive) == 0o600 and _mode(keys_archive) == 0o600

    # what a thief of the backup disk gets: no tar, no SQLite file, no key material
    for path in (archive, keys_archive):
        data = path.read_bytes()
        assert data.startswith(archive_seal.MAGIC)
        for clear in (b"manifest.json", b"SQLite format 3", b"db/cluedesk", b"ustar", b"keys/"):
            assert clear not in data
        with pytest.raises(tarfile.TarError):
            tarfile.open(path).close()
    for name in ("content.keys", "index.key", "files.key", "secret_key"):
        secret = Path(settings.KEYS_DIR) / name
        assert secret.exists() and secret.read_text().strip().encode() not in keys_archive.read_bytes()

    # --verify: refused without the key, and with another key; passes with the right one
    with pytest.raises(CommandError, match="--backup-key"):
        call_command("backup", verify=str(archive), stdout=io.StringIO())  # no DEST needed (issue 23.11)
    other = tmp_path / "offline" / "other.key"
    _generate(other)
    with pytest.raises(CommandError, match="sealed to backup key"):
        call_command("backup", "x", verify=str(archive), backup_key=str(other), stdout=io.StringIO())
    verified = io.StringIO()
    call_command("backup", verify=str(archive), backup_key=str(key_file), stdout=verified)
    assert json.loads(verified.getvalue())["ok"] is True

    target = tmp_path / "fresh"
    with scratch_database(target) as env:
        refused = run(env, "restore", str(archive), "--keys", str(keys_archive), check=False)
        assert refused.returncode != 0 and "--backup-key" in refused.stderr
        assert not (target / "files").exists() or not any((target / "files").iterdir())
        out = run(env, "restore", str(archive), "--keys", str(keys_archive), "--backup-key", str(key_file))
        assert json.loads(out.stdout.strip().splitlines()[-1])["ledger_verify"]
        after = json.loads(run(env, "shell", "-c",
                               f"from tests.scaleout.helpers import snapshot; import json; "
                               f"print(json.dumps(snapshot({codes!r}), ensure_ascii=False, default=str))"
                               ).stdout.strip().splitlines()[-1])
        assert after == json.loads(json.dumps(before, ensure_ascii=False, default=str))
        # what the restore left: the keys it replaced kept 0600, the store 0700, the database 0600
        replaced = sorted((target / "keys").glob("*.before-restore"))
        assert replaced and all(_mode(p) == 0o600 for p in replaced)
        assert _mode(target / "files") == 0o700 and _mode(target / "keys") == 0o700
        if (target / "cluedesk.sqlite3").exists():
            assert _mode(target / "cluedesk.sqlite3") == 0o600


def _reseal(archive: Path, tmp_path: Path, change) -> Path:
    bad = tmp_path / f"bad-{change.__name__}.tar.sealed"
    bad.write_bytes(change(archive.read_bytes()))
    return bad


@pytest.mark.django_db(transaction=True)  # the backup copies a committed database
def test_a_changed_cut_or_extended_sealed_archive_is_refused(tmp_path: Path) -> None:
    _seed()
    key_file = tmp_path / "backup.key"
    public = archive_seal.parse_public(_generate(key_file))
    private = archive_seal.load_private(key_file)
    result = backup.backup(tmp_path / "a.tar.sealed", public_key=public)
    assert backup.verify(result.archive, backup_key=private)["summary"]["reports"] == 3

    def flipped(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:]

    def cut(data: bytes) -> bytes:  # the last chunk gone: the tar itself may still look whole
        start = len(archive_seal.MAGIC) + 8 + archive_seal.SEALED_KEY_BYTES + archive_seal.HEADER_BYTES
        last = (len(data) - start) % (archive_seal.CHUNK + archive_seal.ABYTES) or archive_seal.CHUNK + archive_seal.ABYTES
        return data[:len(data) - last]

    def extended(data: bytes) -> bytes:
        return data + b"\x00" * 1024

    def recipient_changed(data: bytes) -> bytes:
        i = len(archive_seal.MAGIC)
        return data[:i] + bytes([data[i] ^ 1]) + data[i + 1:]

    for change, message in ((flipped, "damaged or altered"), (cut, "cut short"), (extended, "after its end|damaged or altered"),
                            (recipient_changed, "sealed to backup key")):
        with pytest.raises(backup.BackupError, match=message):
            backup.verify(_reseal(result.archive, tmp_path, change), backup_key=private)


@pytest.mark.django_db(transaction=True)  # the backup copies a committed database
def test_without_a_backup_public_key_the_archive_is_plain_0600_and_the_command_warns(tmp_path: Path, monkeypatch,
                                                                                    loose_umask) -> None:
    _seed()
    monkeypatch.delenv("CLUEDESK_BACKUP_PUBLIC_KEY", raising=False)
    monkeypatch.delenv("CLUEDESK_BACKUP_PUBLIC_KEY_FILE", raising=False)
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", str(tmp_path / "new-folder" / "a.tar"), keys_out=str(tmp_path / "k.tar"),
                 stdout=out, stderr=err)
    assert "WARNING: the archive is not encrypted" in err.getvalue() and "CLUEDESK_BACKUP_PUBLIC_KEY" in err.getvalue()
    archive = Path(json.loads(out.getvalue())["archive"])
    assert json.loads(out.getvalue())["sealed_to"] is None
    assert _mode(archive) == 0o600 and _mode(tmp_path / "k.tar") == 0o600
    assert _mode(archive.parent) == 0o700  # a folder the backup made for it
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()


def test_a_key_replaced_by_a_restore_is_kept_0600(tmp_path: Path, loose_umask) -> None:
    source, keys = tmp_path / "from-archive", tmp_path / "restored-keys"
    source.mkdir()
    keys.mkdir()
    (source / "secret_key").write_text("the archive's secret")
    (keys / "secret_key").write_text("a fresh install's secret")
    os.chmod(keys / "secret_key", 0o600)
    assert backup._place_keys(source, keys, replace=True) == ["secret_key"]
    kept = keys / "secret_key.before-restore"
    assert kept.read_text() == "a fresh install's secret" and _mode(kept) == 0o600
    assert _mode(keys / "secret_key") == 0o600
