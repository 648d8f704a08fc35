"""The hash chain itself: what an event's hash covers, and one walk that checks the links.

Every event's hash is SHA-256 over the previous event's hash and a canonical JSON of its sequence
number, time, actor, verb, subject and data. ``walk`` is the single place that checks a run of
events: no gap in the sequence, each ``prev_hash`` equal to the hash of the event before it, and
each hash equal to the one recomputed from the event's fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from .models import Event

GENESIS = "0" * 64


class ChainBroken(Exception):
    """The chain is broken at ``seq``; ``reason`` says how, in a sentence."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(prev_hash: str, seq: int, created_at: datetime, actor_kind: str, actor_id: str,
               verb: str, subject_type: str, subject_id: str, data: dict[str, Any]) -> str:
    body = canonical({
        "seq": seq, "at": created_at.isoformat(), "actor": [actor_kind, actor_id], "verb": verb,
        "subject": [subject_type, subject_id], "data": data,
    })
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def hash_of(ev: Event, prev_hash: str) -> str:
    """The hash ``ev`` must carry when it follows an event whose hash is ``prev_hash``."""
    return event_hash(prev_hash, ev.seq, ev.created_at, ev.actor_kind, ev.actor_id, ev.verb,
                      ev.subject_type, ev.subject_id, ev.data)


def walk(events: Iterable[Event], *, start_seq: int = 1, prev_hash: str = GENESIS) -> Iterator[Event]:
    """Yield each event of ``events`` (ordered by seq) once its link and hash are checked; raise
    ChainBroken at the first gap, broken link or changed event."""
    expected, prev = start_seq, prev_hash
    for ev in events:
        if ev.seq != expected:
            raise ChainBroken(expected, f"event #{expected} is missing (found #{ev.seq})")
        if ev.prev_hash != prev:
            raise ChainBroken(ev.seq, f"event #{ev.seq} does not link to the event before it")
        if hash_of(ev, prev) != ev.hash:
            raise ChainBroken(ev.seq, f"event #{ev.seq} ({ev.verb}) was changed after it was written")
        yield ev
        prev, expected = ev.hash, expected + 1
