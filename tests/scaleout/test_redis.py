"""The Redis path: cache, rate limits, job locks and worker heartbeats through Redis.

Runs against the Redis at 127.0.0.1:6379 (database 15, a key prefix of its own per run) when it
answers; skipped, saying so, when it does not. CLUEDESK_TEST_REDIS_URL names another server."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.core.cache import cache

from cluedesk.intake import throttle
from cluedesk.ops import jobs, tasks

from .. import redis_server

URL = redis_server.URL

REASON = redis_server.unreachable()
pytestmark = [pytest.mark.skipif(REASON is not None, reason=REASON or ""), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def on_redis(settings):
    import redis

    prefix = f"cluedesk-test-{uuid.uuid4().hex[:12]}"
    settings.REDIS_URL = URL
    settings.CLUEDESK_REDIS_PREFIX = prefix
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": URL,
                                   "KEY_PREFIX": prefix}}
    jobs._redis_clients.clear()
    yield prefix
    client = redis.Redis.from_url(URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    jobs._redis_clients.clear()


def test_the_cache_is_redis_and_keys_carry_the_run_prefix(on_redis):
    import redis

    cache.set("hello", "world", 30)
    assert cache.get("hello") == "world"
    assert redis.Redis.from_url(URL).exists(f"{on_redis}:1:hello")


def test_rate_limit_counts_are_exact_under_concurrency():
    key = "rl:concurrency"
    allowed = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(25):
            ok = throttle.hit(key, 100)
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 200
    assert allowed.count(True) == 100  # exactly the limit, not one more: no lost or double counts
    assert cache.get(key) == 200


def test_rate_limit_counter_expires_with_its_window(on_redis):
    import redis

    throttle.hit("rl:ttl", 5)
    ttl = redis.Redis.from_url(URL).ttl(f"{on_redis}:1:rl:ttl")
    assert 0 < ttl <= throttle.WINDOW_SECONDS


def test_a_down_redis_lets_a_report_through(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    assert throttle.hit("rl:down", 1) is True


def test_job_lock_is_exclusive_across_processes_and_released():
    with jobs.job_lock("stats") as first:
        assert first is True
        with jobs.job_lock("stats") as second:
            assert second is False
    with jobs.job_lock("stats") as again:
        assert again is True


def test_a_held_lock_is_renewed_and_a_dead_holders_lock_expires(on_redis):
    import redis

    client = redis.Redis.from_url(URL)
    with jobs.redis_lock("long", lease=0.6) as got:
        assert got
        time.sleep(1.0)  # past the first lease: renewed by the holder's thread
        assert client.exists(f"{on_redis}:lock:long")
        with jobs.redis_lock("long", lease=0.6) as other:
            assert other is False
    # a holder that died (no renewal, no release) frees the lock at the end of its lease
    assert client.set(f"{on_redis}:lock:dead", "gone-worker", nx=True, px=300)
    with jobs.redis_lock("dead") as blocked:
        assert blocked is False
    time.sleep(0.4)
    with jobs.redis_lock("dead") as got:
        assert got is True


def test_jobs_run_once_through_the_redis_lock():
    assert jobs.run("requeue_stalled", force=True) == {"requeued": 0, "failed": 0}


def test_worker_heartbeats_live_in_redis(on_redis):
    tasks.beat("node-a:1:x")
    assert tasks.alive("node-a:1:x") and not tasks.alive("node-b:2:y")
    tasks.forget("node-a:1:x")
    assert not tasks.alive("node-a:1:x")
