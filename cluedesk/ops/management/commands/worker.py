"""`cluedesk worker`: run the periodic jobs on schedule and the queued background tasks.

Several workers may run side by side, on one node or many: each periodic job is run by one worker
at a time (cluedesk/ops/jobs.py: a Redis lease, a PostgreSQL advisory lock or a SQLite
lease row), and each queued task is claimed by one worker (``SELECT … FOR UPDATE SKIP LOCKED``).
A worker killed with -9 mid-task leaves its task RUNNING without a heartbeat; the
``requeue_stalled`` job of any other worker puts it back on the queue (at-least-once; the tasks
are idempotent, see cluedesk/ops/tasks.py).

SIGTERM or SIGINT: finish the task or job in hand, then exit 0 (a second signal exits at once;
the task is then re-queued as if the worker had died). ``--max-memory MB``: exit 0 after a task or
a round of jobs that leaves the process above MB resident (`cluedesk serve` passes it and starts a
fresh worker in its place).

What it says (starting, each task's outcome, each job's result, stopping) are log lines of the
``cluedesk.worker`` logger: JSON on stderr with a timestamp, like every cluedesk process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from types import FrameType
from typing import Any

from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser, SystemCheckError
from django.db import close_old_connections, connection
from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Worker as DbWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from cluedesk.ops import jobs, keycheck, tasks

log = logging.getLogger("cluedesk.worker")


def resident_mb() -> int:
    """This process's resident memory in MB (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (OSError, ValueError, IndexError):
        return 0


