"""`cluedesk restore ARCHIVE [--keys KEYS_ARCHIVE] [--backup-key FILE] [--force]`: verify the archive
against its manifest, then restore the database, the file store and the keys into the configured
place. An encrypted archive (or keys archive) needs the backup private key (--backup-key).
Read-only PostgreSQL roles (CLUEDESK_READONLY_ROLES) get their grants again afterwards.
Refuses a database that holds data, or a non-empty file store, unless --force. Runs the
migrations and `ledger verify` afterwards."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.ops import archive_seal, backup


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database and data folder"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--keys", default=None, help="the separate keys archive written by backup --keys-out")
        parser.add_argument("--backup-key", metavar="FILE", default=None,
                            help="the backup private key (from `cluedesk backup-keys generate`) an encrypted "
                                 "archive needs")
        parser.add_argument("--force", action="store_true",
                            help="replace a database, file store and keys that already hold data")
        parser.add_argument("--no-verify-ledger", action="store_true", help="skip `ledger verify` afterwards")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = archive_seal.load_private(Path(options["backup_key"])) if options["backup_key"] else None
            backup.check_roles(settings.READONLY_ROLES)  # before anything is touched
            result = backup.restore(Path(options["archive"]), force=options["force"],
                                    keys_archive=Path(options["keys"]) if options["keys"] else None,
                                    backup_key=key)
        except (backup.BackupError, archive_seal.SealError) as exc:
            raise CommandError(str(exc)) from None
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        # the schema was replaced, and the read-only roles' grants with it (the replica's login)
        result["readonly_roles_granted"] = backup.grant_readonly(settings.READONLY_ROLES)
        if not options["no_verify_ledger"]:
            out = io.StringIO()
            try:
                call_command("ledger", "verify", stdout=out, stderr=out)
            except (SystemExit, CommandError) as exc:
                raise CommandError(f"restored, but `ledger verify` failed: {out.getvalue().strip()} {exc}") from None
            result["ledger_verify"] = out.getvalue().strip()[-300:]
        self.stdout.write(json.dumps(result, ensure_ascii=False))
