"""`cluedesk demo-totp USERNAME`: the current sign-in code of a demo user (only when CLUEDESK_DEMO is on)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.demo.mode import refuse_unless_demo
from cluedesk.org.auth import demo_totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo staff user. Refuses (exit code 2) unless CLUEDESK_DEMO is on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unless_demo("demo-totp")
        try:
            code = demo_totp_code(options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {options['username']!r}") from None
        self.stdout.write(code)
