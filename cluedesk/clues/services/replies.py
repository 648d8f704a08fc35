"""The reporter's replies, read by those who handle the clue (not a verb: the version stays)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from cluedesk.ledger.services import Actor, record

from ..models import Clue
from ..workbench import unread_messages


def mark_replies_read(clue: Clue, *, acting_user: Any) -> int:
    """Someone who handles the clue opened it: the reporter's messages so far are read. Returns
    how many were unread (0: nothing written). Not a verb: the clue's version stays, so forms
    open elsewhere are not made stale by a reading."""
    with transaction.atomic(durable=True):
        locked = Clue.objects.select_for_update().get(pk=clue.pk)
        unread = unread_messages(locked).count()
        if not unread:
            return 0
        now = timezone.now()
        Clue.objects.filter(pk=clue.pk).update(replies_seen_at=now)
        record("clue.replies_read", actor=Actor.staff(acting_user), subject_type="clue", subject_id=clue.public_id,
               data={"replies": unread})
    return unread
