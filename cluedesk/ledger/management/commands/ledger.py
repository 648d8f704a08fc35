"""`cluedesk ledger verify`: walk the hash chain and name the first bad event."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.ledger.services import verify


class Command(BaseCommand):
    help = "Ledger operations: verify"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if not result.ok:
            raise CommandError(json.dumps({"ok": False, "checked": result.checked, "first_bad_event": result.bad_seq,
                                           "reason": result.reason}, ensure_ascii=False))
        self.stdout.write(json.dumps({"ok": True, "checked": result.checked}))
