"""Tampering with every hashed field, the first, a middle and the last event — with and without
recomputing the changed event's hash with the app's own function.

The ledger audit found every earlier test tampered without recomputing, so removing the
``prev_hash`` comparison, the actor from the hash, or the head's hash comparison failed nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cluedesk.ledger.chain import GENESIS
from cluedesk.ledger.models import Event, Head
from cluedesk.ledger.services import verify

from .helpers import edit, write

pytestmark = pytest.mark.django_db

LAST = 5


def changes(seq: int) -> dict[str, dict]:
    """One change per hashed field of event ``seq`` (each differs from what was written)."""
    ev = Event.objects.get(seq=seq)
    return {
        "created_at": {"created_at": ev.created_at + dt.timedelta(seconds=1)},
        "actor_kind": {"actor_kind": "staff"},
        "actor_id": {"actor_id": "42"},
        "verb": {"verb": "test.other"},
        "subject_type": {"subject_type": "other"},
        "subject_id": {"subject_id": "999"},
        "data": {"data": {"i": 99, "名": "张三"}},
        "data_one_value_inside": {"data": {"i": seq - 1, "名": "李四"}},
    }


FIELDS = ["created_at", "actor_kind", "actor_id", "verb", "subject_type", "subject_id", "data",
          "data_one_value_inside"]


@pytest.mark.parametrize("seq", [1, 3, LAST])
@pytest.mark.parametrize("field", FIELDS)
def test_a_changed_field_is_named_at_its_event(seq: int, field: str) -> None:
    write(LAST)
    edit(seq, **changes(seq)[field])
    result = verify()
    assert not result.ok
    assert result.bad_seq == seq and "changed after it was written" in result.reason


@pytest.mark.parametrize("seq", [1, 3])
@pytest.mark.parametrize("field", FIELDS)
def test_a_changed_field_with_its_hash_recomputed_breaks_the_next_link(seq: int, field: str) -> None:
    write(LAST)
    edit(seq, recompute=True, **changes(seq)[field])
    result = verify()
    assert not result.ok
    assert result.bad_seq == seq + 1 and "does not link" in result.reason


@pytest.mark.parametrize("field", FIELDS)
def test_the_last_event_changed_with_its_hash_recomputed_no_longer_matches_the_head(field: str) -> None:
    write(LAST)
    edit(LAST, recompute=True, **changes(LAST)[field])
    result = verify()
    assert not result.ok
    assert result.bad_seq == LAST and "head points to" in result.reason


@pytest.mark.parametrize("seq", [1, 3, LAST])
def test_a_changed_prev_hash_is_a_broken_link(seq: int) -> None:
    write(LAST)
    edit(seq, prev_hash="f" * 64)
    result = verify()
    assert not result.ok and result.bad_seq == seq and "does not link" in result.reason


@pytest.mark.parametrize("seq", [1, 3, LAST])
def test_a_changed_prev_hash_with_the_hash_recomputed_is_a_broken_link(seq: int) -> None:
    write(LAST)
    edit(seq, recompute=True, prev_hash="f" * 64)
    result = verify()
    assert not result.ok and result.bad_seq == seq and "does not link" in result.reason


@pytest.mark.parametrize("seq", [1, 3, LAST])
def test_a_changed_hash_is_named(seq: int) -> None:
    write(LAST)
    edit(seq, hash="e" * 64)
    result = verify()
    assert not result.ok and result.bad_seq == seq


@pytest.mark.parametrize("seq", [1, 3, LAST])
def test_a_renumbered_event_leaves_a_gap(seq: int) -> None:
    write(LAST)
    edit(seq, seq=100 + seq)
    result = verify()
    assert not result.ok and result.bad_seq == seq and "missing" in result.reason


def test_the_first_event_must_link_to_the_genesis_value() -> None:
    write(2)
    assert Event.objects.get(seq=1).prev_hash == GENESIS
    edit(1, recompute=True, prev_hash="1" * 64)
    edit(2, recompute=True, prev_hash=Event.objects.get(seq=1).hash)
    Head.objects.filter(pk=1).update(hash=Event.objects.get(seq=2).hash)
    result = verify()
    assert not result.ok and result.bad_seq == 1


def test_a_head_moved_past_the_chain_or_back_is_noticed() -> None:
    write(LAST)
    Head.objects.filter(pk=1).update(seq=LAST + 1)
    assert not verify().ok
    Head.objects.filter(pk=1).update(seq=LAST, hash=Event.objects.get(seq=LAST - 1).hash)
    result = verify()
    assert not result.ok and result.bad_seq == LAST


def test_an_untouched_chain_verifies() -> None:
    write(LAST)
    result = verify()
    assert result.ok and result.checked == LAST and result.problems == []
