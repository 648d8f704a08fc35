"""`cluedesk channel-token create NAME` prints a new channel token once; `revoke NAME`; `list`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.intake import services
from cluedesk.intake.models import ChannelToken
from cluedesk.ledger.services import Actor


class Command(BaseCommand):
    help = "Issue, revoke or list the bearer tokens of channel integrations (POST /api/v1/reports)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token for a channel and print it once")
        create.add_argument("name")
        create.add_argument("--replace", action="store_true", help="replace the channel's existing token")
        revoke = sub.add_parser("revoke", help="stop accepting a channel's token")
        revoke.add_argument("name")
        sub.add_parser("list", help="list channels and whether their token is active")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = Actor.system("cli")
        if opts["action"] == "create":
            try:
                token = services.create_channel_token(opts["name"], actor=actor, replace=opts["replace"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(token)
            self.stderr.write(f"Token for channel {opts['name']!r} (shown once; only its hash is kept). "
                              "Send it as: Authorization: Bearer <token>")
        elif opts["action"] == "revoke":
            if not services.revoke_channel_token(opts["name"], actor=actor):
                raise CommandError(f"no active token for channel {opts['name']!r}")
            self.stdout.write(f"revoked {opts['name']}")
        else:
            for ch in ChannelToken.objects.order_by("name"):
                self.stdout.write(f"{ch.name}\t{'active' if ch.active else 'revoked'}\t{ch.created_at:%Y-%m-%d}")
