"""`cluedesk backup DEST`: the database, the file store and the public key in one archive with a
manifest (sha256 of every part). The secret keys go to a separate archive with --keys-out, or into
the same one with --include-keys (with a warning). With a backup public key
(CLUEDESK_BACKUP_PUBLIC_KEY or _FILE, or --to-public-key) both archives are encrypted to it;
without one the archive is plain and a warning says so. See cluedesk/ops/backup.py,
cluedesk/ops/archive_seal.py and docs/operations.md "Backup and restore"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.ops import archive_seal, backup


class Command(BaseCommand):
    help = "Write a backup archive (database, file store, public key; secret keys only on request)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", nargs="?", default=None,
                            help="archive file to write (.tar), or a folder to put a dated one in (not with --verify)")
        parser.add_argument("--keys-out", default=None,
                            help="also write the secret keys to this separate archive (keep it apart, offline)")
        parser.add_argument("--include-keys", action="store_true",
                            help="put the secret keys in the same archive (discouraged: prints a warning)")
        parser.add_argument("--no-files", action="store_true", help="leave the file store out")
        parser.add_argument("--to-public-key", metavar="KEY", default=None,
                            help="encrypt the archives to this backup public key (64 hex characters, or a file "
                                 f"holding them); default: {archive_seal.PUBLIC_ENV} or {archive_seal.PUBLIC_ENV}_FILE")
        parser.add_argument("--verify", metavar="ARCHIVE", default=None,
                            help="only check an existing archive against its manifest (no DEST needed; one given is ignored)")
        parser.add_argument("--backup-key", metavar="FILE", default=None,
                            help="with --verify: the backup private key an encrypted archive needs")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["verify"]:
                key = archive_seal.load_private(Path(options["backup_key"])) if options["backup_key"] else None
                manifest = backup.verify(Path(options["verify"]), backup_key=key)
                self.stdout.write(json.dumps({"ok": True, "archive": options["verify"],
                                              "parts": len(manifest["parts"]),
                                              "sealed_to": manifest.get("sealed_to"),
                                              "summary": manifest.get("summary")}, ensure_ascii=False))
                return
            if options["dest"] is None:
                raise CommandError("give DEST, the archive file (or folder) to write; or --verify ARCHIVE")
            public = (archive_seal.parse_public(options["to_public_key"], "--to-public-key")
                      if options["to_public_key"] else archive_seal.configured_public())
            result = backup.backup(Path(options["dest"]), include_keys=options["include_keys"],
                                   keys_out=Path(options["keys_out"]) if options["keys_out"] else None,
                                   with_files=not options["no_files"], public_key=public)
        except (backup.BackupError, archive_seal.SealError) as exc:
            raise CommandError(str(exc)) from None
        for warning in result.warnings:
            self.stderr.write(f"WARNING: {warning}")
        if not result.manifest["keys_included"] and result.keys_archive is None:
            self.stderr.write("note: the secret keys are not in this archive; back up the keys folder apart "
                              "(cluedesk backup --keys-out FILE), or the data cannot be read after a restore")
        self.stdout.write(json.dumps({
            "archive": str(result.archive), "keys_archive": str(result.keys_archive) if result.keys_archive else None,
            "sealed_to": result.sealed_to,
            "database": result.manifest["database"]["vendor"], "parts": len(result.manifest["parts"]),
            "bytes": result.archive.stat().st_size, "summary": result.manifest["summary"],
        }, ensure_ascii=False))
