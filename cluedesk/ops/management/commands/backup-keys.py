"""`cluedesk backup-keys generate --out FILE`: a backup key pair (X25519). The private key goes to
FILE (0600; keep it offline, apart from the backups and the server); the public key is printed,
for CLUEDESK_BACKUP_PUBLIC_KEY (or a file named by CLUEDESK_BACKUP_PUBLIC_KEY_FILE) on the nodes
that run `cluedesk backup`. `cluedesk backup-keys public FILE` prints the public key of a private
key file again. See cluedesk/ops/archive_seal.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from nacl.public import PrivateKey

from cluedesk.ops import archive_seal


class Command(BaseCommand):
    help = "Make a backup key pair (the private key to keep offline), or show a private key file's public key"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="a new key pair: the private key to --out, the public key printed")
        gen.add_argument("--out", required=True, help="the private key file to write (must not exist)")
        show = sub.add_parser("public", help="print the public key of a private key file")
        show.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "generate":
                private = PrivateKey.generate()
                archive_seal.write_private(Path(options["out"]), private)
                self.stderr.write(f"Wrote the backup private key to {options['out']} (mode 0600). Move it "
                                  "offline, apart from the backups and from this server; `cluedesk restore "
                                  "--backup-key FILE` needs it, and without it no encrypted backup opens.")
            else:
                private = archive_seal.load_private(Path(options["file"]))
        except archive_seal.SealError as exc:
            raise CommandError(str(exc)) from None
        public = private.public_key
        self.stderr.write(f"Backup key fingerprint: {archive_seal.fingerprint(public)}. On the nodes that run "
                          f"`cluedesk backup`, set {archive_seal.PUBLIC_ENV} to the line below.")
        self.stdout.write(bytes(public).hex())
