"""Background tasks run by `cluedesk worker`, and what keeps them safe when a worker dies.

The queue is django-tasks (the ``@task`` / ``.enqueue()`` API that Django 6 ships as
``django.tasks``) with its database backend (django-tasks-db): a task is a row, claimed inside a
transaction with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (an exclusive transaction on
SQLite), so any number of workers on any number of nodes take each task once.

**At-least-once.** A claimed task is RUNNING with the claiming worker's id. Each worker writes a
heartbeat into the shared cache (Redis or the database cache) every few seconds. The
periodic job ``requeue_stalled`` (cluedesk/ops/periodic.py) puts a RUNNING task back to READY
when its worker's heartbeat is gone (kill -9, power loss), so another worker runs it again; after
``CLUEDESK_TASK_MAX_ATTEMPTS`` claims it is marked FAILED instead. A task may therefore run twice,
never zero times: every task here is idempotent (it checks what is already done first, and
writes its results atomically).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import task

log = logging.getLogger("cluedesk.tasks")



def stale_seconds() -> float:
    """A worker silent this long is taken for dead (CLUEDESK_WORKER_STALE_SECONDS, default 60)."""
    return float(settings.CLUEDESK_WORKER_STALE_SECONDS)


def heartbeat_seconds() -> float:
    return max(0.5, min(10.0, stale_seconds() / 4))


class WorkerLost(Exception):
    """The task's worker died too many times while running it."""


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def _beat_key(worker_id: str) -> str:
    return f"cluedesk:worker:{worker_id}"


def beat(worker_id: str) -> None:
    cache.set(_beat_key(worker_id), time.time(), max(1, int(stale_seconds())))


def forget(worker_id: str) -> None:
    cache.delete(_beat_key(worker_id))


def alive(worker_id: str) -> bool:
    return cache.get(_beat_key(worker_id)) is not None


class Heartbeat(threading.Thread):
    """Beat for ``worker_id`` every few seconds until stopped (covers long tasks)."""

    def __init__(self, worker_id: str, interval: float | None = None) -> None:
        super().__init__(name="cluedesk-heartbeat", daemon=True)
        self.worker_id, self.interval = worker_id, interval or heartbeat_seconds()
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                try:
                    beat(self.worker_id)
                except Exception:  # noqa: BLE001 - a missed beat is retried; a dead cache is logged
                    log.warning("heartbeat failed", exc_info=True)
                    close_old_connections()
                self.stopped.wait(self.interval)
        finally:
            connection.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop beating, and wait for a beat in flight: one written after ``forget`` would show the
        stopped worker alive until it expires (and, on SQLite's shared in-memory test database, a
        beat and the ``forget`` at once collide: "database table is locked")."""
        self.stopped.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


def requeue_stalled(now: Any = None, *, stale: float | None = None) -> dict[str, int]:
    """Put back RUNNING tasks whose worker stopped beating; fail those claimed too often."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    requeued = failed = 0
    cutoff = now - dt.timedelta(seconds=stale if stale is not None else stale_seconds())
    for result in DBTaskResult.objects.running().filter(started_at__lt=cutoff).only(
            "id", "worker_ids", "started_at"):
        ids = list(result.worker_ids or [])
        if ids and alive(ids[-1]):
            continue
        # conditional on the claim we looked at: a worker that claimed it since is left alone
        same = DBTaskResult.objects.filter(id=result.id, status="RUNNING", started_at=result.started_at)
        if len(ids) >= settings.CLUEDESK_TASK_MAX_ATTEMPTS:
            failed += same.update(status="FAILED", finished_at=now,
                                  exception_class_path=f"{__name__}.WorkerLost",
                                  traceback=f"the worker died while running it, {len(ids)} times")
        else:
            requeued += same.update(status="READY", started_at=None)
    if requeued or failed:
        log.warning("stalled tasks", extra={"event": "requeue", "requeued": requeued, "failed": failed})
    return {"requeued": requeued, "failed": failed}


def prune_results(now: Any = None, *, keep_days: int = 14) -> dict[str, int]:
    """Delete finished task rows after ``keep_days`` (failed ones are kept twice as long)."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    ok = DBTaskResult.objects.successful().filter(finished_at__lt=now - dt.timedelta(days=keep_days)).delete()[0]
    bad = DBTaskResult.objects.failed().filter(finished_at__lt=now - dt.timedelta(days=2 * keep_days)).delete()[0]
    return {"deleted": ok + bad}


def enqueue_once(the_task: Any, *args: Any, **kwargs: Any) -> Any:
    """Enqueue unless the same task with the same arguments is already waiting or running."""
    from django_tasks_db.models import DBTaskResult

    path = f"{the_task.func.__module__}.{the_task.func.__qualname__}"
    wanted = {"args": list(args), "kwargs": kwargs}
    pending = DBTaskResult.objects.filter(task_path=path, status__in=["READY", "RUNNING"]).only("args_kwargs")
    if any(r.args_kwargs == wanted for r in pending):  # few rows; JSON equality is not portable
        return None
    return the_task.enqueue(*args, **kwargs)


# ---- the tasks ---------------------------------------------------------------------------------

@task()
def sleep_then_mark(name: str, seconds: float) -> dict[str, Any]:
    """A test and drill task: wait ``seconds``, then record ``name`` once in the cache.

    Used by the scale-out tests and the fault drills (kill -9 a worker in the middle). Idempotent:
    running it twice leaves one mark, and the number of runs is counted apart."""
    runs_key, done_key = f"cluedesk:drill:{name}:runs", f"cluedesk:drill:{name}:done"
    if not cache.add(runs_key, 1, 3600):
        cache.incr(runs_key)
    time.sleep(min(max(seconds, 0.0), 600.0))
    cache.add(done_key, os.getpid(), 3600)
    return {"name": name, "pid": os.getpid()}
