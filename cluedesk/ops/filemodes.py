"""Who may read what the server keeps on disk (issue 19, finding 10).

Every ``cluedesk`` command runs under ``umask 077`` (``cluedesk/cli.py``), so whatever it creates —
the SQLite database and its WAL, the file store, keys, backup archives, temporary uploads — is
readable by the service user only. ``serve`` also tightens what an older version left open under
umask 022: the data folder, the file store and the keys folder become 0700 (nothing beneath them
is then reachable by another user, whatever its own mode) and the SQLite files 0600. Paths owned
by another user are left alone (said in the returned list).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.conf import settings
from django.db import connections

UMASK = 0o077
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def sqlite_files() -> list[Path]:
    """The SQLite database files of every configured connection (with their -wal, -shm, -journal)."""
    out: list[Path] = []
    for alias in connections:
        conn = connections[alias]
        name = str(conn.settings_dict.get("NAME") or "")
        if conn.vendor != "sqlite" or not name or name.startswith(("file:", ":memory:")):
            continue
        base = Path(name)
        out += [base, *(base.with_name(base.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]
    return out


def _tighten(path: Path, mode: int, changed: list[str]) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or not stat.S_IMODE(st.st_mode) & 0o077:
        return
    if st.st_uid != os.getuid():
        changed.append(f"{path}: mode {stat.S_IMODE(st.st_mode):o}, owned by another user, left as it is")
        return
    os.chmod(path, mode)
    changed.append(f"{path}: {stat.S_IMODE(st.st_mode):o} -> {mode:o}")


def tighten() -> list[str]:
    """Make the data, file and keys folders 0700 (creating the file store) and the SQLite files
    0600; returns a line for each path changed (or left open because another user owns it)."""
    changed: list[str] = []
    folders = [Path(settings.DATA_DIR), Path(settings.FILES_DIR), Path(settings.KEYS_DIR)]
    Path(settings.FILES_DIR).mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    for folder in folders:
        _tighten(folder, PRIVATE_DIR, changed)
    for path in sqlite_files():
        _tighten(path, PRIVATE_FILE, changed)
    return changed
