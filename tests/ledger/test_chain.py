from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, record, verify

pytestmark = pytest.mark.django_db


def write(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            record("test.touched", actor=Actor.system("test"), subject_type="thing", subject_id=i, data={"i": i, "名": "张三"})


def test_it_verifies_an_intact_chain() -> None:
    write(5)
    result = verify()
    assert result.ok and result.checked == 5


def test_it_names_the_first_event_edited_by_hand() -> None:
    write(5)
    Event.objects.filter(seq=3).update(data={"i": 99})
    result = verify()
    assert not result.ok and result.bad_seq == 3


def test_it_notices_a_deleted_event() -> None:
    write(5)
    Event.objects.filter(seq=2).delete()
    result = verify()
    assert not result.ok and result.bad_seq == 2


def test_it_notices_a_truncated_tail() -> None:
    write(4)
    Event.objects.filter(seq=4).delete()
    assert not verify().ok


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        record("x", actor=Actor.system(), subject_type="t", subject_id=1)


def test_command_exits_nonzero_naming_the_event() -> None:
    write(3)
    call_command("ledger", "verify")
    Event.objects.filter(seq=2).update(verb="tampered")
    with pytest.raises(CommandError, match='"first_bad_event": 2'):
        call_command("ledger", "verify")


def test_an_event_rolled_back_with_its_change_leaves_no_trace() -> None:
    write(1)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record("x", actor=Actor.system(), subject_type="t", subject_id=1)
        1 / 0  # noqa: B018
    assert Event.objects.count() == 1 and verify().ok
