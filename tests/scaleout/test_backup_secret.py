"""A server secret given by the environment (CLUEDESK_SECRET_KEY_FILE, as the operations guide
recommends) survives backup and restore (issue 23, finding 2): it is fingerprinted in the manifest
and kept in the keys archive, and a restore under another secret is refused — it would have made
every tracking code answer "no such report"."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from django.conf import settings

from cluedesk.ops import backup

from .helpers import run, scratch_database
from .test_backup import _seed


@pytest.mark.django_db(transaction=True)
def test_a_secret_from_a_file_is_fingerprinted_kept_and_checked_on_restore(tmp_path: Path, monkeypatch) -> None:
    codes = _seed()
    (Path(settings.KEYS_DIR) / "secret_key").unlink()  # the operator's secret lives in a file of its own
    secret_file = tmp_path / "server-secret"
    secret_file.write_text(settings.SECRET_KEY + "\n")
    monkeypatch.setenv("CLUEDESK_SECRET_KEY_FILE", str(secret_file))

    result = backup.backup(tmp_path / "a.tar", keys_out=tmp_path / "keys.tar")
    assert result.manifest["key_fingerprints"]["secret_key"] == backup._fp(settings.SECRET_KEY.encode())
    with tarfile.open(tmp_path / "keys.tar") as tar:
        member = tar.extractfile("keys/secret_key")
        assert member is not None and member.read().decode().strip() == settings.SECRET_KEY

    other = tmp_path / "another-secret"
    other.write_text("a-fresh-node-secret-" + "x" * 40 + "\n")
    with scratch_database(tmp_path / "target") as env:
        refused = run(dict(env, CLUEDESK_SECRET_KEY_FILE=str(other)), "restore", str(result.archive),
                      "--keys", str(tmp_path / "keys.tar"), check=False)
        assert refused.returncode != 0
        assert "secret_key" in refused.stderr and "CLUEDESK_SECRET_KEY_FILE" in refused.stderr

        env = dict(env, CLUEDESK_SECRET_KEY_FILE=str(secret_file))
        run(env, "restore", str(result.archive), "--keys", str(tmp_path / "keys.tar"), "--force")
        found = run(env, "shell", "-c", "from cluedesk.intake import services; "
                    f"print(services.find_report({codes[0]!r}) is not None)")
        assert found.stdout.strip().endswith("True")
