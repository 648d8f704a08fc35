"""Signed checkpoints of the ledger (Certificate Transparency's signed tree heads are the model).

The hash chain alone cannot show a rewrite of its own tail: whoever can write the database can
delete the newest events and move the head back, or edit an event and recompute every later hash
with ``event_hash``. So every ``CLUEDESK_LEDGER_CHECKPOINT_EVENTS`` events or
``CLUEDESK_LEDGER_CHECKPOINT_MINUTES`` minutes the worker signs, with an Ed25519 key kept outside
the database (cluedesk/ledger/keys.py), the statement

    cluedesk-ledger-checkpoint/v1 \\n SEQ \\n HASH \\n TIME

("event #SEQ has hash HASH, as of TIME"). Each checkpoint is stored twice: a ``Checkpoint`` row,
and a line appended to ``ledger-checkpoints.jsonl`` in the keys folder, so deleting rows is
noticed. ``verify`` (cluedesk/ledger/services.py) checks each signature and that the chain still
carries each checkpoint's hash at its place. ``cluedesk ledger head`` prints the latest one as a
line to keep elsewhere (a bulletin, a mail to another office): with that line a later verifier
needs nothing from this server to notice a rewrite, even by someone who holds the signing key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.exceptions
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from nacl.signing import VerifyKey

from . import keys
from .chain import GENESIS, ChainBroken, walk
from .models import Checkpoint, Event, Head

LOG_FILE = "ledger-checkpoints.jsonl"
CONTEXT = b"cluedesk-ledger-checkpoint/v1\n"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class CheckpointRefused(RuntimeError):
    """The worker will not sign: the chain since the last checkpoint does not verify."""


@dataclass(frozen=True)
class Signed:
    """One signed checkpoint, as stored in the table, in the log file and in ``ledger head``."""

    seq: int
    hash: str
    at: str  # UTC, TIME_FORMAT
    key_id: str
    signature: str  # base64

    def message(self) -> bytes:
        return message(self.seq, self.hash, self.at)

    def line(self) -> str:
        """One line for keeping elsewhere; its first word is what ``ledger verify --expect`` takes."""
        return f"{self.seq}:{self.hash} {self.at} key={self.key_id} sig={self.signature}"

    def as_json(self) -> str:
        return json.dumps({"seq": self.seq, "hash": self.hash, "at": self.at, "key": self.key_id,
                           "sig": self.signature}, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_row(cls, row: Checkpoint) -> Signed:
        return cls(row.seq, row.hash, format_time(row.signed_at), row.key_id, row.signature)

    @classmethod
    def from_json(cls, text: str) -> Signed:
        doc: Any = json.loads(text)
        if not isinstance(doc, dict) or set(doc) != {"seq", "hash", "at", "key", "sig"}:
            raise ValueError("not a checkpoint")
        if not isinstance(doc["seq"], int) or not all(isinstance(doc[k], str) for k in ("hash", "at", "key", "sig")):
            raise ValueError("not a checkpoint")
        return cls(doc["seq"], doc["hash"], doc["at"], doc["key"], doc["sig"])


def message(seq: int, head_hash: str, at: str) -> bytes:
    """Exactly the bytes that are signed."""
    return CONTEXT + f"{seq}\n{head_hash}\n{at}\n".encode()


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=dt.UTC)


def log_path() -> Path:
    return keys.keys_dir() / LOG_FILE


def problem_with(signed: Signed, key: VerifyKey) -> str | None:
    """Why ``signed`` is not a good signature by ``key``; None when it is."""
    if signed.key_id != keys.key_id(key):
        return (f"checkpoint #{signed.seq} was signed by key {signed.key_id}, not by this deployment's "
                f"ledger signing key {keys.key_id(key)}")
    try:
        key.verify(signed.message(), base64.b64decode(signed.signature, validate=True))
    except (nacl.exceptions.BadSignatureError, ValueError):
        return f"checkpoint #{signed.seq} (signed {signed.at}) has a bad signature"
    return None


# ---- the log file ------------------------------------------------------------------------------

def _append(signed: Signed) -> None:
    fd = os.open(log_path(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as fh:
        fh.write(signed.as_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_log() -> tuple[list[Signed], list[str]]:
    """The checkpoints in the log file, and a sentence for each line that is not one."""
    path = log_path()
    if not path.exists():
        return [], []
    out: list[Signed] = []
    bad: list[str] = []
    with path.open(encoding="ascii", errors="replace") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                out.append(Signed.from_json(text))
            except ValueError:
                bad.append(f"line {number} of {path} is not a checkpoint")
    return out, bad


def _last_logged() -> Signed | None:
    """The last checkpoint in the log file, read from its end (the worker runs this every minute)."""
    path = log_path()
    if not path.exists():
        return None
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        fh.seek(max(0, fh.tell() - 4096))
        tail = fh.read().decode("ascii", errors="replace").splitlines()
    for text in reversed(tail):
        try:
            return Signed.from_json(text)
        except ValueError:
            continue
    return None


# ---- signing -----------------------------------------------------------------------------------

def latest() -> Signed | None:
    """The newest checkpoint, from the table or the log file, whichever is further along."""
    row = Checkpoint.objects.order_by("-seq").first()
    candidates = [c for c in (Signed.from_row(row) if row else None, _last_logged()) if c is not None]
    return max(candidates, key=lambda c: c.seq) if candidates else None


def sign(now: dt.datetime | None = None, *, force: bool = False) -> Signed | None:
    """Sign the chain's head if it moved and a checkpoint is due (or ``force``); None otherwise.

    Before signing, the events since the last checkpoint are checked to link on to it, so a
    checkpoint never vouches for a chain that was already changed."""
    now = now or timezone.now()
    head = Head.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    key = keys.signing_key()
    last = latest()
    start, prev = 1, GENESIS
    if last is not None:
        if (trouble := problem_with(last, key.verify_key)) is not None:
            raise CheckpointRefused(f"not signing: {trouble}; run `cluedesk ledger verify`")
        if head.seq < last.seq:
            raise CheckpointRefused(f"not signing: the chain ends at #{head.seq} but checkpoint #{last.seq} "
                                    "was signed before; run `cluedesk ledger verify`")
        if head.seq == last.seq:
            return None
        every = dt.timedelta(minutes=settings.CLUEDESK_LEDGER_CHECKPOINT_MINUTES)
        if not force and head.seq - last.seq < settings.CLUEDESK_LEDGER_CHECKPOINT_EVENTS \
                and now - parse_time(last.at) < every:
            return None
        anchor = Event.objects.filter(seq=last.seq).values_list("hash", flat=True).first()
        if anchor != last.hash:
            raise CheckpointRefused(f"not signing: event #{last.seq} no longer has the hash its checkpoint "
                                    "signed; run `cluedesk ledger verify`")
        start, prev = last.seq + 1, last.hash
    events = Event.objects.filter(seq__gte=start, seq__lte=head.seq).order_by("seq").iterator(chunk_size=2000)
    tip: Event | None = None
    try:
        for tip in walk(events, start_seq=start, prev_hash=prev):  # noqa: B007 - we want the last one
            pass
    except ChainBroken as exc:
        raise CheckpointRefused(f"not signing: {exc.reason}; run `cluedesk ledger verify`") from exc
    if tip is None or tip.seq != head.seq or tip.hash != head.hash:
        raise CheckpointRefused(f"not signing: the head (#{head.seq}) is not the chain's last event; "
                                "run `cluedesk ledger verify`")
    at = format_time(now)
    sig = base64.b64encode(key.sign(message(head.seq, head.hash, at)).signature).decode()
    signed = Signed(head.seq, head.hash, at, keys.key_id(key.verify_key), sig)
    with transaction.atomic():
        Checkpoint.objects.create(seq=signed.seq, hash=signed.hash, signed_at=parse_time(at),
                                  key_id=signed.key_id, signature=signed.signature)
        _append(signed)  # inside the transaction: if the file cannot be written, no row either
    return signed


def job(now: dt.datetime) -> dict[str, Any]:
    """The worker's periodic job (registered in cluedesk/ledger/periodic.py)."""
    signed = sign(now)
    return {"signed": None if signed is None else f"{signed.seq}:{signed.hash}"}


