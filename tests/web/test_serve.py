"""`cluedesk serve` for real: gunicorn and the workers under one supervisor, stopped by SIGTERM.

A data folder (and, on PostgreSQL runs, a database) of its own, a free port on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

from tests.scaleout.helpers import CLUEDESK, ROOT, scratch_database

from .procs import alive, children, cmdline, tree, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_serve_runs_gunicorn_and_the_workers_and_sigterm_stops_them_all(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with scratch_database(tmp_path / "data") as env:
        proc = subprocess.Popen([CLUEDESK, "serve", "--task-workers", "1", "--workers", "1", "--port", str(port)],
                                env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        seen: dict[int, list[str]] = {}
        try:
            up = wait_for(lambda: healthy(port) or proc.poll() is not None, 240, step=0.3)
            assert up and proc.poll() is None, log.read_text()[-3000:]
            # the serve process has become the supervisor; each of its children is one kind
            assert "cluedesk.ops.supervisor" in " ".join(cmdline(proc.pid))
            kids = wait_for(lambda: len(k := {p: cmdline(p) for p in children(proc.pid)}) == 3 and k, 30)
            assert kids, [cmdline(p) for p in children(proc.pid)]
            master = next(p for p, argv in kids.items() if "gunicorn" in " ".join(argv))
            # the master's own command line, or, once setproctitle renames it ("gunicorn: master
            # [...]"), the supervisor's spec that started it
            assert "--preload" in kids[master] or "--preload" in " ".join(cmdline(proc.pid))
            workers = [argv[argv.index("worker"):] for argv in kids.values() if "worker" in argv]
            assert sorted(w[1] for w in workers) == ["--no-jobs", "--no-tasks"], kids
            assert all("--max-memory" in w for w in workers)
            assert wait_for(lambda: len(children(master)) == 1, 30)  # --workers 1
            assert wait_for(lambda: log.read_text().count('"event":"worker_start"') == 2, 60), log.read_text()[-3000:]
            text = log.read_text()
            assert "Started gunicorn (1 web processes" in text and "Started task worker" in text
            assert "Started periodic jobs" in text
            everyone = tree(proc.pid)
            seen = {pid: cmdline(pid) for pid in everyone}
            assert len(everyone) == 4  # gunicorn master and its web process, two workers

            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0, log.read_text()[-3000:]
            assert wait_for(lambda: not any(alive(p) for p in everyone), 30), \
                [(p, cmdline(p)) for p in everyone if alive(p)]
            assert not healthy(port)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
            for pid, argv in seen.items():  # never a pid that has since been given to another command
                if argv and cmdline(pid) == argv:
                    os.kill(pid, signal.SIGKILL)
