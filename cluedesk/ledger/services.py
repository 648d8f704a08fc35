"""Writing and verifying the ledger.

``record`` is called by every state-changing service inside that service's transaction, so
that a change and its event commit together or not at all (Zulip's RealmAuditLog habit).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import Event, Head

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member, the anonymous reporter, a channel integration or the system."""

    kind: str
    id: str = ""

    @classmethod
    def staff(cls, user: Any) -> Actor:
        return cls("staff", str(user.pk))

    @classmethod
    def reporter(cls) -> Actor:
        return cls("reporter", "")

    @classmethod
    def channel(cls, name: str) -> Actor:
        return cls("channel", name)

    @classmethod
    def system(cls, job: str = "system") -> Actor:
        return cls("system", job)


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(prev_hash: str, seq: int, created_at: datetime, actor_kind: str, actor_id: str,
               verb: str, subject_type: str, subject_id: str, data: dict[str, Any]) -> str:
    body = canonical({
        "seq": seq, "at": created_at.isoformat(), "actor": [actor_kind, actor_id], "verb": verb,
        "subject": [subject_type, subject_id], "data": data,
    })
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def record(verb: str, *, actor: Actor, subject_type: str, subject_id: str | int,
           data: dict[str, Any] | None = None) -> Event:
    """Append one event; must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("ledger.record must be called inside the service's transaction")
    data = json.loads(canonical(data or {}))  # store exactly what was hashed
    head = Head.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = Head.objects.create(pk=1)
    seq = head.seq + 1
    now = timezone.now()
    digest = event_hash(head.hash, seq, now, actor.kind, actor.id, verb, subject_type, str(subject_id), data)
    event = Event.objects.create(
        seq=seq, created_at=now, actor_kind=actor.kind, actor_id=actor.id, verb=verb,
        subject_type=subject_type, subject_id=str(subject_id), data=data, prev_hash=head.hash, hash=digest,
    )
    Head.objects.filter(pk=1).update(seq=seq, hash=digest)
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def _events() -> Iterator[Event]:
    return Event.objects.order_by("seq").iterator(chunk_size=2000)


def verify() -> VerifyResult:
    """Walk the chain from the start; name the first event whose link or content was changed."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for ev in _events():
        if ev.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"event #{expected_seq} is missing (found #{ev.seq})")
        if ev.prev_hash != prev:
            return VerifyResult(False, checked, ev.seq, f"event #{ev.seq} does not link to the event before it")
        digest = event_hash(prev, ev.seq, ev.created_at, ev.actor_kind, ev.actor_id, ev.verb,
                            ev.subject_type, ev.subject_id, ev.data)
        if digest != ev.hash:
            return VerifyResult(False, checked, ev.seq, f"event #{ev.seq} ({ev.verb}) was changed after it was written")
        prev, expected_seq, checked = ev.hash, expected_seq + 1, checked + 1
    head = Head.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(False, checked, checked + 1, f"the chain ends at #{checked} but its head says #{head.seq}")
    return VerifyResult(True, checked)


def timeline(subject_type: str, subject_id: str | int) -> list[Event]:
    return list(Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("seq"))


__all__ = ["Actor", "record", "verify", "timeline", "VerifyResult", "transaction"]
