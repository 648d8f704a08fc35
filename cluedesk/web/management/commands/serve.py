"""`cluedesk serve`: prepare everything a first start needs, then run gunicorn.

On every start: migrate, the cache table, static files. On the first start: the custodian key
pair (its passphrase printed once), the administrative divisions, and — when CLUEDESK_DEMO is on —
demo units, staff (passwords printed once) and a few demo reports.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from cluedesk.web.bootstrap import first_start


class Command(BaseCommand):
    help = "Prepare the database and keys, load demo data on first start, and serve with gunicorn"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("CLUEDESK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("CLUEDESK_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("CLUEDESK_WORKERS", "0")) or None,
                            help="gunicorn worker processes (default: 2 × cores)")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("CLUEDESK_THREADS", "1")))
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data on first start")
        parser.add_argument("--prepare-only", action="store_true", help="prepare, print, and exit without serving")

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        lines = first_start(demo=settings.DEMO and not options["no_demo"])
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
        workers = options["workers"] or 2 * (os.cpu_count() or 1)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        argv = [
            gunicorn, "cluedesk.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", str(workers),
            "--threads", str(options["threads"]),
            # heartbeat files in memory, not on a disk that may stall
            "--worker-tmp-dir", "/dev/shm" if os.path.isdir("/dev/shm") else str(settings.DATA_DIR),  # noqa: S108
            "--graceful-timeout", "20",
            "--timeout", "60",
            "--max-requests", "20000", "--max-requests-jitter", "2000",
            # no access log: public pages must not log client addresses
            "--error-logfile", "-",
        ]
        out.write(f"Serving with {workers} gunicorn workers on {host}:{port} (Ctrl-C stops).")
        sys.stdout.flush()
        os.environ.setdefault("CLUEDESK_SERVE_TOKEN", secrets.token_hex(4))
        # /metrics sums the gunicorn workers' counters through files here (prometheus-client's
        # multiprocess mode); emptied at each start so a restart begins from zero
        metrics_dir = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(settings.DATA_DIR / "metrics"))
        os.makedirs(metrics_dir, exist_ok=True)
        for stale in Path(metrics_dir).glob("*.db"):
            stale.unlink(missing_ok=True)
        os.execv(gunicorn, argv)  # noqa: S606 - replace this process by the server
