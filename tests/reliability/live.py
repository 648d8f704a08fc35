"""A real `cluedesk serve` (gunicorn) for the fault tests, and a client that retries like a channel.

Everything talks to 127.0.0.1 only. On PostgreSQL (DATABASE_URL=postgres://…) the server gets a
database of its own, created here and dropped afterwards; the test database is never touched.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from common import CLUEDESK, Server  # noqa: E402

from cluedesk.vault import content  # noqa: E402

FULL = bool(os.environ.get("CLUEDESK_RELIABILITY_FULL"))
TEXTS = ["某村有人长期开设赌场，放高利贷并暴力催收。", "某镇一伙人强揽工程，殴打不服从的村民。",
         "某县有人非法采砂，夜里用船运走，有干部收钱不管。", "某市一家公司暴力讨债，把人关起来逼写欠条。"]
CHILD = Path(__file__).resolve().parent / "race_child.py"


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_db(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql)  # type: ignore[arg-type]


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rindex(b")") + 2:][:1] not in (b"Z", b"X")


class Live(Server):
    """`cluedesk serve` on a data folder of its own; on PostgreSQL, on a database of its own."""

    def __init__(self, workers: int = 2, env: dict[str, str] | None = None) -> None:
        base = {"CLUEDESK_DEMO": "0", "CLUEDESK_RATE_SUBMIT": "1000000", "CLUEDESK_RATE_LOOKUP": "1000000",
                "CLUEDESK_DB_CONN_MAX_AGE": "60",
                "CLUEDESK_TRAIN_ON_START": "0",  # faults, not triage quality: no background training
                # gunicorn alone (`serve` execs it, so the web processes are its children): the fault
                # tests start and kill their own `cluedesk worker`s, which must be the only ones
                "CLUEDESK_TASK_WORKERS": "0",
                **(env or {})}
        self.pg_admin = postgres_url()
        self.db_name = ""
        if self.pg_admin:
            self.db_name = f"cluedesk_rel_{os.getpid()}_{int(time.time())}"
            _admin(self.pg_admin, f'CREATE DATABASE "{self.db_name}"')
            base["DATABASE_URL"] = _with_db(self.pg_admin, self.db_name)
        else:
            base["DATABASE_URL"] = ""
        super().__init__(env=base, workers=workers, data_dir=tempfile.mkdtemp(prefix="cluedesk-rel-"))
        self.token = ""

    @property
    def vendor(self) -> str:
        return "postgresql" if self.pg_admin else "sqlite"

    def prepare(self) -> Live:
        self.run("serve", "--prepare-only")
        self.token = self.run("channel-token", "create", "reliability").strip().splitlines()[-1].split()[-1]
        return self

    def workers_pids(self) -> list[int]:
        """The web processes: the master's children that are running (a worker killed a moment
        ago may still be listed, as a zombie, until the master has reaped it)."""
        return [pid for pid in self.pids()[1:] if _running(pid)]

    def kill9(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def kill9_all(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLUEDESK, *args], env=self.env, capture_output=True, text=True, check=check,
                              timeout=300)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.pg_admin:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as con:
                return list(con.execute(sql.replace("%", "%%").replace("?", "%s"), params).fetchall())  # type: ignore[arg-type]
        con = sqlite3.connect(Path(self.data_dir) / "cluedesk.sqlite3", timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def destroy(self) -> None:
        self.stop()
        if self.pg_admin and self.db_name:
            for _ in range(20):
                try:
                    _admin(self.pg_admin, f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                    break
                except Exception:  # noqa: BLE001 - the server may be restarting
                    time.sleep(1)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def api(port: int, path: str, payload: dict[str, Any], token: str, key: str | None = None,
        timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Connection": "close"}
    if key:
        headers["Idempotency-Key"] = key
    try:
        conn.request("POST", path, body=json.dumps(payload, ensure_ascii=False).encode(), headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@dataclass
class Tally:
    acked: dict[str, str] = field(default_factory=dict)  # key -> tracking code
    replayed: int = 0
    unavailable: int = 0  # 503s seen
    unavailable_without_retry_after: int = 0
    broken: int = 0  # connection refused/reset, empty reply: retried
    errors: list[str] = field(default_factory=list)  # anything else (a 500 is a failure)
    gave_up: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def body_for(key: str) -> dict[str, Any]:
    n = int(re.sub(r"\D", "", key) or 0)
    return {"text": f"{TEXTS[n % len(TEXTS)]} [{key}]", "place": "湖南省长沙市浏阳市"}


def send_until_acked(port: int, token: str, key: str, tally: Tally, deadline: float) -> None:
    """A channel's retry loop: the same key and the same body until acknowledged or out of time."""
    payload = body_for(key)
    while time.time() < deadline:
        try:
            status, headers, body = api(port, "/api/v1/reports", payload, token, key)
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.broken += 1
            time.sleep(0.2)
            continue
        if status in (200, 201):
            data = json.loads(body)
            with tally.lock:
                if key in tally.acked and tally.acked[key] != data["tracking_code"]:
                    tally.errors.append(f"{key}: a second code {data['tracking_code']} after {tally.acked[key]}")
                tally.acked[key] = data["tracking_code"]
                tally.replayed += bool(data.get("replayed"))
            return
        if status == 503:
            with tally.lock:
                tally.unavailable += 1
                if not headers.get("retry-after"):
                    tally.unavailable_without_retry_after += 1
            time.sleep(min(1.0, float(headers.get("retry-after") or 1)))
            continue
        if status == 502 or status == 504:
            time.sleep(0.2)
            continue
        with tally.lock:
            tally.errors.append(f"{key}: {status} {body[:200]!r}")
        return
    with tally.lock:
        tally.gave_up.append(key)


