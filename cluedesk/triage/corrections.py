"""Staff corrections of what triage found on a clue, beyond ``services.correct_labels``.

``correct_place`` sets the clue's place (its division, which is also its scope) and recomputes the
suggested unit; ``correct`` applies a whole correction form (category, industry, umbrella flag,
place) in one transaction, so a refused place leaves the labels unchanged too. Each verb writes one
ledger event when something changed and nothing when the request repeats what is already so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cluedesk.clues.models import Clue
from cluedesk.ledger.services import Actor, record
from cluedesk.org.access import territory
from cluedesk.org.models import Division

from .models import ClueTriage, LabelCorrection
from .routing import implicated_units, suggest_unit
from .services import TriageError, correct_labels

CODE_LENGTH = 6


def _lock_visible(user: Any, pk: int) -> Clue | None:
    """The clue, locked, when ``user`` may triage it (scoping joins cannot be locked on PostgreSQL)."""
    if not Clue.objects.visible_to(user, "triage").filter(pk=pk).exists():
        return None
    return Clue.objects.select_for_update().filter(pk=pk).first()


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
    from cluedesk.clues.models import ImplicatedUnit

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
        locked = _lock_visible(acting_user, clue.pk)
        if locked is None:
            raise TriageError(_("This clue is not visible to you."))
        division = place_in_territory(acting_user, division_code)
        info, _created = ClueTriage.objects.get_or_create(clue=locked)
        if locked.division_id == division.pk and info.division_code == division.pk:
            return locked  # a repeated request is a no-op
        old = locked.division_id or info.division_code or ""
        unit = suggest_unit(division.pk, barred_names(locked, info))
        locked.division = division
        locked.save(update_fields=["division", "updated_at"])
        info.division_code = division.pk
        info.suggested_unit = unit
        # ``corrected`` stays as it is: it freezes the category, industry and umbrella flag, which
        # later reports may still refine after a place correction
        info.save(update_fields=["division_code", "suggested_unit"])
        LabelCorrection.objects.create(clue=locked, field="division", old=old, new=division.pk,
                                       created_by=acting_user)
        record("triage.place_corrected", actor=Actor.staff(acting_user), subject_type="clue",
               subject_id=locked.public_id,
               data={"division": [old, division.pk], "suggested_unit": unit.pk if unit is not None else None})
        return locked


@dataclass
class Correction:
    clue: Clue
    changed: list[str] = field(default_factory=list)  # "category", "industry", "umbrella", "division"


def correct(clue: Clue, *, acting_user: Any, category: str | None = None, industry: str | None = None,
            umbrella: bool | None = None, division_code: str | None = None) -> Correction:
    """One correction form: labels through ``services.correct_labels`` (its event) and the place
    through ``correct_place`` (its event), all in one transaction: any refusal undoes both."""
    with transaction.atomic():
        fields = ("category", "industry", "umbrella", "division_id")
        before: dict[str, Any] | None = Clue.objects.filter(pk=clue.pk).values(*fields).first()
        if before is None:
            raise TriageError(_("This clue is not visible to you."))
        division_code = (division_code or "").strip()
        if division_code == (before["division_id"] or ""):
            division_code = ""  # the place shown was kept: not a correction
        if division_code:
            place_in_territory(acting_user, division_code)  # refuse a bad place before writing anything
        locked = correct_labels(clue, acting_user=acting_user, category=category, industry=industry,
                                umbrella=umbrella)
        if division_code:
            locked = correct_place(locked, acting_user=acting_user, division_code=division_code)
        after: dict[str, Any] = Clue.objects.filter(pk=clue.pk).values(*fields).first() or {}
        changed = [key.removesuffix("_id") for key in fields if before[key] != after.get(key)]
        return Correction(locked, changed)
