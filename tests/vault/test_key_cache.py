"""The keys' process cache under threads: a key read under another keys folder is never taken for
the one in force, and a key file is never seen half written."""

from __future__ import annotations

import threading
from pathlib import Path

from cluedesk.vault import content


def test_a_thread_never_gets_the_key_of_the_folder_before_while_another_reads_the_new_one(settings, tmp_path):
    settings.KEYS_DIR = tmp_path / "a"
    settings.KEYS_DIR.mkdir()
    key_a = content.index_key()
    settings.KEYS_DIR = tmp_path / "b"
    settings.KEYS_DIR.mkdir()
    (settings.KEYS_DIR / content.INDEX_KEY_FILE).write_text("11" * content.KEY_BYTES + "\n")

    reading, release = threading.Event(), threading.Event()
    parse = content._parse_keys

    def slow_parse(text: str, where: str) -> list[bytes]:
        if threading.current_thread().name == "first":
            reading.set()  # the first thread is reading folder b's key ...
            release.wait(10)
        return parse(text, where)

    got: dict[str, bytes] = {}
    content._parse_keys = slow_parse  # type: ignore[assignment]
    try:
        first = threading.Thread(target=lambda: got.__setitem__("first", content.index_key()), name="first")
        first.start()
        assert reading.wait(10)
        got["second"] = content.index_key()  # ... when a second one asks
        release.set()
        first.join(10)
    finally:
        content._parse_keys = parse  # type: ignore[assignment]
        release.set()
    assert got["second"] != key_a
    assert got == {"first": bytes.fromhex("11" * content.KEY_BYTES), "second": bytes.fromhex("11" * content.KEY_BYTES)}


def test_a_key_file_made_at_once_by_many_is_made_once_and_never_read_empty(settings, tmp_path):
    settings.KEYS_DIR = tmp_path / "fresh"
    settings.KEYS_DIR.mkdir()
    content.forget_keys()
    start = threading.Barrier(8)
    keys: list[bytes] = []
    errors: list[BaseException] = []

    def make() -> None:
        start.wait(10)
        try:
            keys.append(content.index_key())
        except BaseException as exc:  # noqa: BLE001 - the test reports what each thread met
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors
    assert len(set(keys)) == 1 and len(keys) == 8
    assert sorted(p.name for p in Path(settings.KEYS_DIR).iterdir()) == [content.INDEX_KEY_FILE]
