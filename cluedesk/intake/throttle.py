"""Per-client rate limits whose keys cannot be turned back into an address.

The key is a hash of (server secret, scope, client address, UTC day); the address itself is
never stored or logged. Counters live in Django's cache (the database cache by default, Redis
when REDIS_URL is set) so every worker process shares them.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 600


def client_address(request: HttpRequest) -> str:
    if settings.CLUEDESK_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # the last hop was added by our own proxy; earlier ones are the client's claim
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def window_key(scope: str, who: str) -> str:
    """The counter's key for ``who`` in this window: a hash, so ``who`` is never stored."""
    now = time.time()
    day = time.strftime("%Y%m%d", time.gmtime(now))
    window = int(now // WINDOW_SECONDS)
    material = f"{settings.SECRET_KEY}|{scope}|{who}|{day}|{window}"
    return "rl:" + hashlib.sha256(material.encode()).hexdigest()[:40]


def client_key(request: HttpRequest, scope: str) -> str:
    return window_key(scope, client_address(request))


def hit(key: str, limit: int) -> bool:
    """Count one attempt under ``key``; False once the limit for this window is passed.

    ``incr`` first: atomic on Redis, one read and one write on the database cache (``add``
    first would cost a failed insert on every request after the first).
    """
    try:
        count = cache.incr(key)
    except ValueError:  # first attempt in this window
        cache.set(key, 1, WINDOW_SECONDS)
        return True
    return count <= limit


def allow(request: HttpRequest, scope: str, limit: int) -> bool:
    return hit(client_key(request, scope), limit)
