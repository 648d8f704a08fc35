"""Issue 19, finding 2: rows from before keyed digests are rehashed from their files (intake 0006,
clues 0005) and their SHA-256 column goes; a missing or damaged file leaves a blank digest; a
file key that does not belong to the data stops it before any row changes; an interrupted run
resumes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cluedesk.vault import rehash, sealing

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("intake", "0005_attachment_digest"), ("clues", "0004_evidence_digest")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_schema() -> Iterator[object]:
    """The database as it was with both a ``sha256`` column and a blank ``digest``."""
    try:
        yield _migrate(BEFORE)
    finally:
        _migrate(_latest())


def _keyed(data: bytes) -> str:
    key = bytes.fromhex((Path(settings.KEYS_DIR) / "index.key").read_text().split()[0])
    return hashlib.blake2b(data, key=key, digest_size=32, person=b"cluedesk-fd").hexdigest()


def _store(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        sealing.encrypt_stream([data], out)


def _columns(table: str) -> set[str]:
    with connection.cursor() as cur:
        return {c.name for c in connection.introspection.get_table_description(cur, table)}


def _old_rows(apps, org_world) -> dict[str, object]:
    Report, Attachment = apps.get_model("intake", "Report"), apps.get_model("intake", "Attachment")
    Evidence = apps.get_model("clues", "Evidence")
    report = Report.objects.create(tracking_hash="a" * 64, channel="web", text="旧的举报")
    files = Path(settings.FILES_DIR)
    rows = {}
    for name, data in (("kept", b"%PDF-1.4 kept memo"), ("gone", None), ("damaged", b"%PDF-1.4 damaged")):
        public_id = f"{name}-attachment-id"
        sha = hashlib.sha256(data or name.encode()).hexdigest()
        if data is not None:
            _store(files / public_id[:2] / public_id, data)
        rows[name] = Attachment.objects.create(report_id=report.pk, public_id=public_id, mime="application/pdf",
                                               size=len(data or b""), sha256=sha)
    damaged = files / "da" / "damaged-attachment-id"
    damaged.write_bytes(damaged.read_bytes()[:-3] + b"xyz")
    clue_id = org_world.clue_in.pk
    _store(files / "evidence" / "ev-kept", b"photo of the ledger book")
    rows["evidence"] = Evidence.objects.create(clue_id=clue_id, file_id="ev-kept", name="photo.jpg", size=24,
                                               sha256=hashlib.sha256(b"photo of the ledger book").hexdigest(),
                                               uploaded_by_id=org_world.staff["verifier"].pk)
    return rows


def test_old_rows_are_rehashed_from_their_files_and_the_sha256_column_goes(org_world, old_schema) -> None:
    assert "sha256" in _columns("intake_attachment") and "sha256" in _columns("clues_evidence")
    rows = _old_rows(old_schema, org_world)
    _migrate(_latest())
    from cluedesk.clues.models import Evidence
    from cluedesk.intake.models import Attachment

    assert "sha256" not in _columns("intake_attachment") and "sha256" not in _columns("clues_evidence")
    got = dict(Attachment.objects.values_list("public_id", "digest"))
    assert got == {"kept-attachment-id": _keyed(b"%PDF-1.4 kept memo"), "gone-attachment-id": "",
                   "damaged-attachment-id": ""}
    assert Evidence.objects.get(file_id="ev-kept").digest == _keyed(b"photo of the ledger book")
    assert rows["kept"].pk == Attachment.objects.get(public_id="kept-attachment-id").pk


def test_a_file_key_that_opens_none_of_the_files_stops_it_and_a_rerun_resumes(old_schema, monkeypatch) -> None:
    apps = old_schema
    Report, Attachment = apps.get_model("intake", "Report"), apps.get_model("intake", "Attachment")
    report = Report.objects.create(tracking_hash="b" * 64, channel="web", text="旧的举报")
    root = Path(settings.FILES_DIR)
    for i in range(3):
        _store(root / "fi" / f"file-{i}", f"file {i}".encode())
        Attachment.objects.create(report_id=report.pk, public_id=f"file-{i}", mime="text/plain", size=6,
                                  sha256=hashlib.sha256(f"file {i}".encode()).hexdigest())

    def run() -> dict[str, int]:
        return rehash.rehash(Attachment, path_of=lambda a: root / a.public_id[:2] / a.public_id, old="sha256",
                             new="digest", using="default")

    # another deployment's file key: refused, nothing changed
    right_key = (Path(settings.KEYS_DIR) / "files.key").read_bytes()
    (Path(settings.KEYS_DIR) / "files.key").write_text("22" * 32)
    sealing.file_key.cache_clear()
    with pytest.raises(rehash.RehashRefused, match="opens none"):
        run()
    assert Attachment.objects.filter(digest="").count() == 3 and not Attachment.objects.filter(sha256="").exists()
    (Path(settings.KEYS_DIR) / "files.key").write_bytes(right_key)
    sealing.file_key.cache_clear()

    # stopped after the first batch (of one row): that row is done, the others untouched
    monkeypatch.setattr(rehash, "BATCH", 1)
    real, calls = rehash._digest_of, []

    def interrupted(path: Path) -> str | None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path)

    monkeypatch.setattr(rehash, "_digest_of", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run()
    assert list(Attachment.objects.order_by("pk").values_list("sha256", flat=True))[0] == ""
    assert Attachment.objects.exclude(sha256="").count() == 2
    monkeypatch.setattr(rehash, "_digest_of", real)
    assert run() == {"rehashed": 2, "blanked": 0}
    assert [d for d in Attachment.objects.order_by("pk").values_list("digest", flat=True)] == [
        _keyed(f"file {i}".encode()) for i in range(3)]
