"""The Redis server the tests may use (CLUEDESK_TEST_REDIS_URL), and why tests skip without it."""

from __future__ import annotations

import os

URL = os.environ.get("CLUEDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unreachable() -> str | None:
    """None when Redis answers; else the reason to skip, naming the address."""
    try:
        import redis

        redis.Redis.from_url(URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis at {URL} is not reachable ({type(exc).__name__}: {exc}); start redis-server to run these"
    return None
