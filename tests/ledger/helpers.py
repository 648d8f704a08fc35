"""Writing a small chain, and tampering with it the way someone with database access would."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cluedesk.ledger.chain import event_hash
from cluedesk.ledger.models import Event, Head
from cluedesk.ledger.services import Actor, record


def write(n: int) -> None:
    for _ in range(n):
        i = Event.objects.count()
        with transaction.atomic():
            record("test.touched", actor=Actor.system("test"), subject_type="thing", subject_id=i,
                   data={"i": i, "名": "张三"})


def recomputed(ev: Event) -> str:
    """The hash the app itself would give ``ev`` as it now stands (its own prev_hash)."""
    return event_hash(ev.prev_hash, ev.seq, ev.created_at, ev.actor_kind, ev.actor_id, ev.verb,
                      ev.subject_type, ev.subject_id, ev.data)


def edit(at: int, *, recompute: bool = False, **changes: Any) -> None:
    """Change fields of event ``at``; with ``recompute`` also give it the hash its new content hashes to."""
    Event.objects.filter(seq=at).update(**changes)
    if recompute:
        ev = Event.objects.get(seq=changes.get("seq", at))
        Event.objects.filter(pk=ev.pk).update(hash=recomputed(ev))


def rewrite_from(seq: int, **changes: Any) -> None:
    """Edit event ``seq`` and recompute every later link and hash, and the head: a full rewrite."""
    Event.objects.filter(seq=seq).update(**changes)
    prev = Event.objects.get(seq=seq).prev_hash
    for ev in Event.objects.filter(seq__gte=seq).order_by("seq"):
        ev.prev_hash = prev
        ev.hash = recomputed(ev)
        Event.objects.filter(pk=ev.pk).update(prev_hash=ev.prev_hash, hash=ev.hash)
        prev = ev.hash
    Head.objects.filter(pk=1).update(hash=prev)


def truncate_to(seq: int) -> None:
    """Delete the events after ``seq`` and move the head back onto ``seq``."""
    Event.objects.filter(seq__gt=seq).delete()
    last = Event.objects.get(seq=seq)
    Head.objects.filter(pk=1).update(seq=seq, hash=last.hash)


def reset() -> None:
    """An empty ledger again (for a test that first shows an attack on a chain without checkpoints)."""
    Event.objects.all().delete()
    Head.objects.all().delete()
