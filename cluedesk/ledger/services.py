"""Writing and verifying the ledger.

``record`` is called by every state-changing service inside that service's transaction, so
that a change and its event commit together or not at all (Zulip's RealmAuditLog habit).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from . import checkpoints
from .chain import GENESIS, ChainBroken, canonical, event_hash, walk
from .models import Event, Head


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
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checkpoints_checked: int = 0
    latest: checkpoints.Signed | None = None


def _events() -> Iterator[Event]:
    return Event.objects.order_by("seq").iterator(chunk_size=2000)


def verify(expect: Iterable[tuple[int, str]] = ()) -> VerifyResult:
    """Walk the chain from the start and name the first event whose link or content was changed;
    check it against every signed checkpoint (a rewritten tail, a recomputed chain, events cut off
    the end) and against each ``(seq, hash)`` in ``expect`` kept elsewhere."""
    anchors = checkpoints.load()
    expected = dict(expect)
    found: list[tuple[int | None, str]] = []  # (first bad seq, sentence), the chain's own first
    later: list[tuple[int | None, str]] = list(anchors.problems)
    checked, prev, good = 0, GENESIS, 0
    try:
        for ev in walk(_events()):
            anchor = anchors.by_seq.get(ev.seq)
            if anchor is not None:
                if anchor.hash != ev.hash:
                    since = f"after checkpoint #{good}" if good else "from its first event"
                    raise ChainBroken(good + 1, (
                        f"event #{ev.seq} has hash {ev.hash[:16]}… but checkpoint #{ev.seq} (signed {anchor.at}) "
                        f"says {anchor.hash[:16]}…: the chain was rewritten {since} and its hashes recomputed"))
                good = ev.seq
            want = expected.get(ev.seq)
            if want is not None and want != ev.hash:
                later.append((ev.seq, f"event #{ev.seq} has hash {ev.hash[:16]}…, not the expected {want[:16]}…"))
            prev, checked = ev.hash, checked + 1
    except ChainBroken as exc:
        found.append((exc.seq, exc.reason))
    else:
        head = Head.objects.filter(pk=1).first()
        if head is not None and head.seq != checked:
            found.append((checked + 1, f"the chain ends at #{checked} but its head says #{head.seq}"))
        elif head is not None and head.hash != prev:
            found.append((checked, f"event #{checked} is not the event the head points to (its hash was "
                                   "recomputed after it was changed)"))
        beyond = [seq for seq in anchors.by_seq if seq > checked]
        if beyond:
            top = anchors.by_seq[max(beyond)]
            found.append((checked + 1, (
                f"the chain ends at #{checked} but checkpoint #{top.seq} (signed {top.at}) vouches for "
                f"event #{top.seq}: events #{checked + 1}–#{top.seq} at least were removed")))
        for seq in sorted(s for s in expected if s > checked):
            later.append((checked + 1, f"the chain ends at #{checked}: the expected event #{seq} is not in it"))
    problems = found + later
    newest = max(anchors.by_seq.values(), key=lambda a: a.seq, default=None)
    if problems:
        return VerifyResult(False, checked, problems[0][0], problems[0][1], [text for _s, text in problems],
                            anchors.warnings, len(anchors.by_seq), newest)
    return VerifyResult(True, checked, warnings=anchors.warnings, checkpoints_checked=len(anchors.by_seq), latest=newest)


def timeline(subject_type: str, subject_id: str | int) -> list[Event]:
    return list(Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("seq"))


__all__ = ["Actor", "record", "verify", "timeline", "VerifyResult", "transaction"]
