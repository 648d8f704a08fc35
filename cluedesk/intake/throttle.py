"""Per-client rate limits whose keys cannot be turned back into an address.

The key is a hash of (server secret, scope, client address, UTC day); the address itself is
never stored or logged. Counters are shared by every process: in Redis when REDIS_URL is set
(one INCR script), else in the database's ``intake_ratecount`` table (one upsert statement).
"""

from __future__ import annotations

import hashlib
import logging
import random
import time

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest

from cluedesk.org.clients import client_address

from .models import RateCount

WINDOW_SECONDS = 600
PRUNE_ONE_IN = 500  # about one counting in this many also deletes the expired counters


def window_key(scope: str, who: str) -> str:
    """The counter's key for ``who`` in this window: a hash, so ``who`` is never stored."""
    now = time.time()
    day = time.strftime("%Y%m%d", time.gmtime(now))
    window = int(now // WINDOW_SECONDS)
    material = f"{settings.SECRET_KEY}|{scope}|{who}|{day}|{window}"
    return "rl:" + hashlib.sha256(material.encode()).hexdigest()[:40]


def client_key(request: HttpRequest, scope: str) -> str:
    return window_key(scope, client_address(request))


_INCR_WITH_TTL = ("local n = redis.call('incr', KEYS[1]) "
                  "if n == 1 then redis.call('expire', KEYS[1], ARGV[1]) end return n")


def _redis_hit(key: str) -> int | None:
    """On Redis: one atomic INCR (+ EXPIRE on the first hit) in a script; None on other caches."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    full = backend.make_and_validate_key(key)
    # write=True: the primary. Django reads from a replica when REDIS_URL lists one, and a
    # replica refuses INCR (or is down): every hit would fail open and nothing would be limited
    client = backend._cache.get_client(full, write=True)
    return int(client.eval(_INCR_WITH_TTL, 1, full, WINDOW_SECONDS))


_UPSERT = (f"INSERT INTO {RateCount._meta.db_table} (key, hits, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
           "ON CONFLICT (key) DO UPDATE SET hits = " + RateCount._meta.db_table + ".hits + 1 RETURNING hits")


def _db_hit(key: str) -> int:
    """One atomic statement (an upsert that returns the new count): concurrent processes never lose
    a count, and a submission pays one short write, not a cache read, a count and a write."""
    now = time.time()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_UPSERT, [key[:48], now + WINDOW_SECONDS])
        count = int(cur.fetchone()[0])
        if random.random() * PRUNE_ONE_IN < 1:  # noqa: S311 - housekeeping, not a secret
            cur.execute(f"DELETE FROM {RateCount._meta.db_table} WHERE expires_at < %s", [now])  # noqa: S608
    return count


def hit(key: str, limit: int) -> bool:
    """Count one attempt under ``key``; False once the limit for this window is passed.

    On Redis the count is one atomic script (INCR, and EXPIRE on the first hit); otherwise one
    atomic upsert in the database. Either way concurrent processes never lose a count.
    A store that does not answer lets the request through (logged): a report is never refused
    because the rate limiter is down.
    """
    try:
        count = _redis_hit(key)
        if count is None:
            count = _db_hit(key)
        return count <= limit
    except Exception:  # noqa: BLE001 - fail open, loudly
        logging.getLogger("cluedesk.intake").warning("rate-limit cache unavailable; request let through",
                                                     exc_info=True)
        return True


def count(key: str) -> int:
    """The attempts counted under ``key`` in this window, without counting one more (0 when the
    store does not answer, as ``hit`` lets a request through then)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    try:
        backend = caches["default"]
        if isinstance(backend, RedisCache):
            full = backend.make_and_validate_key(key)
            # from the primary, where hit() counts: a replica may lag, or be down and make every
            # count 0 (the unknown-code limit on channels would then let every guess through)
            return int(backend._cache.get_client(full, write=True).get(full) or 0)
        with connection.cursor() as cur:
            cur.execute(f"SELECT hits FROM {RateCount._meta.db_table} WHERE key = %s AND expires_at >= %s",  # noqa: S608
                        [key[:48], time.time()])
            row = cur.fetchone()
        return int(row[0]) if row else 0
    except Exception:  # noqa: BLE001 - fail open, loudly
        logging.getLogger("cluedesk.intake").warning("rate-limit cache unavailable; request let through",
                                                     exc_info=True)
        return 0


def allow(request: HttpRequest, scope: str, limit: int) -> bool:
    return hit(client_key(request, scope), limit)
