"""The periodic jobs and the lock that lets only one worker run each.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cluedesk.clues import search
from cluedesk.ledger import checkpoints as ledger_checkpoints
from cluedesk.org.models import ROOT_CODE, Division
from cluedesk.triage import services as triage_services
from cluedesk.triage.tasks import requeue_waiting
from cluedesk.vault import reencrypt

from . import bulletins, services, stats
from .models import Bulletin, JobState, SampleMonth

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
    url = getattr(settings, "REDIS_URL", "")
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
    key = f"{getattr(settings, 'CLUEDESK_REDIS_PREFIX', 'cluedesk')}:lock:{name}"
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
    stats.job_state(name)
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


def job_stats(now: dt.datetime) -> dict[str, Any]:
    return stats.refresh(now)


def job_escalation(now: dt.datetime) -> dict[str, Any]:
    result = services.scan(now)
    return {"escalated": len(result.escalated), "closed": result.closed}


def job_samples(now: dt.datetime) -> dict[str, Any]:
    this_month, last_month = services.sample_months_due(now)
    done: dict[str, Any] = {}
    sample = services.commit_seed(this_month)
    done["committed"] = f"{sample.month:%Y-%m}"
    previous = SampleMonth.objects.filter(month=last_month, drawn_at__isnull=True).first()
    if previous is not None:
        services.draw(last_month, now=now)
        done["drawn"] = f"{last_month:%Y-%m}"
    return done


def job_bulletin(now: dt.datetime) -> dict[str, Any]:
    """Last month's bulletin for the nation and each province (each one its own transaction)."""
    _this, last_month = services.sample_months_due(now)
    scopes = list(Division.objects.filter(Q(code=ROOT_CODE) | Q(parent_id=ROOT_CODE)).order_by("level", "code"))
    issued = set(Bulletin.objects.filter(month=last_month).values_list("division_id", flat=True))
    n = 0
    for division in scopes:
        if division.code not in issued:
            bulletins.issue(division, last_month)
            n += 1
    return {"issued": n}


def job_key_regions(now: dt.datetime) -> dict[str, Any]:
    """Recompute the key regions once a month, from the three months up to last month."""
    from . import keyregions
    from .models import KeyRegionVersion

    _this, last_month = services.sample_months_due(now)
    if KeyRegionVersion.objects.filter(end=last_month, created_by__isnull=True).exists():
        return {"version": None}
    version = keyregions.recompute(end=last_month)
    return {"version": version.number}


def job_prune_idempotency(now: dt.datetime) -> dict[str, Any]:
    """Forget channel idempotency keys (and the encrypted codes they hold) after two days."""
    from cluedesk.intake.services import prune_idempotency

    return {"deleted": prune_idempotency()}


def job_requeue_stalled(now: dt.datetime) -> dict[str, Any]:
    """Background tasks whose worker died mid-task go back on the queue (cluedesk/ops/tasks.py)."""
    from cluedesk.ops import tasks

    return tasks.requeue_stalled()


def job_prune_tasks(now: dt.datetime) -> dict[str, Any]:
    from cluedesk.ops import tasks

    return tasks.prune_results(now)


def job_retention(now: dt.datetime) -> dict[str, Any]:
    """Purge the personal data of closed clues whose retention period has run (cluedesk.records)."""
    from cluedesk.records.services import job_retention as run

    return run(now)


def job_compliance_clocks(now: dt.datetime) -> dict[str, Any]:
    """Start, follow, remind and escalate the acknowledgment and feedback clocks (cluedesk.compliance)."""
    from cluedesk.compliance.clocks import run

    return run(now)


def job_triage_retry(now: dt.datetime) -> dict[str, Any]:
    """Reports waiting for triage with no live task (it failed, or was lost) are queued again."""
    return {"queued": requeue_waiting(older_than=max(300.0, 5 * settings.CLUEDESK_TRIAGE_LAG_ALERT_SECONDS))}


def job_sealing(now: dt.datetime) -> dict[str, Any]:
    """Encryption at rest catching up, a slice at a time: rows written before it (or under a
    retired content key) sealed, clues put in the blind index, triage's entities keyed."""
    sealed = reencrypt.run(limit=5000)
    return {"sealed": sealed.total, "pending": sealed.pending, "indexed": search.backfill(limit=500),
            "rekeyed": triage_services.rekey_index(limit=500)}


JOBS: dict[str, tuple[Callable[[dt.datetime], dict[str, Any]], dt.timedelta]] = {
    "stats": (job_stats, dt.timedelta(minutes=1)),
    "escalation": (job_escalation, dt.timedelta(minutes=15)),
    "samples": (job_samples, dt.timedelta(hours=1)),
    "bulletin": (job_bulletin, dt.timedelta(hours=1)),
    "key_regions": (job_key_regions, dt.timedelta(hours=1)),
    "prune_idempotency": (job_prune_idempotency, dt.timedelta(days=1)),
    "requeue_stalled": (job_requeue_stalled, dt.timedelta(seconds=30)),
    "triage_retry": (job_triage_retry, dt.timedelta(minutes=5)),
    "sealing": (job_sealing, dt.timedelta(minutes=5)),
    "prune_tasks": (job_prune_tasks, dt.timedelta(days=1)),
    "retention": (job_retention, dt.timedelta(days=1)),
    "compliance_clocks": (job_compliance_clocks, dt.timedelta(minutes=15)),
    "ledger_checkpoint": (ledger_checkpoints.job, dt.timedelta(minutes=1)),  # last: signs the others' events
}


def due(name: str, now: dt.datetime) -> bool:
    state = JobState.objects.filter(pk=name).first()
    if state is None or state.last_finished is None:
        return True
    return state.last_finished + JOBS[name][1] <= now


def run(name: str, now: dt.datetime | None = None, *, force: bool = False) -> dict[str, Any] | None:
    """Run one job if due and if no other worker runs it; None when skipped."""
    now = now or timezone.now()
    fn, _every = JOBS[name]
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
    out: dict[str, Any] = {}
    for name in JOBS:
        try:
            out[name] = run(name, now, force=force)
        except Exception as exc:  # one failing job does not stop the others
            out[name] = {"error": str(exc)}
    return out