# ---- what a verifier checks --------------------------------------------------------------------

@dataclass
class Anchors:
    """The checkpoints whose signature holds, by seq, and what is wrong with the others."""

    by_seq: dict[int, Signed] = field(default_factory=dict)
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load() -> Anchors:
    """Every checkpoint from the table and from the log file, signatures checked, the two compared."""
    out = Anchors()
    rows = [Signed.from_row(r) for r in Checkpoint.objects.order_by("seq")]
    logged, bad_lines = read_log()
    out.problems.extend((None, text) for text in bad_lines)
    if not rows and not logged:
        return out
    try:
        key = keys.verify_key()
    except keys.SigningKeyError as exc:
        out.problems.append((None, f"cannot check the checkpoints' signatures: {exc}"))
        return out
    if key is None:
        out.problems.append((None, f"cannot check the checkpoints' signatures: no ledger signing key "
                                   f"({keys.key_path()} or {keys.ENV})"))
        return out
    for signed in (*logged, *rows):
        trouble = problem_with(signed, key)
        if trouble is not None:
            out.problems.append((signed.seq, trouble))
        else:
            out.by_seq.setdefault(signed.seq, signed)
    in_db = {s.seq: s for s in rows}
    for signed in logged:
        row = in_db.get(signed.seq)
        if row is None:
            out.problems.append((signed.seq, f"checkpoint #{signed.seq} (signed {signed.at}) is in {LOG_FILE} "
                                             "but was deleted from the database"))
        elif row != signed:
            out.problems.append((signed.seq, f"checkpoint #{signed.seq} in the database differs from the one "
                                             f"in {LOG_FILE}"))
    in_log = {s.seq for s in logged}
    unlogged = [s.seq for s in rows if s.seq not in in_log]
    if unlogged:
        out.warnings.append(f"{len(unlogged)} checkpoint(s) in the database are not in {log_path()} "
                            f"(first #{unlogged[0]}): restored without the log, or the log was cut")
    return out
