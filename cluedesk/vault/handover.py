"""Handing a new custodian passphrase to a person, never to a log.

A passphrase goes to the output only when the output is a terminal (someone is reading it).
Under a service manager, a pipe or a redirect the output is a log on the same host as the
database and the sealed identities, so the passphrase goes instead to ``custodian-passphrase.txt``
(mode 0600) in the keys folder, and the output says where. That file must not stay: once it is a
day old, `cluedesk serve` refuses to start beside it until it has been moved offline and deleted.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

from cluedesk.platform.privatefiles import write_new

from . import sealing

HANDOVER_FILE = "custodian-passphrase.txt"
STALE_AFTER_SECONDS = 24 * 3600


class Output(Protocol):
    def isatty(self) -> bool: ...


class HandoverPending(Exception):
    """An earlier passphrase file is still in the keys folder; the message says what to do."""


def handover_path() -> Path:
    return sealing.keys_dir() / HANDOVER_FILE


def pending() -> Path | None:
    path = handover_path()
    return path if path.exists() else None


def check_can_hand_over(output: Output) -> None:
    """Before making a passphrase: refuse if it could reach neither a terminal nor a new file."""
    path = pending()
    if not output.isatty() and path is not None:
        raise HandoverPending(
            f"{path} still holds an earlier custodian passphrase. Move it offline (to the custodian) and "
            "delete the file, or run this command on a terminal.")


def hand_over(passphrase: str, output: Output, *, what: str) -> list[str]:
    """Lines to print: the passphrase itself on a terminal; otherwise where it was written."""
    if output.isatty():
        return [f"  {what} (shown once, keep it offline): {passphrase}"]
    path = handover_path()
    try:
        write_new(path, f"{what}: {passphrase}\n")
    except FileExistsError:
        raise HandoverPending(f"{path} already exists; move it offline and delete it first.") from None
    return [f"  {what}: not printed (the output is not a terminal); written to",
            f"    {path} (readable by this user only).",
            "  Give it to the custodian, keep it offline, and delete the file: after a day `cluedesk serve`",
            "  refuses to start while it is there."]


def stale() -> Path | None:
    """The passphrase file, if it has been beside the keys for a day or more."""
    path = handover_path()
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        return None
    return path if time.time() - written >= STALE_AFTER_SECONDS else None


def stale_message(path: Path) -> str:
    return (f"Refusing to start: {path} holds a custodian passphrase and was written more than a day ago. "
            "A passphrase kept beside the keys it unlocks and the database protects nothing. Move it offline "
            "(give it to the custodian), delete the file, then start again.")
