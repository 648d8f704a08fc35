"""`cluedesk retention run [--dry-run] [--now ISO] [--clue C…] [--json]` and `cluedesk retention sweep`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cluedesk.records import services
from cluedesk.records.policy import RetentionError


def parse_now(text: str | None) -> dt.datetime:
    if not text:
        return timezone.now()
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--now {text!r}: write an ISO date or time, e.g. 2031-01-01 or 2031-01-01T09:00") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Retention: run (purge what is due; --dry-run lists it) or sweep (finish interrupted file deletions)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["run", "sweep"])
        parser.add_argument("--dry-run", action="store_true", help="list what would go; write nothing")
        parser.add_argument("--now", help="measure retention as of this moment (ISO), default now")
        parser.add_argument("--clue", help="only this clue (refused when held or not due)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options.get("now"))
        if options["action"] == "sweep":
            self.stdout.write(json.dumps(services.sweep_files(now)))
            return
        try:
            result = services.run_retention(now=now, dry_run=options["dry_run"], trigger="command",
                                            only=options.get("clue"))
        except RetentionError as exc:
            raise CommandError(str(exc.message)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
            return
        head = "Dry run: nothing written." if result.dry_run else f"Run {result.run_id}."
        self.stdout.write(f"{head} Profile {result.profile}, as of {result.as_of.isoformat()}.")
        self.stdout.write(f"Due: {len(result.due)} clue(s); held: {len(result.held)}.")
        for c in result.due:
            mark = "purged" if c.public_id in result.purged else ("would go" if result.dry_run else "not purged")
            self.stdout.write(f"  {c.public_id}  {c.outcome:<14} closed {c.closed_at:%Y-%m-%d}  "
                              f"+{c.days} days → due {c.due_at:%Y-%m-%d}  {mark}")
        for c in result.held:
            self.stdout.write(f"  {c.public_id}  held (hold {c.hold_id}: {c.hold_reason})")
        if result.counts:
            self.stdout.write("Personal data " + ("that would go: " if result.dry_run else "removed: ")
                              + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
        for clue, error in result.failed:
            self.stderr.write(f"  {clue}: {error}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} clue(s) could not be purged (left untouched)")
