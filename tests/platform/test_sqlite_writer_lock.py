"""SQLite writers queue on a file lock held from BEGIN to COMMIT or ROLLBACK, and only then."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler


@pytest.fixture
def wrapper(tmp_path: Path, django_db_blocker):
    """A connection of our backend to a database file of its own (not the test database)."""
    with django_db_blocker.unblock():
        yield from _wrapper(tmp_path)


def _wrapper(tmp_path: Path):
    handler = ConnectionHandler({"default": {"ENGINE": "cluedesk.platform.sqlite", "NAME": str(tmp_path / "db.sqlite3"),
                                             "OPTIONS": {"transaction_mode": "IMMEDIATE"}}})
    conn = handler["default"]
    conn.ensure_connection()
    conn.cursor().execute("CREATE TABLE t (x INTEGER)")
    yield conn, tmp_path / "db.sqlite3-writer.lock"
    conn.close()


def held_by_someone(lock: Path) -> bool:
    with lock.open("a+b") as other:
        try:
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
        return False


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_write_transaction_holds_the_lock_until_it_ends(wrapper, end) -> None:
    conn, lock = wrapper
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    conn.cursor().execute("INSERT INTO t VALUES (1)")
    assert held_by_someone(lock)
    getattr(conn, end)()
    conn.set_autocommit(True)
    assert not held_by_someone(lock)


def test_autocommit_statements_and_closing_leave_it_free(wrapper) -> None:
    conn, lock = wrapper
    conn.cursor().execute("INSERT INTO t VALUES (2)")
    assert not held_by_someone(lock)
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    conn.close()  # a connection closed mid-transaction (a worker stopping) lets the next writer in
    assert not held_by_someone(lock)
