"""Dispatch: which units may take a clue and in which mode, and handing it to one."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluedesk.org.models import Unit

from ..conflicts import barred_unit_ids
from ..models import Assignment, Clue
from ..workflow import InvalidInput, deadline_delta, division_ancestors
from .framing import Outcome, _begin, _finish, _optional, _unit

S = Clue.State
M = Assignment.Mode


def assignment_options(clue: Clue) -> dict[str, list[Unit]]:
    """Units the dispatcher may choose, per mode, with barred units already left out."""
    barred = barred_unit_ids(clue)
    options: dict[str, list[Unit]] = {M.LOCAL: [], M.OFFSITE: [], M.UPGRADED: []}
    if clue.division is None:
        return options
    for unit in Unit.objects.filter(active=True).select_related("division").order_by("division__path", "name"):
        if unit.pk in barred:
            continue
        mode = _mode_of(clue, unit)
        if mode:
            options[mode].append(unit)
    return options


def _mode_of(clue: Clue, unit: Unit) -> str:
    """The only mode in which ``unit`` may take ``clue`` ("" if none: a unit below the clue's division)."""
    assert clue.division is not None
    if unit.division_id == clue.division_id:
        return M.LOCAL
    if unit.division.code in division_ancestors(clue.division):
        return M.UPGRADED
    if clue.division.code in division_ancestors(unit.division):
        return ""
    return M.OFFSITE


def _validate_assignment(clue: Clue, unit: Unit, mode: str) -> None:
    if mode not in M.values:
        raise InvalidInput(_("Choose how the clue is handled: local, off-site or upgraded."))
    if not unit.active:
        raise InvalidInput(_("This unit is no longer active."))
    if unit.pk in barred_unit_ids(clue):
        raise InvalidInput(_("%(unit)s is implicated by this clue, or is under an implicated unit, and may not "
                             "handle it. Choose off-site or upgraded handling.") % {"unit": unit.name})
    if clue.division is None:
        raise InvalidInput(_("Set the clue's division when screening it before assigning it."))
    actual = _mode_of(clue, unit)
    if actual != mode:
        messages = {
            M.LOCAL: _("Local handling needs a unit in the clue's own division."),
            M.OFFSITE: _("Off-site handling needs a unit of another division, not above or below this one."),
            M.UPGRADED: _("Upgraded handling needs a unit at a level above the clue's division."),
        }
        raise InvalidInput(messages[M(mode)])


def _place(clue: Clue, unit: Unit, mode: str, user: Any, reason: str) -> Assignment:
    Assignment.objects.filter(clue=clue, active=True).update(active=False)
    deadline = timezone.now() + deadline_delta(mode, clue.priority)
    assignment = Assignment.objects.create(clue=clue, unit=unit, mode=mode, deadline=deadline,
                                           assigned_by=user, reason=reason)
    clue.unit, clue.mode, clue.deadline = unit, mode, deadline
    return assignment


def assign(clue_ref: Clue | int | str, *, acting_user: Any, unit: Unit | int | str, mode: str,
           reason: str = "", version: int | None = None, verb: str = "assign") -> Outcome:
    target_unit = _unit(unit)

    def same(c: Clue) -> bool:
        return (c.last_verb in ("assign", "reassign", "review_reopen") and c.state == S.ASSIGNED
                and c.unit_id == target_unit.pk and c.mode == mode)

    with transaction.atomic(durable=True):
        clue, t, _m = _begin(verb, clue_ref, acting_user, version, same)
        if t is None:
            return Outcome(clue, False)
        _validate_assignment(clue, target_unit, mode)
        reason = _optional(reason, _("A reason"))
        if verb == "reassign" and not reason:
            raise InvalidInput(_("Say why the clue is reassigned."))
        a = _place(clue, target_unit, mode, acting_user, reason)
        return _finish(clue, t, acting_user, {"unit": target_unit.pk, "mode": mode,
                                                 "deadline": a.deadline.isoformat()},
                       public=("verifying", _("Your report has been handed to an office for verification.")))


def reassign(clue_ref: Clue | int | str, *, acting_user: Any, unit: Unit | int | str, mode: str,
             reason: str, version: int | None = None) -> Outcome:
    return assign(clue_ref, acting_user=acting_user, unit=unit, mode=mode, reason=reason, version=version,
                  verb="reassign")
