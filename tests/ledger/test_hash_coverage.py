"""What an event's hash covers, computed here by hand rather than with the app's own function.

Tamper tests that recompute hashes with ``chain.event_hash`` agree with the app whatever it covers;
this one writes the formula down (docs/architecture.md: SHA-256 over the previous hash and a
canonical JSON of seq, time, actor, verb, subject and data), so leaving a field out of the hash
fails here even if every other test still agrees with itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from cluedesk.ledger.chain import GENESIS, event_hash
from cluedesk.ledger.models import Event

from .helpers import write

pytestmark = pytest.mark.django_db


def by_hand(prev: str, ev: Event) -> str:
    body = json.dumps({"seq": ev.seq, "at": ev.created_at.isoformat(), "actor": [ev.actor_kind, ev.actor_id],
                       "verb": ev.verb, "subject": [ev.subject_type, ev.subject_id], "data": ev.data},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev.encode() + body.encode()).hexdigest()


def test_every_written_event_carries_the_hash_of_the_formula() -> None:
    write(3)
    prev = GENESIS
    for ev in Event.objects.order_by("seq"):
        assert ev.prev_hash == prev
        assert ev.hash == by_hand(prev, ev)
        prev = ev.hash


BASE = dict(prev_hash=GENESIS, seq=1, created_at=dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            actor_kind="staff", actor_id="7", verb="clue.assign", subject_type="clue", subject_id="C-1",
            data={"unit": 3})


@pytest.mark.parametrize(("field", "other"), [
    ("prev_hash", "1" * 64), ("seq", 2), ("created_at", BASE["created_at"] + dt.timedelta(microseconds=1)),
    ("actor_kind", "system"), ("actor_id", "8"), ("verb", "clue.reassign"), ("subject_type", "report"),
    ("subject_id", "C-2"), ("data", {"unit": 4}),
])
def test_each_field_changes_the_hash(field: str, other: object) -> None:
    assert event_hash(**{**BASE, field: other}) != event_hash(**BASE)  # type: ignore[arg-type]


def test_the_known_answer() -> None:
    """One event's hash, fixed: a change to the formula (and so to every stored hash) shows here."""
    assert event_hash(**BASE) == hashlib.sha256(GENESIS.encode() + (
        b'{"actor":["staff","7"],"at":"2031-01-02T03:04:05+00:00","data":{"unit":3},"seq":1,'
        b'"subject":["clue","C-1"],"verb":"clue.assign"}')).hexdigest()  # type: ignore[arg-type]
