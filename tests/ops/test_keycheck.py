"""The start-up key check (issue 23.1): instances of one deployment share their keys or refuse to serve."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from cluedesk.ops import keycheck
from cluedesk.ops.models import KeyFingerprint
from cluedesk.vault import content, sealing
from tests.scaleout.helpers import run, scratch_database


@pytest.fixture
def keys_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A keys folder of this test's own, every key read from it (none from the environment)."""
    for name in ("CLUEDESK_FILE_KEY", "CLUEDESK_CONTENT_KEYS", "CLUEDESK_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)

    def use(folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        sealing.file_key.cache_clear()
        sealing.public_key.cache_clear()  # type: ignore[attr-defined]
        content.forget_keys()
        return override_settings(KEYS_DIR=folder)

    yield use
    sealing.file_key.cache_clear()
    content.forget_keys()


@pytest.mark.django_db
def test_first_start_records_then_same_keys_pass(keys_folder, tmp_path: Path) -> None:
    with keys_folder(tmp_path / "a"):
        said = keycheck.check()
        assert {r.name for r in KeyFingerprint.objects.all()} == {"secret_key", "files.key", "content.keys", "index.key"}
        assert any("files.key" in line for line in said)
        assert keycheck.check() == []  # the same keys again: nothing to say, no refusal
        # never key material in the record
        material = (tmp_path / "a" / "files.key").read_text().strip()
        assert not any(material in f"{r.fingerprint}{r.source}" for r in KeyFingerprint.objects.all())


@pytest.mark.django_db
def test_a_different_file_key_is_refused_naming_it_and_its_source(keys_folder, tmp_path, monkeypatch) -> None:
    with keys_folder(tmp_path / "a"):
        keycheck.check()
        shared = {n: (tmp_path / "a" / n).read_text() for n in ("content.keys", "index.key")}
    other = tmp_path / "b"
    other.mkdir()
    for name, text in shared.items():
        (other / name).write_text(text)
    key_file = tmp_path / "node-b-files.key"
    key_file.write_text(secrets.token_hex(32))
    monkeypatch.setenv("CLUEDESK_FILE_KEY_FILE", str(key_file))
    with keys_folder(other), pytest.raises(keycheck.KeyMismatch) as refused:
        keycheck.check()
    message = str(refused.value)
    assert "the file key (files.key)" in message and f"CLUEDESK_FILE_KEY_FILE={key_file}" in message
    assert "content.keys" not in message and "index.key" not in message and "secret" not in message.split(":")[0]
    assert key_file.read_text() not in message
    # the same file through the variable on the first node too: accepted once the record says so
    monkeypatch.delenv("CLUEDESK_FILE_KEY_FILE")


@pytest.mark.django_db
def test_content_key_rotation_moves_the_record(keys_folder, tmp_path, monkeypatch) -> None:
    with keys_folder(tmp_path / "a"):
        keycheck.check()
        before = KeyFingerprint.objects.get(name="content.keys").fingerprint
        call_command("content-keys", "rotate", stdout=open("/dev/null", "w"))  # noqa: SIM115
        after = KeyFingerprint.objects.get(name="content.keys").fingerprint
        assert after != before and after == content.key_id_of(content.keyring().current).hex()
        assert keycheck.check() == []
    # a node whose keyring was given anew in the environment, new key first: a rotation, recorded
    ring = (tmp_path / "a" / "content.keys").read_text().split()
    newer = secrets.token_hex(32)
    monkeypatch.setenv("CLUEDESK_CONTENT_KEYS", ",".join([newer, *ring]))
    with keys_folder(tmp_path / "a"):
        said = keycheck.check()
        assert any("rotated" in line for line in said)
    # a node still on the old ring (without the new current key) refuses
    monkeypatch.setenv("CLUEDESK_CONTENT_KEYS", ",".join(ring))
    with keys_folder(tmp_path / "a"), pytest.raises(keycheck.KeyMismatch, match="current content key"):
        keycheck.check()


@pytest.mark.django_db
def test_worker_refuses_with_other_keys(keys_folder, tmp_path, monkeypatch) -> None:
    with keys_folder(tmp_path / "a"):
        keycheck.check()
    monkeypatch.setenv("CLUEDESK_FILE_KEY", secrets.token_hex(32))
    with keys_folder(tmp_path / "a"):
        KeyFingerprint.objects.filter(name="files.key").update(fingerprint="0" * 16)
        with pytest.raises(keycheck.KeyMismatch, match="CLUEDESK_FILE_KEY"):
            keycheck.check()


def test_two_data_folders_on_one_database(tmp_path: Path) -> None:
    """Two instances (each its own data folder) on one database: the second, with a file key of its
    own, refuses to serve (and so does its worker); given the first one's keys (by ``*_FILE``), it
    starts."""
    with scratch_database(tmp_path / "a") as env_a:
        if "DATABASE_URL" not in env_a:  # SQLite: one file both instances use
            env_a["DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        run(env_a, "serve", "--prepare-only", "--no-demo")
        env_b = {**env_a, "CLUEDESK_DATA_DIR": str(tmp_path / "b")}
        refused = run(env_b, "serve", "--prepare-only", "--no-demo", check=False)
        assert refused.returncode != 0
        assert "refusing to serve" in refused.stderr and "the file key (files.key)" in refused.stderr
        assert str(tmp_path / "b" / "keys" / "files.key") in refused.stderr
        assert not (tmp_path / "b" / "keys" / "custodian.pub").exists()  # refused before a key pair of its own
        worker = run(env_b, "worker", "--once", check=False)
        assert worker.returncode != 0 and "the file key (files.key)" in worker.stderr
        keys_a = tmp_path / "a" / "keys"
        shared = {"CLUEDESK_SECRET_KEY_FILE": keys_a / "secret_key", "CLUEDESK_FILE_KEY_FILE": keys_a / "files.key",
                  "CLUEDESK_CONTENT_KEYS_FILE": keys_a / "content.keys", "CLUEDESK_INDEX_KEY_FILE": keys_a / "index.key"}
        env_b.update({k: str(v) for k, v in shared.items()})
        (tmp_path / "b" / "keys").mkdir(parents=True, exist_ok=True)
        (tmp_path / "b" / "keys" / "custodian.pub").write_bytes((keys_a / "custodian.pub").read_bytes())
        run(env_b, "serve", "--prepare-only", "--no-demo")


def test_serve_refusal_is_a_command_error(monkeypatch) -> None:
    """The message reaches the operator as a CommandError (exit 1), not a traceback."""
    from cluedesk.ops.management.commands.serve import Command

    def refuse() -> list[str]:
        raise keycheck.KeyMismatch("refusing to serve: x")

    monkeypatch.setattr(keycheck, "check", refuse)
    with pytest.raises(CommandError, match="refusing to serve"):
        Command()._check_keys()


def test_gunicorn_master_refuses(monkeypatch) -> None:
    """gunicorn's master (``on_starting``, after the preload, before any fork) exits on a mismatch."""
    from cluedesk.ops import gunicorn_conf

    def refuse() -> list[str]:
        raise keycheck.KeyMismatch("refusing to serve: x")

    monkeypatch.setattr(keycheck, "check", refuse)
    monkeypatch.setattr(gunicorn_conf, "warm", lambda: pytest.fail("warmed up despite the refusal"))
    with pytest.raises(SystemExit) as exited:
        gunicorn_conf.on_starting(None)
    assert exited.value.code == 3


@pytest.mark.django_db
def test_a_key_replaced_on_purpose_is_accepted_with_a_reason_then_the_old_one_is_refused(keys_folder, tmp_path,
                                                                                         monkeypatch) -> None:
    from io import StringIO

    from cluedesk.ledger.models import Event

    with keys_folder(tmp_path / "a"):
        keycheck.check()
        old = KeyFingerprint.objects.get(name="files.key").fingerprint
        before = Event.objects.count()
        (tmp_path / "a" / "files.key").write_text(secrets.token_hex(32))  # replaced by the operator
        sealing.file_key.cache_clear()
        with pytest.raises(keycheck.KeyMismatch, match="cluedesk keycheck accept NAME"):
            keycheck.check()
        out = StringIO()
        with pytest.raises(SystemExit) as differs:
            call_command("keycheck", stdout=out)
        assert differs.value.code == 1 and "files.key      DIFFERENT" in out.getvalue()
        # no reason, no record; an unknown name is named
        with pytest.raises(CommandError, match="--reason"):
            call_command("keycheck", "accept", "files.key", stdout=StringIO())
        with pytest.raises(CommandError, match="unknown key 'files'"):
            call_command("keycheck", "accept", "files", "--reason", "x", stdout=StringIO())
        assert KeyFingerprint.objects.get(name="files.key").fingerprint == old and Event.objects.count() == before
        call_command("keycheck", "accept", "files.key", "--reason", "replaced before any file was stored",
                     stdout=StringIO())
        new = KeyFingerprint.objects.get(name="files.key").fingerprint
        assert new != old
        event = Event.objects.get(verb="ops.key_accepted")
        assert event.data == {"old": old, "new": new, "source": str(tmp_path / "a" / "files.key"),
                              "reason": "replaced before any file was stored"}
        keycheck.check()  # this instance passes now
        call_command("keycheck", stdout=StringIO())  # and status exits 0
    other = tmp_path / "b"  # an instance still holding the old key is refused
    other.mkdir()
    for name in ("content.keys", "index.key"):
        (other / name).write_text((tmp_path / "a" / name).read_text())
    with keys_folder(other):
        (other / "files.key").write_text("00" * 32)
        with pytest.raises(keycheck.KeyMismatch, match="files.key"):
            keycheck.check()
