"""`cluedesk keycheck [status|accept NAME --reason "…"]`: the keys every instance shares.

``status`` (the default) prints this instance's fingerprint of each shared key beside the one the
deployment's database records, and where this instance read it; it exits 1 when one differs, as
the start-up check would refuse. ``accept NAME`` records this instance's key as the deployment's
after a deliberate replacement, with a ledger event saying why (cluedesk/ops/keycheck.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.ops import keycheck


class Command(BaseCommand):
    help = "The keys every instance shares: status (this instance against the record), accept NAME (after a deliberate replacement)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", default="status", choices=["status", "accept"])
        parser.add_argument("name", nargs="?", default=None, help=f"for accept: one of {', '.join(keycheck.LABELS)}")
        parser.add_argument("--reason", default="", help="for accept: why the key was replaced (goes into the ledger)")
        parser.add_argument("--json", action="store_true", help="status as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "accept":
            if not options["name"]:
                raise CommandError(f"accept needs the key's name: one of {', '.join(keycheck.LABELS)}")
            try:
                old, new = keycheck.accept(options["name"], reason=options["reason"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            if old == new:
                self.stdout.write(f"{options['name']}: already recorded as {new}; nothing changed")
            else:
                self.stdout.write(f"{options['name']}: recorded {new} (was {old or 'not recorded'}); "
                                  "instances still holding the old key now refuse to start")
            return
        rows = keycheck.status()
        if options["json"]:
            self.stdout.write(json.dumps({"keys": rows}, ensure_ascii=False))
        else:
            for r in rows:
                self.stdout.write(f"{r['name']:<14} {r['state']:<13} here {r['here'] or '-':<18} "
                                  f"recorded {r['recorded'] or '-':<18} from {r['source'] or '-'}")
        if any(r["state"] in ("DIFFERENT", "missing here") for r in rows):
            raise SystemExit(1)
