"""`cluedesk serve`: prepare everything a first start needs, then run the whole system.

On every start: migrate, the cache table, static files. On the first start: the custodian key
pair (its passphrase printed once on a terminal, else written to a file that must be moved offline:
cluedesk/vault/handover.py), the administrative divisions, and — when CLUEDESK_DEMO is on — demo
units, staff (passwords printed once) and a few demo reports. It refuses to start while a custodian
passphrase file a day old or more lies in the keys folder.

Then it replaces itself with a small supervisor (cluedesk/ops/supervisor.py) that runs:

* gunicorn: ``--workers`` web processes (default 2 × cores), forked from a master that has
  preloaded the application and the triage models (cluedesk/ops/gunicorn_conf.py);
* ``--task-workers`` processes of ``cluedesk worker --no-jobs`` (default 2): the queued tasks;
* one ``cluedesk worker --no-tasks``: the periodic jobs. A process of its own rather than one of
  the task workers doing both, so that a long task (the first start's training, minutes) never
  delays a job (re-queueing a dead worker's task, the statistics) and a long job never holds up
  the queue; it costs one small process (it loads no triage model).

The workers run at a lower priority (nice +5) than the web processes, with ``--max-memory``: a
worker that a heavy task left big exits and a fresh one takes its place. A worker that dies is
started again; if gunicorn dies, everything stops and the command exits non-zero; SIGTERM or
Ctrl-C stops everything and exits 0. ``--task-workers 0`` runs no workers (run `cluedesk worker`
elsewhere) and runs gunicorn alone, as this process, without a supervisor.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from cluedesk.clues import search
from cluedesk.ops import filemodes, keycheck
from cluedesk.ops.bootstrap import first_start
from cluedesk.ops.supervisor import Program
from cluedesk.vault import handover, reencrypt

WORKER_NICE = 5  # web requests come first when the cores are busy
# a task worker that has loaded the charge model is about 235 MB resident; the model training
# leaves one at about 400: past this it exits after the task and a fresh one takes its place
WORKER_MAX_MEMORY_MB = 350
STOP_TIMEOUT = 25.0  # seconds the children get to stop (gunicorn's own graceful timeout is 20)


def _count(name: str, default: str) -> int:
    value = os.environ.get(name, default) or default
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"{name}={value!r}: a whole number, please") from None


class Command(BaseCommand):
    help = "Prepare the database and keys, load demo data on first start, and run gunicorn and the workers"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("CLUEDESK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("CLUEDESK_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=None,
                            help="gunicorn web processes (default: CLUEDESK_WORKERS, else 2 × cores)")
        parser.add_argument("--task-workers", type=int, default=None,
                            help="`cluedesk worker` processes for the queued tasks (default: CLUEDESK_TASK_WORKERS, "
                                 "else 2), plus one for the periodic jobs; 0: no workers at all")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("CLUEDESK_THREADS", "1")))
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data on first start")
        parser.add_argument("--prepare-only", action="store_true", help="prepare, print, and exit without serving")

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout
        left_behind = handover.stale()
        if left_behind is not None:
            raise CommandError(handover.stale_message(left_behind))
        workers = options["workers"] or _count("CLUEDESK_WORKERS", "0") or 2 * (os.cpu_count() or 1)
        task_workers = options["task_workers"]
        if task_workers is None:
            task_workers = _count("CLUEDESK_TASK_WORKERS", "2")
        if task_workers < 0 or workers < 0:
            raise CommandError("--workers and --task-workers cannot be negative")
        if task_workers and not options["prepare_only"]:
            # the task workers about to start train the model: no extra `worker --batch` for it
            os.environ.setdefault("CLUEDESK_BATCH_WORKER_ON_START", "0")
        call_command("migrate", interactive=False, verbosity=0)
        # the data, file and keys folders 0700 and the database 0600, also when an older version
        # made them under umask 022 (cluedesk/ops/filemodes.py)
        for line in filemodes.tighten():
            out.write(f"File modes: {line}")
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # the keys every instance shares, against the fingerprints the database records (the first
        # instance records them): refuse before this instance writes anything under keys of its own
        self._check_keys()
        # rows from before encryption at rest (or under a retired content key), and clues not
        # yet in the blind index: a resumable pass, quick when there is nothing to do
        sealed = reencrypt.run()
        if sealed.total:
            out.write(f"Sealed {sealed.total} rows written before encryption at rest.")
        search.backfill()
        try:
            lines = first_start(demo=settings.DEMO and not options["no_demo"], output=out)
        except handover.HandoverPending as exc:
            raise CommandError(str(exc)) from None
        self._check_keys()  # records the custodian public key a first start has just made
        host, port = options["host"], options["port"]
        shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
        base = f"http://{shown}:{port}"
        out.write("")
        for line in lines:
            out.write(line)
        out.write("")
        out.write(f"  Report a clue (public):   {base}/")
        out.write(f"  Follow a report:          {base}/track/")
        out.write(f"  Staff sign-in:            {base}/staff/login/")
        out.write(f"  API (OpenAPI docs):       {base}/api/docs")
        out.write(f"  Data folder:              {settings.DATA_DIR}")
        out.write("")
        sys.stdout.flush()
        if options["prepare_only"]:
            return
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        argv = [
            gunicorn, "cluedesk.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", str(workers),
            "--threads", str(options["threads"]),
            # the app and the triage models loaded once in the master, shared copy-on-write
            "--preload", "--config", "python:cluedesk.ops.gunicorn_conf",
            # heartbeat files in memory, not on a disk that may stall
            "--worker-tmp-dir", "/dev/shm" if os.path.isdir("/dev/shm") else str(settings.DATA_DIR),  # noqa: S108
            "--graceful-timeout", "20",
            "--timeout", "60",
            "--max-requests", "20000", "--max-requests-jitter", "2000",
            # no access log: public pages must not log client addresses
            "--error-logfile", "-",
        ]
        os.environ.setdefault("CLUEDESK_SERVE_TOKEN", secrets.token_hex(4))
        # /metrics sums the gunicorn workers' counters through files here (prometheus-client's
        # multiprocess mode); emptied at each start so a restart begins from zero
        metrics_dir = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(settings.DATA_DIR / "metrics"))
        os.makedirs(metrics_dir, exist_ok=True)
        for stale in Path(metrics_dir).glob("*.db"):
            stale.unlink(missing_ok=True)
        connections.close_all()
        if not task_workers:
            out.write(f"Serving with {workers} gunicorn workers on {host}:{port}, no task workers (Ctrl-C stops).")
            sys.stdout.flush()
            os.execv(gunicorn, argv)  # noqa: S606 - replace this process by the server
        worker = [sys.executable, "-m", "cluedesk", "worker"]
        recycle = ["--max-memory", str(WORKER_MAX_MEMORY_MB)]
        no_metrics: dict[str, str | None] = {"PROMETHEUS_MULTIPROC_DIR": None}  # the web processes' counters only
        programs = [
            Program("web", argv, essential=True, title=f"gunicorn ({workers} web processes on {host}:{port})"),
            Program("tasks", [*worker, "--no-jobs", *recycle], count=task_workers, env=no_metrics, nice=WORKER_NICE,
                    title="task worker (cluedesk worker --no-jobs)"),
            Program("jobs", [*worker, "--no-tasks", *recycle], env=no_metrics, nice=WORKER_NICE,
                    title="periodic jobs (cluedesk worker --no-tasks)"),
        ]
        spec = json.dumps({"programs": [p.as_dict() for p in programs], "stop_timeout": STOP_TIMEOUT})
        out.write(f"Serving with {workers} gunicorn workers on {host}:{port}, {task_workers} task workers and "
                  "a periodic-jobs worker (Ctrl-C stops all).")
        sys.stdout.flush()
        # replace this process by the supervisor: none of the preparation's memory stays behind
        os.execv(sys.executable, [sys.executable, "-m", "cluedesk.ops.supervisor", spec])  # noqa: S606

    def _check_keys(self) -> None:
        try:
            for line in keycheck.check():
                self.stdout.write(f"Keys: {line}")
        except keycheck.KeyMismatch as exc:
            raise CommandError(str(exc)) from None
