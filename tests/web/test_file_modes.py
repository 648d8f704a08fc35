"""Issue 19, finding 10: what the server keeps on disk is readable by its own user only.

`cluedesk` is started here under umask 022 (what a shell or a service manager often gives): a
first `serve --prepare-only` must still leave the data folder, the file store and the keys folder
0700 and the SQLite database and every key 0600; a later start must tighten what an older version
left open; `cluedesk backup` writes 0600 archives."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

from tests.scaleout.helpers import CLUEDESK, ROOT, scratch_database


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cluedesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([CLUEDESK, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          preexec_fn=lambda: os.umask(0o022))  # noqa: PLW1509 - the umask is the point
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_a_start_and_a_backup_under_umask_022_leave_nothing_readable_by_others(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with scratch_database(data) as env:
        _cluedesk(env, "serve", "--prepare-only", "--no-demo")
        database = data / "cluedesk.sqlite3"
        sqlite = "DATABASE_URL" not in env
        for folder in (data, data / "files", data / "keys"):
            assert _mode(folder) == 0o700, folder
        keys = sorted((data / "keys").iterdir())
        assert keys and all(_mode(k) == 0o600 for k in keys), [(k.name, oct(_mode(k))) for k in keys]
        if sqlite:
            assert _mode(database) == 0o600

        # an install an older version made under umask 022
        os.chmod(data, 0o755)
        os.chmod(data / "files", 0o755)
        if sqlite:
            os.chmod(database, 0o644)
        out = _cluedesk(env, "serve", "--prepare-only", "--no-demo").stdout
        assert f"File modes: {data}: 755 -> 700" in out
        assert _mode(data) == 0o700 and _mode(data / "files") == 0o700
        if sqlite:
            assert _mode(database) == 0o600
            assert all(_mode(p) == 0o600 for p in data.glob("cluedesk.sqlite3*"))

        (tmp_path / "backups").mkdir(mode=0o755)
        result = json.loads(_cluedesk(env, "backup", str(tmp_path / "backups"), "--keys-out",
                                      str(tmp_path / "backups")).stdout.strip().splitlines()[-1])
        assert _mode(Path(result["archive"])) == 0o600 and _mode(Path(result["keys_archive"])) == 0o600
