"""`cluedesk test`: the whole suite on SQLite and, when it is reachable, again on PostgreSQL.

PostgreSQL is taken from CLUEDESK_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres,
trust auth as on the service machines). When it cannot be reached that run is skipped with the
reason printed, and the exit code is the SQLite run's. The PostgreSQL pass leaves out PG_SKIP (pure
code and the API fuzzing, which do not depend on the database). With two cores or more the runs go side
by side, one per core, the PostgreSQL run's output following when both are done;
CLUEDESK_TEST_PARALLEL=0 runs them one after the other. The last line adds up both runs.

The browser tests (tests/e2e) need Debian's Chromium at /usr/bin/chromium. When it is missing and
this process may install it (root, apt-get present), ``apt-get install -y chromium`` runs first,
quietly and with a time limit; otherwise, or when that fails, the browser tests skip with the
reason printed. They run in the SQLite pass only (they test pages, not the database): the
PostgreSQL pass sets CLUEDESK_E2E_SKIP.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from urllib.parse import urlparse

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
PG_SKIP = ("tests/analysis", "tests/attack/test_schemathesis.py")
APT_TIMEOUT = 900  # seconds for apt-get to fetch and install the browser


def ensure_chromium() -> str:
    """Make sure the browser the e2e tests drive is there; return "" or why the browser tests will skip."""
    chromium = os.environ.get("CLUEDESK_E2E_CHROMIUM", "/usr/bin/chromium")
    if os.path.exists(chromium):
        return ""
    apt = shutil.which("apt-get")
    if not apt or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return f"{chromium} is missing and cannot be installed here (needs root and apt-get)"
    print(f"== cluedesk test: {chromium} is missing; installing Debian's chromium (apt-get, quietly) ==",
          flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"]
    for attempt in ([install], [[apt, "update", "-qq"], install]):
        try:
            for cmd in attempt:
                done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      timeout=APT_TIMEOUT, check=False)
                if done.returncode != 0:
                    break
        except subprocess.TimeoutExpired:
            return f"installing chromium took longer than {APT_TIMEOUT} s"
        if os.path.exists(chromium):
            return ""
    if done.returncode == 0:
        return f"apt-get installed chromium but {chromium} is still missing"
    tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
    return f"apt-get could not install chromium ({tail[0]})"


def postgres_reachable(url: str) -> tuple[bool, str]:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 5432
    try:
        with socket.create_connection((host, port), timeout=2):
            pass
    except OSError as exc:
        return False, f"PostgreSQL at {host}:{port} is not reachable ({exc})"
    try:
        import psycopg

        with psycopg.connect(
            host=host, port=port, user=parsed.username or "postgres", dbname=parsed.path.lstrip("/") or "postgres",
            password=parsed.password or None, connect_timeout=3,
        ):
            pass
    except Exception as exc:  # noqa: BLE001 - any failure means: skip with the reason
        return False, f"PostgreSQL at {host}:{port} refused the connection ({exc})"
    return True, ""


def stream(cmd: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run, echoing the output as it comes; return the exit code and the output."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    seen = []
    for raw in proc.stdout:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        seen.append(raw.decode("utf-8", "replace"))
    return proc.wait(), "".join(seen)


def counts(output: str) -> dict[str, int]:
    """The figures of pytest's last summary line (passed, failed, skipped, errors)."""
    found = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    lines = [ln for ln in output.splitlines() if re.search(r"\d+ (passed|failed|error)", ln)]
    if lines:
        for number, word in re.findall(r"(\d+) (passed|failed|skipped|errors?)", lines[-1]):
            found["error" if word.startswith("error") else word] += int(number)
    return found


def closing_line(*outputs: str) -> str:
    total = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for out in outputs:
        for key, value in counts(out).items():
            total[key] += value
    return f"total: {total['passed']} passed, {total['failed'] + total['error']} failed, {total['skipped']} skipped"


def run(extra: list[str]) -> int:
    base = [sys.executable, "-m", "pytest", "--durations=15", *extra]
    # The second pass is for what the database changes: pure code (cluedesk.analysis imports no
    # Django) and the API contract fuzzing (schemathesis, through the same views) run once.
    pg_base = [*base, *(f"--ignore={p}" for p in PG_SKIP)]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    why_no_browser = ensure_chromium()
    if why_no_browser:
        print(f"== cluedesk test: browser tests SKIPPED: {why_no_browser} ==", flush=True)
    pg_url = os.environ.get("CLUEDESK_TEST_DATABASE_URL", DEFAULT_PG)
    ok, reason = postgres_reachable(pg_url)
    pg_env = dict(env, DATABASE_URL=pg_url, CLUEDESK_TEST_POSTGRES="1",
                  CLUEDESK_E2E_SKIP="the browser tests run in the SQLite pass only")
    # side by side when there are two cores or more (CI's budget: the passes take ~11 minutes each
    # alone); CLUEDESK_TEST_PARALLEL=0 forces one after the other, =1 side by side
    wanted = os.environ.get("CLUEDESK_TEST_PARALLEL", "1" if (os.cpu_count() or 1) >= 2 else "0")
    serial = wanted != "1"
    pg_proc, pg_log = None, None
    if ok and not serial:
        pg_log = tempfile.TemporaryFile()
        pg_proc = subprocess.Popen(pg_base, env=pg_env, stdout=pg_log, stderr=subprocess.STDOUT)
    print("== cluedesk test: SQLite ==", flush=True)
    sqlite_rc, sqlite_out = stream(base, env)
    if not ok:
        print(f"== cluedesk test: PostgreSQL part SKIPPED: {reason} ==", flush=True)
        print(closing_line(sqlite_out), flush=True)
        return sqlite_rc
    print("== cluedesk test: PostgreSQL ==", flush=True)
    if pg_proc is not None and pg_log is not None:
        pg_rc = pg_proc.wait()
        pg_log.seek(0)
        pg_out = pg_log.read().decode("utf-8", "replace")
        sys.stdout.write(pg_out)
        sys.stdout.flush()
    else:
        pg_rc, pg_out = stream(pg_base, pg_env)
    print(f"== cluedesk test: SQLite exit {sqlite_rc}, PostgreSQL exit {pg_rc} ==", flush=True)
    print(closing_line(sqlite_out, pg_out), flush=True)
    return sqlite_rc or pg_rc
