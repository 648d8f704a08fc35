"""Issue 19, finding 2: a purge proof keeps keyed digests, says which key (by fingerprint), and
holds no plain SHA-256 of what went — so whoever holds a report's text, a note or an attached
file cannot confirm it from the ledger. Expectations are written out by hand (helpers.keyed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cluedesk.clues import services as clue_services
from cluedesk.clues.models import Evidence
from cluedesk.deployment import profiles
from cluedesk.ledger.models import Event
from cluedesk.records import services
from cluedesk.vault.sealing import encrypt_stream
from tests.supervision.helpers import move

from .helpers import PDF, T0, full_clue, keyed, keyed_manifest

pytestmark = pytest.mark.django_db

DUE = T0 + dt.timedelta(days=profiles.PROFILES["national_anti_gang"].retention_days["no_action"] + 1)
TEXT = "张三在浏阳市某村开设赌场，放高利贷并暴力催收。"
PHOTO = b"photo of the loan book"


def _index_key_fingerprint() -> str:
    key = bytes.fromhex((Path(settings.KEYS_DIR) / "index.key").read_text().split()[0])
    return hashlib.blake2b(key, digest_size=8, person=b"cluedesk-fp").hexdigest()


def _plain(*items: bytes | str) -> list[str]:
    return [hashlib.sha256(i.encode() if isinstance(i, str) else i).hexdigest() for i in items]


def test_the_purge_proof_keeps_keyed_digests_and_names_their_key(org_world) -> None:
    w = org_world
    clue = full_clue(w, text=TEXT)
    ev = Evidence.objects.create(clue=clue, file_id="proof-evidence", name="账本.jpg", size=len(PHOTO),
                                 digest=keyed(PHOTO, b"cluedesk-fd"), uploaded_by=w.staff["verifier"])
    path = clue_services.evidence_path(ev.file_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        encrypt_stream([PHOTO], out)
    services.run_retention(now=DUE)
    proof = Event.objects.get(verb="records.purged", subject_id=clue.public_id).data

    assert "sha256" not in proof
    assert proof["digest_key"]["key"] == "index.key"
    assert proof["digest_key"]["key_fingerprint"] == _index_key_fingerprint()
    assert proof["digest_key"]["algorithm"].startswith("BLAKE2b-256, keyed")
    d = proof["digests"]
    # report text, place, time, people and channel reference joined by U+001F (what the purge blanks)
    assert d["report_texts"] == keyed_manifest([keyed("\x1f".join([TEXT, "湖南省长沙市浏阳市", "", "张三", ""]))])
    assert d["messages"] == keyed_manifest([keyed("我还有一段录音。"), keyed("请问具体地址？")])
    assert d["notes"] == keyed_manifest([keyed("询问证人王五。")])
    assert d["clue_title"] == keyed("赌场 张三")
    files = {f["id"]: f for f in proof["files"]}
    by_kind = sorted((f["kind"], f["digest"]) for f in files.values())
    assert by_kind == sorted([("attachment", keyed(PDF, b"cluedesk-fd")),
                              ("attachment", keyed(PDF + b"%x\n", b"cluedesk-fd")),
                              ("evidence", keyed(PHOTO, b"cluedesk-fd"))])
    assert files["proof-evidence"]["name_digest"] == keyed("账本.jpg")
    assert all("sha256" not in k for f in files.values() for k in f if k != "ciphertext_sha256")

    # nothing in the proof, nor anywhere in the ledger, is a plain SHA-256 of what went
    ledger = json.dumps([e.data for e in Event.objects.all()], ensure_ascii=False)
    texts = [TEXT, "我还有一段录音。", "请问具体地址？", "询问证人王五。", "赌场 张三", "账本.jpg", "张三"]
    for plain in _plain(*texts, PDF, PDF + b"%x\n", PHOTO):
        assert plain not in ledger


def test_evidence_is_stored_under_a_keyed_digest(org_world) -> None:
    w = org_world
    clue = move(w.clue_in, "verifying", user=w.staff["verifier"], unit=w.county)
    upload = SimpleUploadedFile("账本.jpg", PHOTO, "image/jpeg")
    clue_services.add_evidence(clue, acting_user=w.staff["verifier"], upload=upload)
    ev = Evidence.objects.get(clue=clue)
    assert ev.digest == keyed(PHOTO, b"cluedesk-fd")
    event = Event.objects.filter(data__evidence=ev.file_id).get()
    assert event.data["digest"] == ev.digest and "sha256" not in event.data
    assert _plain(PHOTO)[0] not in json.dumps(event.data)
