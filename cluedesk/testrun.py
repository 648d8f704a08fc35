"""`cluedesk test`: the whole suite on SQLite, then again on PostgreSQL when it is reachable.

PostgreSQL is taken from CLUEDESK_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres,
trust auth as on the service machines). When it cannot be reached the second run is skipped
with the reason printed, and the exit code is the SQLite run's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from urllib.parse import urlparse

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


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


def run(extra: list[str]) -> int:
    base = [sys.executable, "-m", "pytest", *extra]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    print("== cluedesk test: SQLite ==", flush=True)
    sqlite_rc = subprocess.call(base, env=env)
    pg_url = os.environ.get("CLUEDESK_TEST_DATABASE_URL", DEFAULT_PG)
    ok, reason = postgres_reachable(pg_url)
    if not ok:
        print(f"== cluedesk test: PostgreSQL part SKIPPED: {reason} ==", flush=True)
        return sqlite_rc
    print("== cluedesk test: PostgreSQL ==", flush=True)
    pg_env = dict(env, DATABASE_URL=pg_url, CLUEDESK_TEST_POSTGRES="1")
    pg_rc = subprocess.call(base, env=pg_env)
    print(f"== cluedesk test: SQLite exit {sqlite_rc}, PostgreSQL exit {pg_rc} ==", flush=True)
    return sqlite_rc or pg_rc
