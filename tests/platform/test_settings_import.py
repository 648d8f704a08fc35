"""Importing settings has no side effects (issue 21, item 5): it computes paths only. The data
folders and the server secret are made when a process starts (django.setup() →
cluedesk.platform.datafolder), and the secret stays the same across processes and restarts —
tracking codes rest on it (docs/operations.md, "Backup and restore")."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings

from cluedesk.platform import datafolder

ROOT = Path(__file__).resolve().parents[2]
SECRET = "import hashlib, django; django.setup(); from django.conf import settings; " \
         "print(hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest())"


def _python(code: str, cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"CLUEDESK_DATA_DIR", "PYTEST_VERSION", "CLUEDESK_KEYS_DIR", "CLUEDESK_FILES_DIR",
                        "CLUEDESK_TMP_DIR"} and not k.startswith("CLUEDESK_SECRET_KEY")}
    env.update(DJANGO_SETTINGS_MODULE="cluedesk.settings", DATABASE_URL="", PYTHONPATH=str(ROOT), **variables)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_importing_settings_creates_nothing(tmp_path: Path) -> None:
    where = tmp_path / "empty"  # (tmp_path itself holds the test's isolated keys)
    where.mkdir()
    # the laptop default (./var) and a named, empty data folder alike
    done = _python("import cluedesk.settings as s; print(s.DATA_DIR)", where)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(where / "var") and list(where.iterdir()) == []
    data = where / "data"
    data.mkdir()
    done = _python("import cluedesk.settings", where, CLUEDESK_DATA_DIR=str(data))
    assert done.returncode == 0, done.stderr
    assert list(where.iterdir()) == [data] and list(data.iterdir()) == []


def test_the_first_start_makes_the_folders_and_a_secret_that_stays(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = _python(SECRET, tmp_path, CLUEDESK_DATA_DIR=str(data))
    assert first.returncode == 0, first.stderr
    assert {p.name for p in data.iterdir()} >= {"keys", "static", "tmp"}
    key = data / "keys" / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    again = _python(SECRET, tmp_path, CLUEDESK_DATA_DIR=str(data))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == first.stdout.strip().splitlines()[-1]  # a restart keeps it
    given = _python(SECRET, tmp_path, CLUEDESK_DATA_DIR=str(tmp_path / "other"), CLUEDESK_SECRET_KEY="s" * 40)
    assert given.returncode == 0, given.stderr
    assert not (tmp_path / "other" / "keys").exists()  # a secret from the environment writes no file


def test_processes_starting_together_read_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "starting" / "keys" / "secret_key"
    seen: list[str] = []
    gate = threading.Barrier(8)

    def start() -> None:
        gate.wait()
        seen.append(datafolder.server_secret(path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1 and len(seen[0]) >= 32
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # nothing left aside


def test_this_process_was_prepared_at_start_up() -> None:
    assert settings.INSTALLED_APPS[0] == "cluedesk.platform"  # its ready() runs before any other app's
    assert len(settings.SECRET_KEY) >= 32
    assert Path(settings.DATA_DIR).is_dir() and Path(settings.FILE_UPLOAD_TEMP_DIR).is_dir()
