"""`cluedesk keys init|status|add-passphrase|remove-passphrase|rotate|expire`: custodian key operations.

Passphrases are read from the terminal (never from arguments, which end up in shell history)
or, for automation, from the file named by CLUEDESK_CUSTODIAN_PASSPHRASE_FILE.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.ledger.services import Actor
from cluedesk.platform import secrets as envsecrets
from cluedesk.vault import handover, sealing, services


def _passphrase(prompt: str) -> str:
    try:  # the file a secrets store mounts (CLUEDESK_CUSTODIAN_PASSPHRASE_FILE), never the variable itself
        given = envsecrets.source("CLUEDESK_CUSTODIAN_PASSPHRASE")
        if given.value:
            raise CommandError("CLUEDESK_CUSTODIAN_PASSPHRASE is not read (a passphrase is not kept in the "
                               "environment): type it, or name a file with CLUEDESK_CUSTODIAN_PASSPHRASE_FILE")
        if given.path is not None:
            return given.read() or ""
    except envsecrets.SecretError as exc:
        raise CommandError(str(exc)) from None
    return getpass.getpass(prompt)


class Command(BaseCommand):
    help = ("Custodian keys: init (shows the first passphrase once on a terminal, else writes it to a 0600 file "
            "in the keys folder), status, add-passphrase, remove-passphrase (a custodian who leaves), rotate, expire.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "status", "add-passphrase", "remove-passphrase", "rotate",
                                                     "expire"])
        parser.add_argument("--label", default="",
                            help="for add-passphrase and remove-passphrase: whose passphrase it is")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "init":
                if not (sealing.keys_dir() / sealing.PUBLIC_KEY_FILE).exists():
                    handover.check_can_hand_over(self.stdout)
                passphrase = services.init_keys()
                if passphrase is None:
                    self.stdout.write("custodian keys exist already; nothing changed")
                else:
                    self.stdout.write("custodian key pair created. Give the first passphrase to the custodian in "
                                      "person.")
                    for line in handover.hand_over(passphrase, self.stdout, what="first custodian passphrase"):
                        self.stdout.write(line)
            elif action == "status":
                status = sealing.key_status()
                for key in status["keys"]:
                    self.stdout.write(f"key {key['fingerprint']}{' (current)' if key['current'] else ''} {key['created']}")
                self.stdout.write("custodian passphrases: " + ", ".join(status["labels"]))
            elif action == "add-passphrase":
                if not options["label"]:
                    raise CommandError("--label is required (the custodian's name)")
                handover.check_can_hand_over(self.stdout)
                new = services.add_custodian_passphrase(actor=Actor.system("keys"), label=options["label"],
                                                        existing=_passphrase("an existing custodian passphrase: "))
                for line in handover.hand_over(new, self.stdout, what=f"new custodian passphrase for {options['label']}"):
                    self.stdout.write(line)
            elif action == "remove-passphrase":
                if not options["label"]:
                    raise CommandError("--label is required (whose passphrase to remove; `keys status` lists them)")
                # any custodian passphrase that opens the keys, e.g. the one who stays: the leaver's own
                # is not needed, so a hostile custodian can be cut off without their help
                services.remove_custodian_passphrase(actor=Actor.system("keys"), label=options["label"],
                                                     existing=_passphrase("a remaining custodian passphrase: "))
                self.stdout.write(f"custodian passphrase {options['label']!r} removed; left: "
                                  + ", ".join(sealing.key_status()["labels"]))
            elif action == "rotate":
                result = services.rotate_keys(actor=Actor.system("keys"),
                                              passphrase=_passphrase("custodian passphrase: "))
                self.stdout.write(f"new key {result.fingerprint}; re-sealed {result.counts}; "
                                  f"retired keys dropped: {result.retired_dropped}")
            else:
                self.stdout.write(f"expired approvals wiped: {services.expire_disclosures()}")
        except (services.VaultError, handover.HandoverPending) as exc:
            raise CommandError(str(exc)) from exc
