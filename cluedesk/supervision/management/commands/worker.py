"""`cluedesk worker`: run the periodic supervision jobs in a loop (stats refresh, escalation scan,
monthly seed commit and draw, bulletins). Several workers may run: each job runs in one at a time."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from cluedesk.supervision import jobs


class Command(BaseCommand):
    help = "Run the periodic supervision jobs (one worker per job at a time)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run the due jobs once and exit")
        parser.add_argument("--force", action="store_true", help="run every job now, due or not")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between rounds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            if not connection.in_atomic_block:  # (a test's transaction)
                close_old_connections()
            results = jobs.run_all(force=options["force"])
            for name, result in results.items():
                if result is not None:
                    self.stdout.write(f"{name}: {result}")
            if options["once"]:
                return
            time.sleep(max(1.0, options["interval"]))
