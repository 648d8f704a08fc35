"""`cluedesk content-keys status|reencrypt|rotate|retire`: the keys what people write is sealed with.

* ``status``: the content key ids (current first), the index key's fingerprint, rows not yet
  sealed under the current key, and which keys rows are sealed under.
* ``reencrypt``: seal clear rows (written before encryption at rest) and rows under an older
  key, in batches; stop it at any time and run it again.
* ``rotate``: add a new current key, then reencrypt. The old key stays on the ring until
  ``retire``.
* ``retire``: drop the old keys — refused while any row is still sealed under one of them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.vault import content, reencrypt


class Command(BaseCommand):
    help = "Content keys: status, reencrypt (resumable), rotate, retire."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "reencrypt", "rotate", "retire"])
        parser.add_argument("--batch", type=int, default=reencrypt.BATCH, help="rows per transaction")
        parser.add_argument("--limit", type=int, default=None, help="stop after this many rows (resume later)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        try:
            if action == "status":
                self._status()
            elif action == "reencrypt":
                self._reencrypt(options)
            elif action == "rotate":
                kid = content.add_content_key()
                self.stdout.write(f"new current content key {kid}; sealing every row under it")
                self._reencrypt(options)
            else:
                self._retire()
        except content.KeyProblem as exc:
            raise CommandError(str(exc)) from None

    def _status(self) -> None:
        fps = content.fingerprints()
        self.stdout.write(f"content keys (current first): {fps['content.keys']}")
        self.stdout.write(f"index key fingerprint: {fps['index.key']}")
        used = reencrypt.in_use()
        self.stdout.write(f"rows are sealed under: {', '.join(sorted(used)) or 'no key yet'}")
        left = reencrypt.pending()
        if left:
            for label, n in sorted(left.items()):
                self.stdout.write(f"not yet under the current key: {label} {n}")
        else:
            self.stdout.write("every row is sealed under the current key")

    def _reencrypt(self, options: dict[str, Any]) -> None:
        done = reencrypt.run(batch=options["batch"], limit=options["limit"],
                             progress=lambda line: self.stdout.write(line) if options["verbosity"] > 1 else None)
        self.stdout.write(f"sealed {done.total} rows" + "".join(f"; {k} {n}" for k, n in sorted(done.rows.items())))
        if done.pending:
            self.stdout.write("still to do (run again): " + ", ".join(f"{k} {n}" for k, n in sorted(done.pending.items())))

    def _retire(self) -> None:
        used = reencrypt.in_use()
        current = content.key_id_of(content.keyring().current).hex()
        old = used - {current}
        if old:
            raise CommandError(f"rows are still sealed under {', '.join(sorted(old))}: run "
                               "`cluedesk content-keys reencrypt` first")
        dropped = content.drop_content_keys(set())
        self.stdout.write(f"dropped {dropped} old content key(s); {current} is the only one")
