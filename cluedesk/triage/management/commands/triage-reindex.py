"""cluedesk triage-reindex: recompute every stored report's signature, band keys and entity keys
(after new stop shingles or a new charge model). Derived data only: no ledger event."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from cluedesk.triage.services import reindex


class Command(BaseCommand):
    help = "Rebuild the triage index of stored reports"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps({"reindexed": reindex()}))
