"""Database away or file store unwritable: a clean 503 with Retry-After, nothing half-kept.

In-process (fast, in CI). The multi-process versions with real kills and a real PostgreSQL
restart are in test_faults.py.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from cluedesk.ledger.services import verify
from cluedesk.vault import sealing

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
BIG = PNG + os.urandom(40_000)  # still a PNG by its magic bytes; two of them overfill a 64 KiB store

pytestmark = pytest.mark.django_db


def api_post(client: Client, token: str, payload: dict[str, Any], key: str | None = None,
             lang: str = "en") -> Any:
    # the API requires an Idempotency-Key: a fresh one unless the test retries with its own
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": lang,
               "HTTP_IDEMPOTENCY_KEY": key or str(uuid.uuid4())}
    return client.post("/api/v1/reports", data=json.dumps(payload, ensure_ascii=False),
                       content_type="application/json", **headers)


def with_file(text: str = "某村有人开设赌场，放高利贷并暴力催收。", content: bytes = PNG) -> dict[str, Any]:
    import base64

    return {"text": text, "place": "湖南省长沙市浏阳市",
            "attachments": [{"filename": "photo.png", "content_base64": base64.b64encode(content).decode()}]}


def form_post(client: Client, files: list[Any], lang: str = "en") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.get("/report/")
    return client.post("/report/", {
        "text": "某镇有人长期强揽工程，殴打村民。", "place_text": "湖南省长沙市浏阳市", "nonce": uuid.uuid4().hex[:24],
        "files": [SimpleUploadedFile(f"p{i}.png", c, content_type="image/png") for i, c in enumerate(files)],
    }, HTTP_ACCEPT_LANGUAGE=lang)


def assert_nothing_kept(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert after == before, (before, after)


# --- the database -------------------------------------------------------------------------------

def test_database_gone_mid_submission_answers_503_with_retry_after(channel_token, census, monkeypatch) -> None:
    from cluedesk.intake import services

    def down(*a: Any, **k: Any) -> Any:
        raise OperationalError("connection failed: connection to server at 127.0.0.1, port 5432 failed: "
                               "Connection refused")

    monkeypatch.setattr(services, "record", down)  # the last write of the submission
    before = census()
    response = api_post(Client(), channel_token, {"text": "某村有人开设赌场。"}, key="k-db-1", lang="zh-Hans")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "没有保存" in response.json()["detail"]
    assert_nothing_kept(before, census())
    monkeypatch.undo()
    # the same key once the database is back: stored, once
    again = api_post(Client(), channel_token, {"text": "某村有人开设赌场。"}, key="k-db-1")
    assert again.status_code == 201
    after = census()
    # stored once, with its queued triage (the outbox row rolled back with the failed attempt above)
    assert after["reports"] == before["reports"] + 1 and after["tasks"] == before["tasks"] + 1
    assert verify().ok


def test_database_gone_in_a_middleware_is_503_too(channel_token, monkeypatch) -> None:
    """A session read in middleware fails before any view runs: still 503, never a 500 page."""
    from django.contrib.sessions.backends import db as session_db

    def down(self: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(session_db.SessionStore, "load", down)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503, response.status_code
    assert response["Retry-After"]
    assert b"briefly unavailable" in response.content


def test_other_database_errors_are_not_hidden(channel_token, monkeypatch) -> None:
    """A programming error is not "unavailable": it stays a 500 so it is seen and fixed."""
    from cluedesk.intake import services

    def broken(*a: Any, **k: Any) -> Any:
        raise OperationalError("no such column: intake_report.nonexistent")

    monkeypatch.setattr(services, "record", broken)
    response = api_post(Client(raise_request_exception=False), channel_token, {"text": "某村有人开设赌场。"})
    assert response.status_code == 500


# --- the file store -----------------------------------------------------------------------------

@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EDQUOT])
def test_store_full_in_the_middle_of_a_file_refuses_cleanly(channel_token, census, monkeypatch, code) -> None:
    """The second file fails half-written: the first file and the half are removed, no row, no event."""
    real = sealing.encrypt_stream
    calls = {"n": 0}

    def failing(chunks: Any, out: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            out.write(b"half a file")
            out.flush()
            raise OSError(code, os.strerror(code))
        return real(chunks, out)

    monkeypatch.setattr(sealing, "encrypt_stream", failing)
    before = census()
    payload = with_file()
    payload["attachments"] = payload["attachments"] * 2
    response = api_post(Client(), channel_token, payload, key="k-store-1")
    assert response.status_code == 503 and response["Retry-After"]
    assert "Nothing from this request was saved" in response.json()["detail"]
    assert_nothing_kept(before, census())
    monkeypatch.undo()
    assert api_post(Client(), channel_token, payload, key="k-store-1").status_code == 201


def test_form_with_store_full_answers_a_page_in_the_readers_language(census, monkeypatch) -> None:
    def failing(chunks: Any, out: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sealing, "encrypt_stream", failing)
    before = census()
    response = form_post(Client(), [PNG], lang="zh-Hans")
    assert response.status_code == 503 and response["Retry-After"]
    assert "暂时无法保存文件" in response.content.decode()
    assert_nothing_kept(before, census())


def _mount(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True)
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.fixture
def readonly_store(settings, tmp_path: Path) -> Any:
    """A file store that really refuses writes: chmod 0500 for a normal user; for root (who
    ignores modes) a read-only tmpfs mount, or a skip when mounting is not permitted."""
    store = tmp_path / "ro-files"
    if os.geteuid() != 0:
        store.mkdir()
        store.chmod(0o500)
        settings.FILES_DIR = store
        yield store
        store.chmod(0o700)
        return
    if not _mount(store, "ro,size=1m"):
        pytest.skip("running as root and mounting a read-only tmpfs is not permitted here")
    settings.FILES_DIR = store
    try:
        yield store
    finally:
        _umount(store)


@pytest.fixture
def tiny_store(settings, tmp_path: Path) -> Any:
    """A real 64 KiB tmpfs: the second large file hits a real ENOSPC."""
    store = tmp_path / "tiny-files"
    if not _mount(store, "size=64k,mode=0700"):
        pytest.skip("mounting a tmpfs is not permitted here (needs root)")
    settings.FILES_DIR = store
    try:
        yield store
    finally:
        _umount(store)


def _files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_real_read_only_store_refuses_the_report_cleanly(channel_token, census, readonly_store) -> None:
    before = census()
    response = api_post(Client(), channel_token, with_file(), key="k-ro-1")
    assert response.status_code == 503, response.content
    assert response["Retry-After"]
    assert census() == before
    assert _files_in(readonly_store) == []
    # a report with no files does not touch the store, so it is still taken
    assert api_post(Client(), channel_token, {"text": "某村有人开设赌场。"}, key="k-ro-2").status_code == 201
    assert verify().ok


def test_a_really_full_store_refuses_the_report_cleanly(channel_token, census, tiny_store) -> None:
    """Two 40 KB files into 64 KiB: the second write hits ENOSPC; both files go, no rows."""
    before = census()
    payload = with_file(content=BIG)
    payload["attachments"] = payload["attachments"] * 2
    response = api_post(Client(), channel_token, payload, key="k-full-1")
    assert response.status_code == 503, response.content
    assert census() == before
    assert _files_in(tiny_store) == []
    one = with_file(content=PNG)
    assert api_post(Client(), channel_token, one, key="k-full-2").status_code == 201
    assert len(_files_in(tiny_store)) == 1
    assert verify().ok
