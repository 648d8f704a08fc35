"""`cluedesk sample commit|draw|verify YEAR-MONTH`: the monthly random check.

commit: publish the hash of a fresh secret seed for the month (normally the worker does this on
the first of the month). draw: reveal the seed and pick the sample (after the month ends).
verify: recompute the draw from the ledger's published values and compare.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.supervision import services, stats


class Command(BaseCommand):
    help = "Monthly random checks: commit a seed, draw the sample, or verify a past draw"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["commit", "draw", "verify"])
        parser.add_argument("month", help="YEAR-MONTH, e.g. 2026-05")
        parser.add_argument("--early", action="store_true", help="draw before the month has ended (demo only)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = stats.parse_month(options["month"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        action = options["action"]
        try:
            if action == "commit":
                s = services.commit_seed(month)
                self.stdout.write(f"{month:%Y-%m}: seed hash {s.seed_hash} (committed {s.committed_at:%Y-%m-%d %H:%M})")
            elif action == "draw":
                s = services.draw(month, early=options["early"])
                self.stdout.write(f"{month:%Y-%m}: seed {s.seed} revealed; {s.items.count()} clues picked "
                                  f"from {len(s.population)} concluded")
            else:
                report = services.verify_sample(month)
                for line in report.lines:
                    self.stdout.write(line)
                if not report.ok:
                    raise CommandError(f"{month:%Y-%m}: the draw does NOT verify")
                self.stdout.write(self.style.SUCCESS(f"{month:%Y-%m}: verified"))
        except services.SupervisionError as exc:
            raise CommandError(exc.message) from exc
