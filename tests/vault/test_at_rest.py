"""The report page's promise, proved: what reporters and staff write is not kept in clear.

A real deployment's data folder (a file database in WAL mode on SQLite, a database of its own on
PostgreSQL) is filled by a separate process through the services and the public form: marked
report text, place, time and people, the reporter's name and contact, a file whose name and
content carry the mark, messages both ways, a note, an evidence description, a conclusion draft,
a clue title, the public wording, triage and the blind index, a backup. Then every table, the
database files with the WAL, the file store, the backup archive (the PostgreSQL dump restored to
SQL text) and the process's logs are scanned for each marker and each of its trigrams: none may
be found. The keys, kept apart, open everything again (the same process reads the text back).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.db import connection

MARKS = {
    "text": "夔鼗龘翀举报内容",
    "place": "鼙鼛鼜村",
    "when": "甗甑甓时候",
    "who": "瓴瓿瓸某人",
    "name": "嬲嫑嫐",
    "contact": "zqxjvwqk@zqxv.zq",
    "file": "彧彨彪文件",
    "message_in": "鸊鸋鸌留言",
    "message_out": "鹓鹔鹕回复",
    "note": "麑麒麓笔记",
    "evidence": "黉黊黋证据",
    "conclusion": "齑齐齁结论",
    "wording": "龢龣龤答复",
    "title": "蘡蘢蘣标题",
}

SCRIPT = r"""
import io, json, os, sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.contrib.auth import get_user_model
from django.test import Client
from cluedesk.clues import search
from cluedesk.clues.models import Clue, Conclusion, Evidence, Note
from cluedesk.intake import services
from cluedesk.intake.models import Report, Message
from cluedesk.ledger.services import Actor
from cluedesk.org.models import Division, Unit
from cluedesk.vault import sealing
from cluedesk.ops import backup

M = json.loads(os.environ["MARKS"])
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable", verbosity=0)
sealing.ensure_custodian_keypair("at rest test passphrase")
client = Client()
resp = client.post("/report/", {"text": M["text"] + "，在赌场放高利贷。", "place_text": M["place"],
                                "when_text": M["when"], "who_text": M["who"], "name": M["name"],
                                "contact": M["contact"],
                                "files": [SimpleUploadedFile(M["file"] + ".txt", ("内容" + M["file"]).encode(),
                                                             content_type="text/plain")]})
assert resp.status_code == 201, resp.status_code
report = Report.objects.get()
call_command("worker", "--batch", stdout=io.StringIO())
report.refresh_from_db()
clue = report.clue
assert clue is not None
services.add_reporter_message(report, M["message_in"])
staff = get_user_model().objects.create_user("verifier-at-rest", password=None)
services.post_staff_message(report, M["message_out"], acting_user=staff)
division = Division.objects.create(code="990101", name="test county", level=3, path="990101/")
unit = Unit.objects.create(name="test office", division=division)
Note.objects.create(clue=clue, author=staff, text=M["note"])
Evidence.objects.create(clue=clue, name=M["evidence"] + ".jpg", size=1, digest="0" * 64, description=M["evidence"],
                        uploaded_by=staff)
Conclusion.objects.create(clue=clue, unit=unit, drafter=staff, finding="partly", outcome="no_action",
                          summary=M["conclusion"], public_wording=M["wording"])
services.record_public_step(clue=clue, kind="concluded", outcome=M["wording"], acting_user=staff)
clue.title = M["title"]
clue.save()
search.reindex(clue)
# the keys open it all again
again = Report.objects.get(pk=report.pk)
assert again.text.startswith(M["text"]) and again.who_text == M["who"], again.text
assert Message.objects.filter(report=report).count() == 2
assert Clue.objects.filter(search.matching(M["text"][:4])).exists()
out = backup.backup(backup_dir := __import__("pathlib").Path(os.environ["BACKUP_DIR"]), keys_out=backup_dir / "keys.tar")
print("BACKUP", out.archive)
# the WAL, as it stands while the process still holds the database open (it goes at close)
from django.conf import settings
from django.db import connection
if connection.vendor == "sqlite":
    import shutil
    wal = str(settings.DATABASES["default"]["NAME"]) + "-wal"
    shutil.copy(wal, backup_dir / "held.sqlite3-wal")
