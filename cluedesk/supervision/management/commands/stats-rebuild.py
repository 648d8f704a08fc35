"""`cluedesk stats-rebuild`: recompute the facts table from the clues and reports."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from cluedesk.supervision import stats


class Command(BaseCommand):
    help = "Recompute the supervision facts table (every division and month) from the clues and reports"

    def handle(self, *args: Any, **options: Any) -> None:
        t0 = time.perf_counter()
        result = stats.rebuild()
        self.stdout.write(f"facts rebuilt from {result['clues']} clues and {result['reports']} reports "
                          f"in {time.perf_counter() - t0:.1f} s")
