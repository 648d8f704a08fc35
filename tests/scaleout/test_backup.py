"""Backup → restore into a fresh place reproduces the exports, the files and the ledger.

Runs on the suite's database (SQLite, or PostgreSQL with CLUEDESK_TEST_POSTGRES=1; the restore
target is then a database this test creates and drops)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from cluedesk.ledger.services import Actor
from cluedesk.ops import backup
from tests.org.factories import world
from tests.queue import run_queue

from .helpers import run, scratch_database, snapshot

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def _seed() -> list[str]:
    from cluedesk.intake import services
    from cluedesk.supervision import stats

    world()
    # the server secret into the keys folder, as `serve` keeps it, so the backup carries it
    (Path(settings.KEYS_DIR) / "secret_key").write_text(settings.SECRET_KEY)
    codes = []
    for i, text in enumerate(["某村有人长期开设赌场，放高利贷并暴力催收。", "菜市场有人收保护费，派出所有人包庇。",
                              "工地有人强揽工程，殴打工人。"]):
        files = [SimpleUploadedFile(f"p{i}.png", PNG, content_type="image/png")] if i != 1 else []
        _report, code = services.submit_report(text=text, place_text="湖南省长沙市浏阳市", name=f"张{i}",
                                               contact=f"1380000000{i}", files=files, channel="web",
                                               actor=Actor.system("test"))
        codes.append(code)
    run_queue()  # triage groups them into clues, as a worker would
    stats.refresh()
    return codes


@pytest.mark.django_db(transaction=True)
def test_restore_reproduces_exports_files_and_ledger(tmp_path: Path) -> None:
    codes = _seed()
    before = snapshot(codes)
    assert before["ledger"]["ok"] and len(before["files"]) == 2 and len(before["csv"]) > 3

    result = backup.backup(tmp_path / "out", keys_out=tmp_path / "keys.tar")
    manifest = result.manifest
    assert manifest["summary"]["reports"] == 3
    assert not manifest["keys_included"]
    with tarfile.open(result.archive) as tar:
        names = set(tar.getnames())
    assert "keys/secret_key" not in names and "keys/files.key" not in names and "keys/custodian.pub" in names
    assert sum(n.startswith("files/") for n in names) == 2

    target = tmp_path / "fresh"
    with scratch_database(target) as env:
        # without the keys the restore refuses before touching anything
        refused = run(env, "restore", str(result.archive), check=False)
        assert refused.returncode != 0 and "do not match" in refused.stderr
        out = run(env, "restore", str(result.archive), "--keys", str(result.keys_archive))
        assert json.loads(out.stdout.strip().splitlines()[-1])["ledger_verify"]
        run(env, "ledger", "verify")
        after = json.loads(run(env, "shell", "-c",
                               f"from tests.scaleout.helpers import snapshot; import json; "
                               f"print(json.dumps(snapshot({codes!r}), ensure_ascii=False, default=str))"
                               ).stdout.strip().splitlines()[-1])
        assert after == json.loads(json.dumps(before, ensure_ascii=False, default=str))
        # a second restore into the now non-empty place is refused without --force
        again = run(env, "restore", str(result.archive), "--keys", str(result.keys_archive), check=False)
        assert again.returncode != 0 and "--force" in again.stderr
        run(env, "restore", str(result.archive), "--keys", str(result.keys_archive), "--force")


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused(tmp_path: Path) -> None:
    _seed()
    result = backup.backup(tmp_path / "a.tar", include_keys=True)
    assert result.warnings and "secret keys" in result.warnings[0]
    # change one byte of the database part, keep the manifest
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(result.archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("db/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            import io

            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(backup.BackupError, match="sha256"):
        backup.verify(damaged)
    assert backup.verify(result.archive)["summary"]["reports"] == 3
    with pytest.raises(CommandError, match="sha256"):
        call_command("backup", "x", verify=str(damaged))


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_data(tmp_path: Path) -> None:
    _seed()
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w"):
        pass
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(archive))
