"""Issue 19, finding 2: an attachment is known only by a keyed digest.

Whoever holds the original document (the official whose memo leaked) must not be able to confirm
from the database or the ledger that it was sent, nor link the reports that carry it: neither its
SHA-256 nor any unkeyed hash of it may be stored. The digest that is kept is BLAKE2b-256 under the
index key (outside the database), written out here by hand."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from cluedesk.intake.models import Attachment
from cluedesk.ledger.models import Event
from cluedesk.vault import content

from .conftest import PDF, upload

pytestmark = pytest.mark.django_db

MEMO = PDF + "关于某村土地征收补偿款的内部说明（不得外传）\n%%EOF\n".encode()


def _keyed_file_digest(data: bytes) -> str:
    key = bytes.fromhex((Path(settings.KEYS_DIR) / "index.key").read_text().split()[0])
    return hashlib.blake2b(data, key=key, digest_size=32, person=b"cluedesk-fd").hexdigest()


def _everything_stored() -> str:
    """Every row of every table, as text (bytes as hex)."""
    out = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cur.fetchall():
                out.append(" ".join(bytes(v).hex() if isinstance(v, bytes | memoryview) else str(v) for v in row))
    return "\n".join(out)


def _unkeyed_hashes(data: bytes) -> list[str]:
    return [hashlib.new(name, data).hexdigest() for name in ("sha256", "sha1", "md5", "sha512", "blake2b")]


def test_the_leaked_memo_cannot_be_confirmed_from_the_database_or_the_ledger(client: Client) -> None:
    for text in ("村委会主任私吞补偿款，附内部说明。", "另一位村民也收到了这份说明。"):
        resp = client.post("/report/", {"text": text, "files": [upload("说明.pdf", MEMO)]})
        assert resp.status_code == 201, resp.content.decode()[:2000]
    rows = list(Attachment.objects.order_by("pk"))
    assert len(rows) == 2
    expected = _keyed_file_digest(MEMO)
    assert [r.digest for r in rows] == [expected, expected]  # duplicate detection still works, for key holders
    events = list(Event.objects.filter(verb="report.submitted").order_by("seq"))
    assert [e.data["files"][0]["digest"] for e in events] == [expected, expected]
    assert all("sha256" not in f for e in events for f in e.data["files"])
    stored = _everything_stored()
    ledger = json.dumps([e.data for e in Event.objects.all()])
    for unkeyed in _unkeyed_hashes(MEMO):
        assert unkeyed not in stored and unkeyed not in ledger


def test_without_the_index_key_the_digest_cannot_be_computed(client: Client, monkeypatch) -> None:
    client.post("/report/", {"text": "附件是内部说明。", "files": [upload("说明.pdf", MEMO)]})
    kept = Attachment.objects.get().digest
    # someone holding the memo and guessing at the key, or a server with another key, gets another value
    monkeypatch.setenv("CLUEDESK_INDEX_KEY", "11" * 32)
    content.forget_keys()
    try:
        assert content.file_digest([MEMO]) != kept
        assert hashlib.blake2b(MEMO, digest_size=32, person=b"cluedesk-fd").hexdigest() != kept
    finally:
        monkeypatch.delenv("CLUEDESK_INDEX_KEY")
        content.forget_keys()
    assert content.file_digest([MEMO[:10], MEMO[10:]]) == kept  # chunking does not matter
    assert content.file_digest([MEMO]) != content.digest(MEMO)  # a file's digest is apart from a text's