def load(port: int, token: str, keys: list[str], tally: Tally, *, clients: int = 6,
         seconds: float = 120) -> list[threading.Thread]:
    """Start ``clients`` threads working through ``keys``; returns the threads (join them)."""
    todo = list(reversed(keys))
    lock = threading.Lock()
    deadline = time.time() + seconds

    def run() -> None:
        while True:
            with lock:
                if not todo:
                    return
                key = todo.pop()
            send_until_acked(port, token, key, tally, deadline)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    return threads


def wait_for(predicate: Any, seconds: float, step: float = 0.1) -> bool:
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return True
        time.sleep(step)
    return False


def report_texts(live: Live) -> list[tuple[int, str]]:
    """(id, text) of every stored report, opened with the live server's own content keys (text
    is sealed at rest: a LIKE on the column finds nothing)."""
    keys = Path(live.data_dir) / "keys" / content.CONTENT_KEYS_FILE
    saved = os.environ.get("CLUEDESK_CONTENT_KEYS_FILE")
    os.environ["CLUEDESK_CONTENT_KEYS_FILE"] = str(keys)
    content.forget_keys()
    try:
        return [(pk, content.decrypt(text, "intake.report.text") if content.is_token(text) else text)
                for pk, text in live.query("SELECT id, text FROM intake_report ORDER BY id")]
    finally:
        if saved is None:
            os.environ.pop("CLUEDESK_CONTENT_KEYS_FILE", None)
        else:
            os.environ["CLUEDESK_CONTENT_KEYS_FILE"] = saved
        content.forget_keys()


def stored_marks(live: Live, prefix: str) -> list[str]:
    out = []
    for _pk, text in report_texts(live):
        m = re.search(r"\[(" + re.escape(prefix) + r"-\d+)\]", text)
        if m:
            out.append(m.group(1))
    return out


def check_acked_are_stored_once(live: Live, prefix: str, tally: Tally) -> dict[str, Any]:
    """Every acknowledged key: stored exactly once, and its code finds it; nothing stored twice."""
    stored = stored_marks(live, prefix)
    counts: dict[str, int] = {}
    for m in stored:
        counts[m] = counts.get(m, 0) + 1
    lost = sorted(k for k in tally.acked if counts.get(k, 0) == 0)
    twice = sorted(k for k, n in counts.items() if n > 1)
    not_found = []
    for key, code in list(tally.acked.items())[:: max(1, len(tally.acked) // 20)]:
        status, _h, _b = api(live.port, "/api/v1/reports/status", {"tracking_code": code}, live.token)
        if status != 200:
            not_found.append((key, status))
    return {"acked": len(tally.acked), "stored": len(stored), "lost": lost, "twice": twice,
            "codes_not_found": not_found, "unacked_but_stored": sorted(set(counts) - set(tally.acked))}
