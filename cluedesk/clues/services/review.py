"""Review of a concluded clue (kept or reopened) and the accountability found on the way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cluedesk.org.models import Unit

from ..models import Accountability, Clue, Review
from .dispatch import _place, _validate_assignment
from .framing import Outcome, _begin, _finish, _optional, _required, _unit


@dataclass
class AccountabilityInput:
    unit: Unit | int | str
    finding: str
    official: str = ""
    measure: str = ""


def _accountability(clue: Clue, user: Any, review: Review | None, acc: AccountabilityInput) -> Accountability:
    return Accountability.objects.create(
        clue=clue, review=review, unit=_unit(acc.unit), created_by=user,
        official=_optional(acc.official, _("Official"), 120),
        finding=_required(acc.finding, _("What was improper"), 5000),
        measure=_optional(acc.measure, _("The measure taken"), 300))


def review_keep(clue_ref: Clue | int | str, *, acting_user: Any, reason: str = "",
                accountability: AccountabilityInput | None = None, version: int | None = None) -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("review_keep", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        assert c is not None
        review = Review.objects.create(clue=clue, conclusion=c, reviewer=acting_user, outcome=Review.Outcome.KEPT,
                                       reason=_optional(reason, _("A reason")))
        acc = _accountability(clue, acting_user, review, accountability) if accountability else None
        return _finish(clue, t, acting_user, {"review": review.pk, "outcome": review.outcome,
                                              "accountability": acc.pk if acc else None})


def review_reopen(clue_ref: Clue | int | str, *, acting_user: Any, reason: str, unit: Unit | int | str,
                  mode: str, accountability: AccountabilityInput | None = None,
                  version: int | None = None) -> Outcome:
    target_unit = _unit(unit)
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("review_reopen", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        assert c is not None
        review = Review.objects.create(clue=clue, conclusion=c, reviewer=acting_user,
                                       outcome=Review.Outcome.REOPENED, reason=_required(reason, _("A reason")))
        _validate_assignment(clue, target_unit, mode)
        a = _place(clue, target_unit, mode, acting_user, review.reason)
        clue.conclusions.update(superseded=True)
        clue.concluded_at = None
        acc = _accountability(clue, acting_user, review, accountability) if accountability else None
        return _finish(clue, t, acting_user, {"review": review.pk, "outcome": review.outcome,
                                              "unit": target_unit.pk, "mode": mode,
                                              "deadline": a.deadline.isoformat(),
                                              "accountability": acc.pk if acc else None},
                       public=("verifying", _("The conclusion was reviewed and the matter is being verified again.")))


def record_accountability(clue_ref: Clue | int | str, *, acting_user: Any, unit: Unit | int | str, finding: str,
                          official: str = "", measure: str = "") -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("record_accountability", clue_ref, acting_user, None, lambda c: False)
        assert t is not None
        acc = _accountability(clue, acting_user, None, AccountabilityInput(unit, finding, official, measure))
        return _finish(clue, t, acting_user, {"accountability": acc.pk, "unit": acc.unit_id})
