"""Files only this user may read (mode 0600): keys, secrets, one-time passwords.

Three ways to write one, used everywhere a key or a secret lands on disk:

* :func:`create_once` — a file several processes may try to make at the same moment (the first
  start's keys: gunicorn's workers, the task workers and a command started beside them). It is
  written aside, flushed to disk, then linked into place, which fails if the file is there: a
  process that finds the file finds all of it, and of two writers the first one's content wins.
  Before, three of the five key writers opened the final path with ``O_EXCL`` and wrote after:
  a process starting in between read an empty key.
* :func:`write_new` — a file an operator asked for (a backup private key, a first password, a
  custodian hand-over): refused when it exists, never overwritten.
* :func:`replace` — a new version of a key file (a rotation, a restore): written aside with its
  mode from the start, flushed, then renamed over the old one, so a reader sees the old file or
  the new one, and no one else can read the file at any moment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MODE = 0o600
FOLDER_MODE = 0o700


def _write(fd: int, data: bytes | str) -> None:
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())


def create_once(path: Path, data: bytes | str) -> bool:
    """Write ``path`` (0600) unless it exists, whole or not at all. True when this call wrote it;
    False when it was there already (or another process linked its own first: theirs is kept)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if path.exists():
        return False
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.new")
    _write(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE), data)
    try:
        os.link(aside, path)
    except FileExistsError:
        return False
    finally:
        aside.unlink(missing_ok=True)
    return True


def write_new(path: Path, data: bytes | str) -> None:
    """Write a new file (0600) at ``path``; ``FileExistsError`` when one is there (never replaced).
    A write that fails half-way removes what it wrote."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    try:
        _write(fd, data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def replace(path: Path, data: bytes | str, mode: int = MODE) -> None:
    """Put ``data`` at ``path`` atomically (aside, fsync, rename), the file ``mode`` from the start."""
    path = Path(path)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.new")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have taken bits off
        _write(fd, data)
        os.replace(aside, path)
    finally:
        aside.unlink(missing_ok=True)
