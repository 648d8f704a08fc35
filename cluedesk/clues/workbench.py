"""What waits for each person: the workbench home's counts and the unread mark of reporters'
replies. Every count is a query over ``visible_to`` and links to the clue list filtered the same way
(``views.filtered_clues`` applies the same queue names)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cluedesk.intake.models import Message

from .models import Clue

S = Clue.State
OPEN_STATES = (S.ASSIGNED, S.VERIFYING, S.DRAFTED, S.SIGNED)
DUE_SOON_DAYS = 3
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _seen(ref: Any) -> Coalesce:
    return Coalesce(ref, Value(_EPOCH, output_field=DateTimeField()))


def unread_replies() -> Exists:
    """For ``.annotate(unread=...)``: a message from the reporter of one of the clue's reports
    after the clue was last opened by someone who handles it."""
    return Exists(Message.objects.filter(report__clue=OuterRef("pk"), direction=Message.Direction.FROM_REPORTER,
                                         created_at__gt=_seen(OuterRef("replies_seen_at"))))


def unread_messages(clue: Clue) -> QuerySet[Message]:
    return Message.objects.filter(report__clue=clue, direction=Message.Direction.FROM_REPORTER,
                                  created_at__gt=clue.replies_seen_at or _EPOCH)


def queue_filter(queue: str) -> Q | None:
    """The queues that need no person (the person-bound ones, mine/unit/sign, are in views)."""
    now = timezone.now()
    if queue == "overdue":
        return Q(state__in=OPEN_STATES, deadline__lt=now)
    if queue == "due_soon":
        return Q(state__in=OPEN_STATES, deadline__gte=now, deadline__lt=now + dt.timedelta(days=DUE_SOON_DAYS))
    if queue == "new":
        return Q(state=S.NEW)
    return None


TILES = [
    ("mine", _("Waiting for me")),
    ("new", _("New clues")),
    ("sign", _("Awaiting my signature")),
    ("overdue", _("Overdue")),
    ("due_soon", _("Due within 3 days")),
    ("replies", _("Reporter replies unread")),
]


def home_panel(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    """The counts on the workbench home, each a link to the list filtered the same way."""
    from .views import queue_queryset

    user = request.user
    base = Clue.objects.visible_to(user)
    tiles = []
    for key, label in TILES:
        count = queue_queryset(user, base, key).count()
        tiles.append({"key": key, "label": label, "count": count,
                      "urgent": key in ("overdue", "replies", "sign") and count > 0})
    return "clues/_home_counts.html", {"tiles": tiles}
