"""Django's SQLite backend, with writers queued by the kernel instead of by SQLite's busy handler.

SQLite has one writer at a time. A second `BEGIN IMMEDIATE` waits in SQLite's busy handler, which
polls with growing sleeps (1, 2, 5, 10 … up to 100 ms between looks): under load a waiting writer
sleeps long after the lock was freed, and the server idles while requests queue (measured with
`bench/intake.py`: half the CPU unused at 32 clients, p99 over a second). Here every write
transaction first takes an exclusive `flock` on a file beside the database, which the kernel hands
to the next waiter the moment it is released; the transaction then finds SQLite's lock free.

Nothing else changes: WAL readers never take the file lock; autocommit statements outside a
transaction still use the busy handler; a process that dies holds nothing (the kernel drops its
locks with its files). An in-memory database (the test runner's) has no file and no lock.
"""

from __future__ import annotations

import fcntl
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_file: Any = None
    _writer_locked = False

    def _writer_path(self) -> str | None:
        name = str(self.settings_dict.get("NAME") or "")
        if not name or self.is_in_memory_db() or name.startswith("file:"):
            return None
        return f"{name}-writer.lock"

    def _lock_writer(self) -> None:
        if self._writer_file is None:
            path = self._writer_path()
            if path is None:
                return
            self._writer_file = open(path, "a+b")  # noqa: SIM115 - held for the connection's life
        fcntl.flock(self._writer_file.fileno(), fcntl.LOCK_EX)
        self._writer_locked = True

    def _unlock_writer(self) -> None:
        if self._writer_locked:
            self._writer_locked = False
            fcntl.flock(self._writer_file.fileno(), fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self) -> None:
        self._lock_writer()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._unlock_writer()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._unlock_writer()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._unlock_writer()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._unlock_writer()
            if self._writer_file is not None:
                self._writer_file.close()
                self._writer_file = None

