"""Builders for the records tests: a clue with everything personal a real one holds (sealed
identity, text, a file, messages, a note, triage index rows), closed at a chosen moment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from cluedesk.clues import search
from cluedesk.clues.models import Clue, Note
from cluedesk.intake import services as intake
from cluedesk.ledger.services import Actor
from tests.queue import run_queue
from tests.supervision.helpers import move

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


def full_clue(w: Any, *, outcome: str = "no_action", concluded_at: dt.datetime = T0, division: Any = None,
              text: str = "张三在浏阳市某村开设赌场，放高利贷并暴力催收。") -> Clue:
    report, code = intake.submit_report(
        text=text, place_text="湖南省长沙市浏阳市", who_text="张三", name="李四", contact="13800000000",
        files=[SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")], channel="web",
        actor=Actor.reporter())
    intake.add_reporter_message(code, "我还有一段录音。", [SimpleUploadedFile("more.pdf", PDF + b"%x\n",
                                                                          content_type="application/pdf")])
    intake.post_staff_message(report, "请问具体地址？", acting_user=w.staff["verifier"])
    run_queue()  # triage puts the report on its clue (with its index rows), as a worker would
    report.refresh_from_db()
    clue = report.clue
    Clue.objects.filter(pk=clue.pk).update(division=division or w.county.division, title="赌场 张三")
    clue.refresh_from_db()
    search.reindex(clue)
    Note.objects.create(clue=clue, author=w.staff["verifier"], kind="interview", text="询问证人王五。")
    return move(clue, "concluded", user=w.staff["verifier"], unit=w.county, outcome=outcome,
                concluded_at=concluded_at)


def keyed(data: bytes | str, person: bytes = b"cluedesk-dg") -> str:
    """A purge proof's digest, written out here rather than through the code under test:
    BLAKE2b-256 keyed with the index key in the keys folder (files: person ``cluedesk-fd``)."""
    import hashlib
    from pathlib import Path

    from django.conf import settings

    key = bytes.fromhex((Path(settings.KEYS_DIR) / "index.key").read_text().split()[0])
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.blake2b(raw, key=key, digest_size=32, person=person).hexdigest()


def keyed_manifest(digests: list[str]) -> str:
    return keyed("\n".join(sorted(digests)))
