"""Tests written for mutants scripts/mutmut_core.py found alive in cluedesk/ledger (issue 22).

Each expectation is written by hand (the actor kinds and ids as docs/architecture.md and the
ledger's readers expect them), not derived from the code under test.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from cluedesk.ledger.chain import ChainBroken
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, record, timeline

pytestmark = pytest.mark.django_db


def test_the_reporter_is_recorded_as_kind_reporter_with_no_id() -> None:
    actor = Actor.reporter()
    assert (actor.kind, actor.id) == ("reporter", "")


def test_a_channel_is_recorded_as_kind_channel_with_its_name() -> None:
    actor = Actor.channel("wechat")
    assert (actor.kind, actor.id) == ("channel", "wechat")


def test_a_system_job_is_recorded_as_kind_system_with_its_name_or_system() -> None:
    assert (Actor.system("retention").kind, Actor.system("retention").id) == ("system", "retention")
    assert (Actor.system().kind, Actor.system().id) == ("system", "system")


def test_the_actor_reaches_the_stored_event() -> None:
    with transaction.atomic():
        record("test.touched", actor=Actor.channel("wechat"), subject_type="thing", subject_id=1)
    with transaction.atomic():
        record("test.touched", actor=Actor.reporter(), subject_type="thing", subject_id=1)
    assert list(Event.objects.order_by("seq").values_list("actor_kind", "actor_id")) == [
        ("channel", "wechat"), ("reporter", "")]


def test_timeline_is_one_subjects_events_in_order_whatever_the_id_type() -> None:
    for subject_type, subject_id, verb in [("clue", 7, "a"), ("clue", 8, "b"), ("report", 7, "c"),
                                           ("clue", "7", "d"), ("clue", 70, "e")]:
        with transaction.atomic():
            record(f"test.{verb}", actor=Actor.system("test"), subject_type=subject_type, subject_id=subject_id)
    by_int = timeline("clue", 7)
    assert [ev.verb for ev in by_int] == ["test.a", "test.d"]
    assert [ev.seq for ev in by_int] == [1, 4]
    assert [ev.verb for ev in timeline("clue", "7")] == ["test.a", "test.d"]
    assert [ev.verb for ev in timeline("report", 7)] == ["test.c"]
    assert timeline("clue", 9) == []
    assert isinstance(timeline("clue", 7), list)


def test_data_json_cannot_hold_is_stored_as_the_text_that_was_hashed_and_verifies() -> None:
    import datetime as dt
    import uuid
    from decimal import Decimal

    from cluedesk.ledger.services import verify

    when = dt.date(2031, 2, 3)
    ref = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with transaction.atomic():
        ev = record("test.touched", actor=Actor.system("test"), subject_type="thing", subject_id=1,
                    data={"due": when, "amount": Decimal("12.50"), "ref": ref})
    assert ev.data == {"due": "2031-02-03", "amount": "12.50", "ref": "12345678-1234-5678-1234-567812345678"}
    assert Event.objects.get(seq=1).data == ev.data
    assert verify().ok


def test_a_broken_chain_says_how_in_its_message_too() -> None:
    """CheckpointRefused is raised ``from`` ChainBroken: a traceback shows the cause's own text."""
    exc = ChainBroken(3, "event #3 does not link to the event before it")
    assert str(exc) == "event #3 does not link to the event before it"
    assert (exc.seq, exc.reason) == (3, "event #3 does not link to the event before it")


def test_a_chain_rewritten_before_its_first_checkpoint_is_said_to_be_rewritten_from_its_first_event() -> None:
    from cluedesk.ledger import checkpoints
    from cluedesk.ledger.services import verify

    from .helpers import rewrite_from, write

    write(4)
    checkpoints.sign(force=True)
    signed = Event.objects.get(seq=4).hash
    rewrite_from(2, data={"i": 99})
    now = Event.objects.get(seq=4).hash
    result = verify()
    assert not result.ok and result.bad_seq == 1
    assert result.reason.startswith(f"event #4 has hash {now[:16]}… but checkpoint #4 (signed ")
    assert result.reason.endswith(
        f"says {signed[:16]}…: the chain was rewritten from its first event and its hashes recomputed")


def test_a_hash_kept_elsewhere_that_differs_is_named_with_both_16_character_prefixes() -> None:
    from cluedesk.ledger.services import verify

    from .helpers import write

    write(3)
    actual = Event.objects.get(seq=2).hash
    result = verify(expect=[(2, "f" * 64)])
    assert not result.ok and result.bad_seq == 2
    assert result.reason == f"event #2 has hash {actual[:16]}…, not the expected {'f' * 16}…"


def test_a_head_ahead_of_the_chain_names_the_first_missing_event() -> None:
    from cluedesk.ledger.models import Head
    from cluedesk.ledger.services import verify

    from .helpers import write

    write(3)
    Head.objects.filter(pk=1).update(seq=5)
    result = verify()
    assert not result.ok and result.bad_seq == 4
    assert result.reason == "the chain ends at #3 but its head says #5"


def test_the_last_event_rewritten_with_its_hash_recomputed_is_named_against_the_head() -> None:
    from cluedesk.ledger.services import verify

    from .helpers import edit, write

    write(3)
    edit(3, recompute=True, verb="test.softened")
    result = verify()
    assert not result.ok and result.bad_seq == 3
    assert result.reason == ("event #3 is not the event the head points to (its hash was recomputed after it "
                             "was changed)")


def test_events_cut_off_after_a_checkpoint_are_named_and_the_whole_failed_result_is_filled_in() -> None:
    from cluedesk.ledger import checkpoints
    from cluedesk.ledger.services import verify

    from .helpers import truncate_to, write

    write(4)
    checkpoints.sign(force=True)
    write(2)
    truncate_to(2)
    result = verify()
    assert result.ok is False
    assert result.checked == 2
    assert result.bad_seq == 3
    assert result.reason.startswith("the chain ends at #2 but checkpoint #4 (signed ")
    assert result.reason.endswith("vouches for event #4: events #3–#4 at least were removed")
    assert result.problems == [result.reason]
    assert result.warnings == []
    assert result.checkpoints_checked == 1
    assert result.latest is not None and result.latest.seq == 4


def test_an_expected_event_beyond_the_end_is_named_after_the_last_event() -> None:
    from cluedesk.ledger.services import verify

    from .helpers import write

    write(3)
    result = verify(expect=[(5, "a" * 64)])
    assert result.ok is False and result.checked == 3 and result.bad_seq == 4
    assert result.reason == "the chain ends at #3: the expected event #5 is not in it"
