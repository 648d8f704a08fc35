"""Screening a new clue: valid, invalid, transferred to another body, merged into the clue of the
same matter (the one merge: triage follows it through ``signals.clue_merged``), or flagged as
implicating a unit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cluedesk.org.models import Division, Unit

from .. import reporter_loop, search
from ..models import Assignment, Clue, ImplicatedUnit
from ..signals import clue_merged
from ..workflow import InvalidInput
from .framing import Outcome, _begin, _digest, _finish, _optional, _required, _unit

S = Clue.State


def screen_valid(clue_ref: Clue | int | str, *, acting_user: Any, version: int | None = None,
                 priority: str = "", category: str | None = None, industry: str | None = None,
                 division: Division | str | None = None, title: str | None = None) -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("screen_valid", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        if priority:
            if priority not in Clue.Priority.values:
                raise InvalidInput(_("Choose a priority from the list."))
            clue.priority = priority
        if category is not None:
            clue.category = _optional(category, _("Category"), 32)
        if industry is not None:
            clue.industry = _optional(industry, _("Industry"), 32)
        if title is not None:
            clue.title = _optional(title, _("Title"), 200)
            search.reindex(clue)
        if division:
            div = division if isinstance(division, Division) else Division.objects.filter(code=division).first()
            if div is None:
                raise InvalidInput(_("Unknown division code."))
            clue.division = div
        return _finish(clue, t, acting_user, {
            "priority": clue.priority, "category": clue.category, "industry": clue.industry,
            "division": clue.division_id or ""},
                       public=("under_review", _("Your report was accepted and will be verified.")))


def screen_invalid(clue_ref: Clue | int | str, *, acting_user: Any, reason: str,
                   version: int | None = None) -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("screen_invalid", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        clue.screening_reason = _required(reason, _("A reason"))
        return _finish(clue, t, acting_user, {"reason_digest": _digest(clue.screening_reason)},
                       public=("concluded", _("Closed after review: the report could not be acted upon.")))


def transfer(clue_ref: Clue | int | str, *, acting_user: Any, body: str, reason: str = "",
             version: int | None = None) -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("transfer", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        clue.transferred_to = _required(body, _("The body it is transferred to"), 200)
        clue.screening_reason = _optional(reason, _("A reason"))
        return _finish(clue, t, acting_user, {"to_body": clue.transferred_to},
                       public=("concluded", _("Outside our remit: transferred to %(body)s, which is "
                                                    "responsible for this matter.") % {"body": clue.transferred_to}))


def merge(clue_ref: Clue | int | str, *, acting_user: Any, into: Clue | str,
          version: int | None = None) -> Outcome:
    """Fold this clue's reports into ``into`` (the same matter). The other clue must be visible
    to the actor and still open. The one merge: staff on the clue page and triage's tools both
    call it; ``signals.clue_merged`` lets triage move its index in the same transaction."""
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("merge", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        target_id = into.public_id if isinstance(into, Clue) else (into or "").strip().upper()
        seen = Clue.objects.visible_to(acting_user).filter(public_id=target_id).values_list("pk", flat=True)
        target = Clue.objects.select_for_update().filter(pk__in=list(seen)).first()
        if target is None:
            raise InvalidInput(_("No clue with that number is visible to you."))
        if target.pk == clue.pk:
            raise InvalidInput(_("A clue cannot be merged into itself."))
        if target.state in (S.MERGED, S.INVALID, S.TRANSFERRED):
            raise InvalidInput(_("That clue is closed; merge into an open one."))
        moving = reporter_loop.report_ids(clue)
        moved = reporter_loop.move_reports(clue, target)
        search.reindex(target)
        search.reindex(clue)
        target.report_count = target.report_count + moved
        target.version += 1
        target.save(update_fields=["report_count", "version", "updated_at"])
        clue.merged_into = target
        clue.report_count = 0
        # the apps above follow the merge in this transaction (triage: its same-matter index)
        clue_merged.send(sender=Clue, clue=clue, target=target, acting_user=acting_user)
        public = reporter_loop.announce_reports(
            moving, "under_review", _("Your report was grouped with other reports on the same matter."))
        return _finish(clue, t, acting_user, {"into": target.public_id, "reports": moved, "public_step": public})


def flag_implicated(clue_ref: Clue | int | str, *, acting_user: Any, unit: Unit | int | str,
                    official: str = "", note: str = "", version: int | None = None) -> Outcome:
    """Record that the clue implicates a unit (and possibly an official in it). From then on the
    unit and its subordinates are barred; if the clue was with one of them, it goes back to dispatch."""
    target_unit = _unit(unit)

    def same(c: Clue) -> bool:
        return ImplicatedUnit.objects.filter(clue=c, unit=target_unit).exists()

    with transaction.atomic(durable=True):
        clue, t, _m = _begin("flag_implicated", clue_ref, acting_user, version, same)
        if t is None:
            return Outcome(clue, False)
        ImplicatedUnit.objects.create(clue=clue, unit=target_unit, official=_optional(official, _("Official"), 120),
                                      note=_optional(note, _("Note"), 300), added_by=acting_user)
        clue.umbrella = True
        data: dict[str, Any] = {"unit": target_unit.pk}
        if t.target != t.source:
            withdrawn = Assignment.objects.filter(clue=clue, active=True)
            data["withdrawn_from"] = list(withdrawn.values_list("unit_id", flat=True))
            withdrawn.update(active=False)
            clue.unit, clue.mode, clue.deadline = None, "", None
        return _finish(clue, t, acting_user, data)
