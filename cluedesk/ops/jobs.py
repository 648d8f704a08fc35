"""The runner of the periodic jobs, and the lock that lets only one worker run each.

The jobs themselves live with the app that owns their work, in ``cluedesk/<app>/periodic.py``,
registered with ``@system_job`` in ``registry["jobs"]`` (cluedesk/platform/registry.py) when the
app's ``ready()`` imports that module. The runner reads the registry only; it imports no app's jobs.

With ``REDIS_URL`` set the lock is a Redis key (``SET NX PX``) whose lease a thread renews while the
job runs, so a worker killed mid-job frees it within ``REDIS_LEASE``; otherwise, on PostgreSQL, it
is a session advisory lock (``pg_try_advisory_lock``) held while the job runs; on SQLite it is a
lease on the job's ``JobState`` row taken by a conditional UPDATE. Every
job keeps its progress in the database in the same transactions as its work (watermarks, items
done, periods done), so a worker that dies part-way is resumed by the next run without doing any
piece twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cluedesk.platform.registry import jobs_in_order, registry
from cluedesk.supervision.models import JobState

log = logging.getLogger("cluedesk.supervision")
LEASE = dt.timedelta(minutes=30)  # a first escalation scan over a big backlog can take minutes
REDIS_LEASE = 60.0  # seconds; renewed every third of it while the job runs


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"cluedesk-job:{name}".encode()).digest()[:8], "big", signed=True)


_redis_clients: dict[str, Any] = {}


def redis_client() -> Any:
    """One client per process for REDIS_URL (None without it)."""
    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _redis_clients:
        import redis

        _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return _redis_clients[url]


@contextmanager
def redis_lock(name: str, lease: float = REDIS_LEASE) -> Iterator[bool]:
    """A lease in Redis, renewed while held; released only by its holder (compare and delete)."""
    client = redis_client()
    key = f"{settings.CLUEDESK_REDIS_PREFIX}:lock:{name}"
    token = f"{holder_id()}:{os.urandom(6).hex()}"
    got = bool(client.set(key, token, nx=True, px=int(lease * 1000)))
    if not got:
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease / 3):
            try:
                client.eval(_RENEW, 1, key, token, int(lease * 1000))
            except Exception:  # noqa: BLE001 - a missed renewal is retried
                log.warning("lock renewal failed for %s", name, exc_info=True)

    renewer = threading.Thread(target=renew, name=f"lock-{name}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join(timeout=5)
        client.eval(_RELEASE, 1, key, token)


_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


@contextmanager
def job_lock(name: str):  # type: ignore[no-untyped-def]
    """Yield True when this process holds the job's lock, False when another one does."""
    JobState.objects.get_or_create(name=name)
    if redis_client() is not None:
        with redis_lock(name) as got:
            yield got
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(name)])
            got = bool(cur.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(name)])
        return
    me, now = holder_id(), timezone.now()
    with transaction.atomic():
        got = JobState.objects.filter(pk=name).filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(holder=me)).update(
            holder=me, lease_until=now + LEASE) == 1
    try:
        yield got
    finally:
        if got:
            JobState.objects.filter(pk=name, holder=me).update(holder="", lease_until=None)


def due(name: str, now: dt.datetime) -> bool:
    state = JobState.objects.filter(pk=name).first()
    if state is None or state.last_finished is None:
        return True
    return state.last_finished + registry["jobs"][name].every <= now


def run(name: str, now: dt.datetime | None = None, *, force: bool = False) -> dict[str, Any] | None:
    """Run one job if due and if no other worker runs it; None when skipped."""
    now = now or timezone.now()
    fn = registry["jobs"][name].run
    with job_lock(name) as got:
        if not got or not (force or due(name, now)):
            return None
        JobState.objects.filter(pk=name).update(last_started=timezone.now())
        try:
            result = fn(now)
        except Exception as exc:
            JobState.objects.filter(pk=name).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
            log.exception("job %s failed", name)
            raise
        JobState.objects.filter(pk=name).update(last_finished=timezone.now(), last_error="")
        return result


def run_all(now: dt.datetime | None = None, *, force: bool = False) -> dict[str, Any]:
    """Every registered job, in order (the ledger checkpoint last); the result of each by name."""
    out: dict[str, Any] = {}
    for name in (job.name for job in jobs_in_order()):
        try:
            out[name] = run(name, now, force=force)
        except Exception as exc:  # one failing job does not stop the others
            out[name] = {"error": str(exc)}
    return out
