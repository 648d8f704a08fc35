"""`cluedesk profile show|list|set KEY [--set field=value ...] [--keep]`: the deployment profile.

A thin wrapper on ``cluedesk.deployment.services.set_profile`` (one ledger event per change).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from cluedesk.deployment import profiles, services
from cluedesk.ledger.services import Actor


class Command(BaseCommand):
    help = "Show or choose the deployment profile (clocks, retention, anonymity, public wording)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("show", help="the profile in force, with its overrides applied")
        sub.add_parser("list", help="the profiles to choose from")
        s = sub.add_parser("set", help="choose a profile (and override some of its settings)")
        s.add_argument("key", choices=sorted(profiles.PROFILES))
        s.add_argument("--set", dest="assignments", action="append", default=[], metavar="FIELD=VALUE",
                       help="e.g. --set acknowledge_days=5 --set retention_days.no_action=365 "
                            "--set anonymous_allowed=no (empty value: clock off / keep)")
        s.add_argument("--keep", action="store_true",
                       help="add these overrides to the ones already stored for the same profile")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("en")
        if options["action"] == "list":
            for p in profiles.PROFILES.values():
                self.stdout.write(f"{p.key:<20} ack {p.acknowledge_days or '-':>3}  feedback {p.feedback_days or '-':>3}"
                                  f"  extended {p.feedback_days_extended or '-':>3}  {p.name}")
            return
        if options["action"] == "set":
            raw: dict[str, str] = {}
            for item in options["assignments"]:
                if "=" not in item:
                    raise CommandError(f"--set wants FIELD=VALUE, got {item!r}")
                name, value = item.split("=", 1)
                raw[name.strip()] = value.strip()
            try:
                services.set_profile(options["key"], raw, actor=Actor.system("cli"),
                                     replace_overrides=not options["keep"])
            except profiles.ProfileError as exc:
                raise CommandError("nothing was changed: " + "; ".join(
                    f"{k}: {' '.join(str(m) for m in v)}" for k, v in exc.errors.items())) from None
        p = profiles.current()
        for f in fields(p):
            self.stdout.write(f"{f.name:<24} {getattr(p, f.name)}")