"""


def _trigrams(mark: str) -> set[str]:
    """Every piece of three characters, and the whole mark. A piece of ASCII letters is taken six
    characters long: three lower-case letters turn up by chance in base64 of a ciphertext (about
    once in 260,000 places, so in a database of a few megabytes), nine bytes of Chinese do not."""
    size = 6 if mark.isascii() else 3
    return {mark[i:i + size] for i in range(len(mark) - size + 1)} | {mark}


def _found(blob: bytes) -> list[str]:
    hits = []
    for key, mark in MARKS.items():
        for piece in _trigrams(mark):
            if piece.encode() in blob:
                hits.append(f"{key}:{piece}")
    return hits


def _postgres_url() -> tuple[str, str]:
    import psycopg

    name = f"cluedesk_at_rest_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}", name


def _drop(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _all_rows(url: str) -> bytes:
    import psycopg

    chunks = []
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"').fetchall():  # noqa: S608
                for cell in row:
                    chunks.append(bytes(cell) if isinstance(cell, bytes | memoryview) else str(cell).encode())
    return b"\n".join(chunks)


@pytest.mark.django_db
def test_nothing_written_is_kept_in_clear_anywhere(tmp_path: Path) -> None:
    vendor = connection.vendor
    data = tmp_path / "data"
    backups = tmp_path / "backups"
    backups.mkdir()
    env = {**os.environ, "CLUEDESK_DATA_DIR": str(data), "MARKS": __import__("json").dumps(MARKS),
           "BACKUP_DIR": str(backups), "CLUEDESK_LOG_LEVEL": "DEBUG", "CLUEDESK_DEMO": "0",
           "DJANGO_SETTINGS_MODULE": "cluedesk.settings"}
    for name in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST", "DATABASE_URL", "CLUEDESK_TEST_SQLITE",
                 "CLUEDESK_CONTENT_KEYS", "CLUEDESK_INDEX_KEY", "CLUEDESK_FILE_KEY"):
        env.pop(name, None)
    dbname = None
    if vendor == "postgresql":
        env["DATABASE_URL"], dbname = _postgres_url()
    try:
        run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, timeout=600, check=False)
        logs = run.stdout + run.stderr
        assert run.returncode == 0, logs.decode(errors="replace")[-3000:]
        assert b"request" in logs  # the request log is there to be scanned
        # the data folder: the database and its WAL (SQLite), the file store, the keys
        files = [p for p in data.rglob("*") if p.is_file()]
        assert any(p.parent.name != "keys" and "files" in p.parts for p in files)
        blobs = {str(p.relative_to(tmp_path)): p.read_bytes() for p in files}
        if vendor == "sqlite":
            wal = (backups / "held.sqlite3-wal").read_bytes()
            assert len(wal) > 4096  # the writes of the run went through it
            blobs["wal"] = wal
        # the backup archive, every member, the database dump as SQL text on PostgreSQL
        archive = next(backups.glob("cluedesk-backup-*.tar"))
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    blob = tar.extractfile(member).read()  # type: ignore[union-attr]
                    blobs[f"backup:{member.name}"] = blob
                    if member.name.endswith(".pgdump"):
                        dump = tmp_path / "dump.pgdump"
                        dump.write_bytes(blob)
                        blobs["backup:sql"] = subprocess.run(["pg_restore", "-f", "-", str(dump)],
                                                             capture_output=True, check=True).stdout
        blobs["keys archive"] = (backups / "keys.tar").read_bytes()
        if vendor == "postgresql":
            blobs["every table"] = _all_rows(env["DATABASE_URL"])
            assert b"attach_report" in blobs["every table"]
        else:
            assert b"attach_report" in next(b for k, b in blobs.items() if k.endswith("cluedesk.sqlite3"))
        blobs["logs"] = logs
        hits = {where: found for where, blob in blobs.items() if (found := _found(blob))}
        assert hits == {}
    finally:
        if dbname:
            _drop(dbname)


def test_the_scan_finds_a_mark_when_it_is_there() -> None:
    """The scan itself can fail: a mark, or one trigram of it, is found."""
    assert _found(("前文" + MARKS["note"] + "后文").encode()) != []
    assert _found(MARKS["title"][1:4].encode()) == [f"title:{MARKS['title'][1:4]}"]
    assert _found(b"nothing here") == []
    assert _found(b"from " + MARKS["contact"][3:9].encode()) == [f"contact:{MARKS['contact'][3:9]}"]