class Command(BaseCommand):
    help = "Run the periodic jobs and the queued background tasks (safe to run several)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="run the due jobs and every ready task once, then exit")
        parser.add_argument("--force", action="store_true", help="run every job now, due or not")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between rounds of periodic jobs")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between looks at an empty queue")
        parser.add_argument("--no-jobs", action="store_true", help="run queued tasks only")
        parser.add_argument("--no-tasks", action="store_true", help="run periodic jobs only")
        parser.add_argument("--batch", action="store_true",
                            help="run queued tasks until the queue is empty, then exit (no periodic jobs)")
        parser.add_argument("--queue", default="*", help="queue names to take tasks from, comma-separated ('*': all)")
        parser.add_argument("--max-tasks", type=int, default=0, help="exit after this many tasks (0: no limit)")
        parser.add_argument("--max-memory", type=int, default=0, metavar="MB",
                            help="exit after a task that leaves this process above MB of resident memory "
                                 "(0: no limit); under `cluedesk serve` a fresh worker takes its place")
        parser.add_argument("--worker-id", default="", help="this worker's id (default host:pid:random)")
        parser.add_argument("--claim", type=int, default=8, metavar="N",
                            help="claim up to N ready tasks of the same kind at once (one transaction instead of N; "
                                 "those not run when the worker stops go back to the queue)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        self.busy = False
        self.worker_id = (options["worker_id"] or tasks.new_worker_id())[:64]
        self.claim_batch = max(1, options["claim"])
        self.claimed: list[DBTaskResult] = []
        queues = [q.strip() for q in options["queue"].split(",") if q.strip()] or ["*"]
        self.db_worker = DbWorker(queue_names=queues, interval=options["poll"], batch=True,
                                  backend_name="default", startup_delay=False, max_tasks=None,
                                  worker_id=self.worker_id, excluded_queue_names=[])
        run_jobs = not (options["no_jobs"] or options["batch"])
        run_tasks = not options["no_tasks"]
        in_test = connection.in_atomic_block  # a test's transaction: no signals, no threads
        heartbeat = None
        if not in_test:
            try:  # the same keys as every other instance, or no task is run (cluedesk/ops/keycheck.py)
                keycheck.check()
            except keycheck.KeyMismatch as exc:
                raise CommandError(str(exc)) from None
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
            heartbeat = tasks.Heartbeat(self.worker_id)
            heartbeat.start()
        self._say({"event": "worker_start", "worker": self.worker_id, "jobs": run_jobs, "tasks": run_tasks})
        done = 0
        next_jobs = 0.0
        try:
            while not self.stopping:
                if not in_test:
                    close_old_connections()
                if run_jobs and time.monotonic() >= next_jobs:
                    self.busy = True
                    for name, result in jobs.run_all(force=options["force"]).items():
                        if result is not None:
                            self._say({"event": "job", "job": name, "result": result})
                    self.busy = False
                    next_jobs = time.monotonic() + max(1.0, options["interval"])
                    self._recycle_if_over(options["max_memory"])
                ran = False
                if run_tasks:
                    # drain what is ready, but come back for the periodic jobs on time
                    while not self.stopping and (options["once"] or options["batch"] or time.monotonic() < next_jobs
                                                 or not run_jobs):
                        if not self._one_task():
                            break
                        ran = True
                        done += 1
                        if options["max_tasks"] and done >= options["max_tasks"]:
                            self.stopping = True
                        self._recycle_if_over(options["max_memory"])
                if options["once"] or options["batch"]:
                    break
                if not ran and not self.stopping:
                    time.sleep(max(0.05, min(options["poll"], next_jobs - time.monotonic()) if run_jobs
                                   else options["poll"]))
        finally:
            self._release_claimed()
            if heartbeat is not None:
                heartbeat.stop()
                tasks.forget(self.worker_id)
            self._say({"event": "worker_stop", "worker": self.worker_id, "tasks_run": done})

    def _claim(self) -> list[DBTaskResult]:
        """Claim the next ready task and up to ``--claim`` - 1 more of the same kind, in one
        transaction (triage queues one short task per report: claiming them one at a time was a
        write transaction each). A long kind (the training) is queued once, so it comes alone."""
        ready = DBTaskResult.objects.ready().filter(backend_name="default")
        if not self.db_worker.process_all_queues:
            ready = ready.filter(queue_name__in=self.db_worker.queue_names)
        try:
            with exclusive_transaction(ready.db):
                first = ready.get_locked()
                if first is None:
                    return []
                more = list(ready.filter(task_path=first.task_path).exclude(id=first.id)
                            .select_for_update(skip_locked=True)[: self.claim_batch - 1]) if self.claim_batch > 1 else []
                for claimed in (first, *more):
                    claimed.claim(self.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return []
            raise
        return [first, *more]

    def _release_claimed(self) -> None:
        """Put back the tasks claimed and not run (the worker is stopping): READY, this claim undone."""
        for left in self.claimed:
            ids = list(left.worker_ids or [])[:-1]
            DBTaskResult.objects.filter(id=left.id, status="RUNNING").update(status="READY", started_at=None,
                                                                              worker_ids=ids)
        self.claimed = []

    def _one_task(self) -> bool:
        """Run the next claimed task, claiming more when none is left; False when none was ready."""
        if not self.claimed:
            self.claimed = self._claim()
        if not self.claimed:
            return False
        claimed = self.claimed.pop(0)
        self.busy = True
        try:
            self.db_worker.run_task(claimed)
        finally:
            self.busy = False
        # run_task set the outcome on this instance as it saved it: no need to read it back
        self._say({"event": "task", "task": claimed.task_path.rsplit(".", 1)[-1], "id": str(claimed.id),
                   "status": claimed.status})
        return True

    def _recycle_if_over(self, limit_mb: int) -> None:
        """Stop after this piece of work when it left the process above ``limit_mb`` resident: a
        heavy task (the model training) or job keeps its peak otherwise, for the worker's life."""
        if limit_mb and (rss := resident_mb()) > limit_mb and not self.stopping:
            self._say({"event": "worker_recycle", "worker": self.worker_id, "rss_mb": rss, "limit_mb": limit_mb})
            self.stopping = True

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:  # second signal: go now
            sys.exit(1)
        self.stopping = True
        self._say({"event": "worker_stopping", "signal": signal.Signals(signum).name, "busy": self.busy})

    def check(self, app_configs: Any = None, tags: Any = None, display_num_errors: bool = False,
              include_deployment_checks: bool = False, fail_level: int = checks.ERROR,
              databases: Any = None) -> None:
        """Django's system checks, as Django runs them before ``handle`` (not under ``call_command``
        or ``--skip-checks``), their findings logged as JSON lines like everything else the worker
        says instead of printed as text; an error still stops it."""
        found = [m for m in checks.run_checks(app_configs=app_configs, tags=tags,
                                              include_deployment_checks=include_deployment_checks,
                                              databases=databases) if not m.is_silenced()]
        for message in found:
            data = {"event": "system_check", "check": message.id or "", "detail": str(message.msg),
                    "hint": str(message.hint or "")}
            log.log(logging.ERROR if message.is_serious(fail_level) else logging.WARNING, "system_check", extra=data)
        serious = [m for m in found if m.is_serious(fail_level)]
        if serious:
            raise SystemCheckError("; ".join(f"{m.id}: {m.msg}" for m in serious))

    def _say(self, data: dict[str, Any]) -> None:
        """One log line (JSON on stderr, cluedesk/ops/logging.py): the event and its fields."""
        log.info(data["event"], extra=data)
