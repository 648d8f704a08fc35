"""Shared pieces of the benchmarks: start the real server as the README does, measure it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLUEDESK = str(Path(sys.executable).parent / "cluedesk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`cluedesk serve` in a fresh data folder, on a free port, stopped on exit."""

    def __init__(self, env: dict[str, str] | None = None, workers: int | None = None, data_dir: str | None = None):
        self.port = free_port()
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="cluedesk-bench-")
        self.env = dict(os.environ, CLUEDESK_DATA_DIR=self.data_dir, **(env or {}))
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(self.data_dir) / "serve.log"

    def run(self, *args: str) -> str:
        return subprocess.run([CLUEDESK, *args], env=self.env, check=True, capture_output=True, text=True).stdout

    def start(self) -> Server:
        argv = [CLUEDESK, "serve", "--port", str(self.port)]
        if self.workers:
            argv += ["--workers", str(self.workers)]
        self.proc = subprocess.Popen(argv, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
        raise RuntimeError("server did not become healthy in 180 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        assert self.proc is not None
        root = self.proc.pid
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(root)], capture_output=True, text=True).stdout
        return [root, *[int(p) for p in out.split()]]

    def rss_mb(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return round(total / 1024, 1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[k]
