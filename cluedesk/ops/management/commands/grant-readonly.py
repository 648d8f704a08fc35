"""`cluedesk grant-readonly [ROLE ...]`: SELECT on every table, now and on those the migrations make
later, for PostgreSQL read-only roles (the read replica's login, reporting tools); default: the
roles in CLUEDESK_READONLY_ROLES. `cluedesk restore` runs the same after it replaced the schema.
See docs/operations.md, "Multi-node layout"."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from cluedesk.ops import backup


class Command(BaseCommand):
    help = "Grant read-only access to every table (now and later) to PostgreSQL roles"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("roles", nargs="*", help="role names (default: CLUEDESK_READONLY_ROLES)")

    def handle(self, *args: Any, **options: Any) -> None:
        roles = options["roles"] or settings.READONLY_ROLES
        if connection.vendor != "postgresql":
            raise CommandError("read-only roles are a PostgreSQL matter; the configured database is "
                               f"{connection.vendor}")
        if not roles:
            raise CommandError("name the roles, or set CLUEDESK_READONLY_ROLES")
        try:
            granted = backup.grant_readonly(list(roles))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps({"granted": granted}))
