"""`cluedesk ledger verify|head|checkpoint|public-key`.

verify      walk the hash chain, check every signed checkpoint against it, and each
            ``--expect SEQ:HASH`` (a line printed by ``ledger head`` and kept elsewhere);
            exits non-zero naming the first bad event.
head        print the latest signed checkpoint, one line, to keep somewhere this server cannot
            write (print it in bulletins, mail it to another office).
checkpoint  sign a checkpoint now (the worker does it every N events or M minutes).
public-key  print the checkpoint signing key's public half (hex), for verifying ``head`` lines.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.ledger import checkpoints, keys
from cluedesk.ledger.services import verify

EXPECT = re.compile(r"^(\d+):([0-9a-f]{64})$")


def parse_expect(text: str) -> tuple[int, str]:
    """``SEQ:HASH``, or a whole ``ledger head`` line (its first word)."""
    word = (text.split() or [""])[0].lower()
    match = EXPECT.match(word)
    if match is None or int(match.group(1)) < 1:
        raise CommandError(f"--expect takes SEQ:HASH (an event number, a colon, 64 hex characters), "
                           f"as printed by `cluedesk ledger head`; got {text!r}")
    return int(match.group(1)), match.group(2)


class Command(BaseCommand):
    help = "Ledger operations: verify, head, checkpoint, public-key"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "head", "checkpoint", "public-key"])
        parser.add_argument("--expect", action="append", default=[], metavar="SEQ:HASH",
                            help="verify: the chain must still hold event SEQ with hash HASH (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if options["expect"] and action != "verify":
            raise CommandError("--expect goes with `ledger verify` only")
        if action == "verify":
            self.verify([parse_expect(text) for text in options["expect"]])
        elif action == "head":
            latest = checkpoints.latest()
            if latest is None:
                raise CommandError("no signed checkpoint yet: the worker signs one every "
                                   "CLUEDESK_LEDGER_CHECKPOINT_EVENTS events or _MINUTES minutes, "
                                   "or run `cluedesk ledger checkpoint`")
            self.stdout.write(latest.line())
        elif action == "checkpoint":
            try:
                signed = checkpoints.sign(force=True)
            except (checkpoints.CheckpointRefused, keys.SigningKeyError) as exc:
                raise CommandError(str(exc)) from exc
            if signed is None:
                latest = checkpoints.latest()
                self.stdout.write("nothing new to sign" + (f"; latest: {latest.line()}" if latest else ""))
            else:
                self.stdout.write(signed.line())
        else:
            try:
                public = keys.verify_key()
            except keys.SigningKeyError as exc:
                raise CommandError(str(exc)) from exc
            if public is None:
                raise CommandError(f"no ledger signing key yet ({keys.key_path()}); "
                                   "it is made with the first checkpoint")
            self.stdout.write(f"{bytes(public).hex()} key={keys.key_id(public)}")

    def verify(self, expect: list[tuple[int, str]]) -> None:
        result = verify(expect)
        if not result.ok:
            raise CommandError(json.dumps({
                "ok": False, "checked": result.checked, "first_bad_event": result.bad_seq, "reason": result.reason,
                "problems": result.problems, "warnings": result.warnings}, ensure_ascii=False))
        out: dict[str, Any] = {"ok": True, "checked": result.checked, "checkpoints": result.checkpoints_checked,
                               "latest_checkpoint": f"{result.latest.seq}:{result.latest.hash}" if result.latest else None}
        if expect:
            out["expected"] = len(expect)
        if result.warnings:
            out["warnings"] = result.warnings
        self.stdout.write(json.dumps(out, ensure_ascii=False))
