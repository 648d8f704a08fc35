"""What waits for each person: the workbench home's counts and the unread mark of reporters'
replies. Every count is a query over ``visible_to`` and links to the clue list filtered the same way
(``queue_queryset``, which the list's tabs use too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cluedesk.intake.models import Message
from cluedesk.org.access import roles_of
from cluedesk.org.models import Membership, Role

from . import workflow
from .conflicts import subtree_ids
from .models import Clue, Signature

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


# --- the queues, person-bound and not ------------------------------------------------------------

def _units(user: Any, *roles: str) -> set[int]:
    qs = Membership.objects.filter(user=user, unit__active=True)
    if roles:
        qs = qs.filter(role__in=roles)
    return set(qs.values_list("unit_id", flat=True))


def _awaiting_signature(user: Any) -> Q:
    units = _units(user, *workflow.SIGNATORY_ROLES)
    if not units:
        return Q(pk__in=[])
    signed = Signature.objects.filter(signer=user, voided=False, conclusion__superseded=False)
    return Q(state=S.DRAFTED, unit__in=subtree_ids(units)) & ~Q(pk__in=signed.values("conclusion__clue_id"))


def _waiting_for_me(user: Any) -> Q:
    roles = roles_of(user)
    q = Q(pk__in=[])
    if Role.INTAKE_REVIEWER in roles:
        q |= Q(state=S.NEW)
    if Role.DISPATCHER in roles:
        q |= Q(state__in=[S.SCREENED, S.SIGNED]) | Q(state=S.VERIFYING, extensions__status="pending")
    if Role.VERIFIER in roles:
        q |= Q(state__in=[S.ASSIGNED, S.VERIFYING], unit__in=_units(user, Role.VERIFIER))
    if Role.SUPERVISOR in roles or Role.AUDITOR in roles:
        q |= Q(state=S.CONCLUDED)
    return q | _awaiting_signature(user)


def queue_queryset(user: Any, qs: QuerySet[Clue], queue: str) -> QuerySet[Clue]:
    """One named queue over an already scoped queryset (the list's tabs and the home's counts)."""
    if queue == "mine":
        return qs.filter(_waiting_for_me(user))
    if queue == "unit":
        return qs.filter(unit__in=_units(user))
    if queue == "sign":
        return qs.filter(_awaiting_signature(user))
    if queue == "replies":
        return qs.filter(unread_replies())
    q = queue_filter(queue)
    return qs.filter(q) if q is not None else qs


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
    user = request.user
    base = Clue.objects.visible_to(user)
    tiles = []
    for key, label in TILES:
        count = queue_queryset(user, base, key).count()
        tiles.append({"key": key, "label": label, "count": count,
                      "urgent": key in ("overdue", "replies", "sign") and count > 0})
    return "clues/_home_counts.html", {"tiles": tiles}
