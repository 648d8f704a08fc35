"""Every change to the rectification registers. One transaction and one ledger event per act; bad
input raises ``RectifyError`` with a message in the person's language before anything is written.

Special supervision lists (特派督导问题清单): ``add_item``, ``start_item``, ``submit_evidence``,
``verify_item``, ``reopen_item``. Industry rectification and key tasks live in ``industry.py`` and
``tasks.py`` and share the helpers here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cluedesk.intake.attachments import FileRefused, check, path_for, write_encrypted
from cluedesk.ledger.services import Actor, record
from cluedesk.org.access import _grants, roles_for
from cluedesk.org.models import Membership, Unit
from cluedesk.supervision.models import InspectionRound

from .models import ItemEvidence, ProblemItem, new_file_id

S = ProblemItem.Status


class RectifyError(Exception):
    """Input a person can fix; ``message`` is already in their language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- shared checks ------------------------------------------------------------------------------

def text(value: Any, what: str, limit: int, *, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        raise RectifyError(_("%(what)s is required.") % {"what": what})
    if len(out) > limit:
        raise RectifyError(_("%(what)s is too long (at most %(n)d characters).") % {"what": what, "n": limit})
    return out


def date(value: Any, what: str, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value or "").strip()
    if not raw:
        if required:
            raise RectifyError(_("%(what)s is required.") % {"what": what})
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise RectifyError(_("%(what)s is not a real date (YEAR-MONTH-DAY).") % {"what": what}) from None


def not_future(day: dt.date, what: str, today: dt.date) -> dt.date:
    if day > today:
        raise RectifyError(_("%(what)s is in the future.") % {"what": what})
    return day


def member_of(user: Any, unit: Unit, roles: frozenset[str] | set[str] | None = None) -> bool:
    qs = Membership.objects.filter(user=user, unit=unit, unit__active=True)
    if roles:
        qs = qs.filter(role__in=roles)
    return qs.exists()


def covers(user: Any, division_path: str, action: str) -> bool:
    """The person holds a role allowed for ``action`` in a unit whose territory holds the path."""
    allowed = roles_for(action)
    return any(division_path.startswith(g.division_path) for g in _grants(user) if g.role in allowed)


def staff(user: Any) -> Actor:
    return Actor.staff(user) if user is not None else Actor.system("rectify")


# --- special supervision lists ------------------------------------------------------------------

def add_item(*, acting_user: Any, round: InspectionRound, owner: Unit, problem: Any, measures: Any,
             time_limit: Any, today: dt.date | None = None) -> ProblemItem:
    """Put a problem the round found on its list, for ``owner`` to rectify by ``time_limit``."""
    problem = text(problem, _("The problem"), 2000)
    measures = text(measures, _("The measures"), 2000, required=False)
    limit = date(time_limit, _("The time limit"))
    assert limit is not None
    if limit < round.starts:
        raise RectifyError(_("The time limit is before the round started (%(day)s).") % {"day": round.starts})
    if limit > round.starts + dt.timedelta(days=3 * 366):
        raise RectifyError(_("The time limit is more than three years after the round."))
    if not owner.active:
        raise RectifyError(_("%(unit)s is no longer active.") % {"unit": owner.name})
    if not owner.division.path.startswith(round.division.path):
        raise RectifyError(_("%(unit)s is outside the round's area.") % {"unit": owner.name})
    with transaction.atomic():
        # lock the round so that two people adding at once get different numbers
        InspectionRound.objects.select_for_update().filter(pk=round.pk).first()
        number = (ProblemItem.objects.filter(round=round).aggregate(n=Max("number"))["n"] or 0) + 1
        item = ProblemItem.objects.create(round=round, number=number, owner=owner, problem=problem, measures=measures,
                                          time_limit=limit, created_by=acting_user, created_at=timezone.now())
        record("rectify.item_added", actor=staff(acting_user), subject_type="problem_item", subject_id=item.pk,
               data={"round": round.pk, "number": number, "owner": owner.pk, "time_limit": str(limit)})
        return item


def _locked(item: ProblemItem) -> ProblemItem:
    return ProblemItem.objects.select_for_update().select_related("round__division", "owner__division").get(pk=item.pk)


def start_item(item: ProblemItem, *, acting_user: Any) -> ProblemItem:
    """The owner unit says it is rectifying (from open or reopened). Repeating it changes nothing."""
    with transaction.atomic():
        item = _locked(item)
        if item.status == S.RECTIFYING:
            return item
        if item.status not in (S.OPEN, S.REOPENED):
            raise RectifyError(_("This item is %(status)s; rectification cannot start again.")
                               % {"status": item.get_status_display()})
        if not member_of(acting_user, item.owner):
            raise RectifyError(_("Only %(unit)s, the owner of this item, may say it is rectifying.")
                               % {"unit": item.owner.name})
        previous = item.status
        item.status = S.RECTIFYING
        item.save(update_fields=["status"])
        record("rectify.item_started", actor=staff(acting_user), subject_type="problem_item", subject_id=item.pk,
               data={"from": previous})
        return item


def evidence_path(file_id: str) -> Path:
    return path_for(file_id)


def submit_evidence(item: ProblemItem, *, acting_user: Any, unit: Unit, note: Any, upload: Any = None) -> ItemEvidence:
    """The owner unit submits evidence of rectification (a note, and a file if given) for verification."""
    note = text(note, _("A description of what was rectified"), 4000)
    if unit.pk != item.owner_id:
        raise RectifyError(_("Evidence must come from %(owner)s, the owner of this item, not from %(unit)s.")
                           % {"owner": item.owner.name, "unit": unit.name})
    if not member_of(acting_user, unit):
        raise RectifyError(_("You are not a member of %(unit)s.") % {"unit": unit.name})
    checked = None
    if upload is not None:
        try:
            checked = check(upload)
        except FileRefused as exc:
            raise RectifyError(str(exc.message)) from None
    written: Path | None = None
    try:
        with transaction.atomic():
            item = _locked(item)
            if item.status not in (S.OPEN, S.RECTIFYING, S.REOPENED):
                raise RectifyError(_("This item is %(status)s; evidence cannot be submitted now.")
                                   % {"status": item.get_status_display()})
            now = timezone.now()
            ev = ItemEvidence(item=item, unit=unit, note=note, submitted_by=acting_user, submitted_at=now)
            if checked is not None:
                ev.file_id = new_file_id()
                written, digest, size = write_encrypted(checked, ev.file_id)
                ev.file_name, ev.file_type, ev.file_size, ev.file_sha256 = checked.name, checked.mime, size, digest
            ev.save()
            item.status = S.SUBMITTED
            item.submitted_by, item.submitted_at = acting_user, now
            item.save(update_fields=["status", "submitted_by", "submitted_at"])
            record("rectify.item_submitted", actor=staff(acting_user), subject_type="problem_item",
                   subject_id=item.pk, data={"evidence": ev.pk, "unit": unit.pk, "file_sha256": ev.file_sha256})
            return ev
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise


def verify_item(item: ProblemItem, *, acting_user: Any) -> ProblemItem:
    """A supervisor of the round's area confirms the rectification (never their own submission)."""
    with transaction.atomic():
        item = _locked(item)
        if item.status == S.VERIFIED:
            return item
        if item.status != S.SUBMITTED:
            raise RectifyError(_("Only an item submitted for verification can be verified; this one is %(status)s.")
                               % {"status": item.get_status_display()})
        if item.submitted_by_id == getattr(acting_user, "pk", None):
            raise RectifyError(_("You submitted this rectification; someone else must verify it."))
        if not covers(acting_user, item.round.division.path, "rectify_verify"):
            raise RectifyError(_("Only a supervisor over the round's area may verify this item."))
        item.status = S.VERIFIED
        item.verified_by, item.verified_at = acting_user, timezone.now()
        item.save(update_fields=["status", "verified_by", "verified_at"])
        record("rectify.item_verified", actor=staff(acting_user), subject_type="problem_item", subject_id=item.pk,
               data={"submitted_by": item.submitted_by_id})
        return item


def reopen_item(item: ProblemItem, *, acting_user: Any, reason: Any) -> ProblemItem:
    """Send a submitted (or verified) item back to its owner with the reason."""
    reason = text(reason, _("The reason"), 1000)
    with transaction.atomic():
        item = _locked(item)
        if item.status not in (S.SUBMITTED, S.VERIFIED):
            raise RectifyError(_("Only a submitted or verified item can be reopened; this one is %(status)s.")
                               % {"status": item.get_status_display()})
        if not covers(acting_user, item.round.division.path, "rectify_verify"):
            raise RectifyError(_("Only a supervisor over the round's area may reopen this item."))
        previous = item.status
        item.status = S.REOPENED
        item.verified_by, item.verified_at = None, None
        item.save(update_fields=["status", "verified_by", "verified_at"])
        record("rectify.item_reopened", actor=staff(acting_user), subject_type="problem_item", subject_id=item.pk,
               data={"from": previous, "reason": reason})
        return item
