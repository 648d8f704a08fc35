"""Staff corrections of what triage found on a clue, beyond ``services.correct_labels``.

``correct_place`` sets the clue's place (its division, which is also its scope) and recomputes the
suggested unit; ``correct`` applies a whole correction form (category, industry, umbrella flag,
place) in one transaction, so a refused place leaves the labels unchanged too. Each verb (the
whole form included) writes one ledger event when something changed and nothing when the request
repeats what is already so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.ledger.services import Actor, record
from cluedesk.org.access import territory
from cluedesk.org.models import Division

from .models import ClueTriage, LabelCorrection
from .routing import implicated_units, suggest_unit
from .services import TriageError, apply_labels, lock_for_triage

CODE_LENGTH = 6


def place_in_territory(user: Any, code: str) -> Division:
    """The division of ``code`` when it lies in the person's territory for triage; else TriageError
    with a message in their language."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) == CODE_LENGTH):
        raise TriageError(_("Enter a place as its six-digit division code."))
    division = Division.objects.filter(pk=code).first()
    if division is None:
        raise TriageError(_("Unknown place: %(code)s") % {"code": code})
    if not any(division.path.startswith(p) for p in territory(user, "triage")):
        raise TriageError(_("%(name)s (%(code)s) is outside your area.") % {"name": division.name, "code": code})
    return division


def barred_names(clue: Clue, info: ClueTriage | None) -> list[str]:
    """What routing must never offer the clue: the unit names triage found implicated in its
    text and the units staff flagged as implicated (``suggest_unit`` bars their subordinates)."""
    names = implicated_units(info.implicated) if info is not None else []
    names += list(ImplicatedUnit.objects.filter(clue=clue).values_list("unit__name", flat=True))
    return sorted({n for n in names if n})


def correct_place(clue: Clue, *, acting_user: Any, division_code: str) -> Clue:
    """Staff set the clue's place: ``clue.division`` and ``ClueTriage.division_code`` become the
    division (it must exist and lie in the person's territory), the suggested unit is chosen
    again for it (never an implicated unit or one below it), a ``LabelCorrection`` row
    (field "division") is kept, and one ``triage.place_corrected`` event is written. Repeating
    the same place is a no-op."""
    with transaction.atomic():
        locked = lock_for_triage(acting_user, clue.pk)
        if locked is None:
            raise TriageError(_("This clue is not visible to you."))
        division = place_in_territory(acting_user, division_code)
        change = _apply_place(locked, acting_user, division)
        if change:
            record("triage.place_corrected", actor=Actor.staff(acting_user), subject_type="clue",
                   subject_id=locked.public_id, data=change)
        return locked


def _apply_place(locked: Clue, acting_user: Any, division: Division) -> dict[str, Any]:
    """The rows of a place correction on a locked clue, without its event: returns the event's
    data (``division``: [old, new], ``suggested_unit``), empty when the place is already so."""
    info, _created = ClueTriage.objects.get_or_create(clue=locked)
    if locked.division_id == division.pk and info.division_code == division.pk:
        return {}  # a repeated request is a no-op
    old = locked.division_id or info.division_code or ""
    unit = suggest_unit(division.pk, barred_names(locked, info))
    locked.division = division
    locked.save(update_fields=["division", "updated_at"])
    info.division_code = division.pk
    info.suggested_unit = unit
    # ``corrected`` stays as it is: it freezes the category, industry and umbrella flag, which
    # later reports may still refine after a place correction
    info.save(update_fields=["division_code", "suggested_unit"])
    LabelCorrection.objects.create(clue=locked, field="division", old=old, new=division.pk, created_by=acting_user)
    return {"division": [old, division.pk], "suggested_unit": unit.pk if unit is not None else None}


@dataclass
class Correction:
    clue: Clue
    changed: list[str] = field(default_factory=list)  # "category", "industry", "umbrella", "division"


def correct(clue: Clue, *, acting_user: Any, category: str | None = None, industry: str | None = None,
            umbrella: bool | None = None, division_code: str | None = None) -> Correction:
    """One correction form, one transaction, one ledger event: any refusal undoes everything. The
    event is ``triage.labels_corrected`` when a label changed (with the place's change in its data
    when the place changed too), ``triage.place_corrected`` when only the place changed, none
    when the form repeats what is already so."""
    with transaction.atomic():
        locked = lock_for_triage(acting_user, clue.pk)
        if locked is None:
            raise TriageError(_("This clue is not visible to you."))
        division_code = (division_code or "").strip()
        if division_code == (locked.division_id or ""):
            division_code = ""  # the place shown was kept: not a correction
        # refuse a bad place before writing anything
        division = place_in_territory(acting_user, division_code) if division_code else None
        changes: dict[str, Any] = apply_labels(locked, acting_user=acting_user, category=category,
                                               industry=industry, umbrella=umbrella)
        place = _apply_place(locked, acting_user, division) if division is not None else {}
        if changes or place:
            record("triage.labels_corrected" if changes else "triage.place_corrected",
                   actor=Actor.staff(acting_user), subject_type="clue", subject_id=locked.public_id,
                   data={**changes, **place})
        return Correction(locked, [*changes, *(["division"] if place else [])])
