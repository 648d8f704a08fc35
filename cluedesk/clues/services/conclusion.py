"""The conclusion and its three signatures: drafting, editing (which voids the signatures given),
signing, refusing to sign, and concluding once the conclusion is final."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Clue, Conclusion, Signature, join_outcomes, split_outcomes
from ..workflow import SIGNATORY_ROLES, InvalidInput, NotAllowed, StaleForm
from .framing import Outcome, _begin, _digest, _finish, _optional, _required

S = Clue.State


CONCLUSION_FIELDS = ("finding", "outcome", "case_number", "summary", "public_wording")


def _conclusion_values(finding: str, outcome: str, case_number: str, summary: str,
                       public_wording: str, also: Iterable[str] = ()) -> dict[str, str]:
    if finding not in Conclusion.Finding.values:
        raise InvalidInput(_("Choose a finding."))
    if outcome not in Conclusion.Outcome.values:
        raise InvalidInput(_("Choose an outcome."))
    further = [o for o in dict.fromkeys(also or ()) if o != outcome]
    if any(o not in Conclusion.Outcome.values for o in further):
        raise InvalidInput(_("Choose the further outcomes from the list."))
    if further and Conclusion.Outcome.NO_ACTION in (outcome, *further):
        raise InvalidInput(_("“No action” cannot be combined with another outcome."))
    further.sort(key=Conclusion.Outcome.values.index)
    case_number = _optional(case_number, _("The case number"), 64)
    if Conclusion.Outcome.CRIMINAL_CASE in (outcome, *further) and not case_number:
        raise InvalidInput(_("A criminal case needs its case number."))
    return {
        "finding": finding, "outcome": outcome, "also_outcomes": join_outcomes(further), "case_number": case_number,
        "summary": _required(summary, _("The internal summary"), 20000),
        "public_wording": _required(public_wording, _("The wording for the reporter"), 2000),
    }


def _conclusion_data(c: Conclusion) -> dict[str, Any]:
    data = {"conclusion": c.pk, "revision": c.revision, "finding": c.finding, "outcome": c.outcome,
            "case_number": c.case_number, "digest": _digest(c.summary, c.public_wording)}
    if c.also_outcomes:
        data["also_outcomes"] = split_outcomes(c.also_outcomes)
    return data


def draft_conclusion(clue_ref: Clue | int | str, *, acting_user: Any, finding: str, outcome: str,
                     summary: str, public_wording: str, case_number: str = "",
                     version: int | None = None, also_outcomes: Iterable[str] = ()) -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("draft_conclusion", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        values = _conclusion_values(finding, outcome, case_number, summary, public_wording, also_outcomes)
        clue.conclusions.filter(superseded=False).update(superseded=True)
        assert clue.unit_id is not None
        c = Conclusion.objects.create(clue=clue, unit_id=clue.unit_id, drafter=acting_user, **values)
        return _finish(clue, t, acting_user, _conclusion_data(c))


def edit_conclusion(clue_ref: Clue | int | str, *, acting_user: Any, finding: str, outcome: str,
                    summary: str, public_wording: str, case_number: str = "",
                    version: int | None = None, also_outcomes: Iterable[str] = ()) -> Outcome:
    """Any change voids the signatures already given: they were given on other words."""

    def same(c: Clue) -> bool:  # the same edit sent again (a double click): the draft already says this
        current = c.current_conclusion
        if current is None or c.state != S.DRAFTED or c.last_verb != "edit_conclusion":
            return False
        try:
            values = _conclusion_values(finding, outcome, case_number, summary, public_wording, also_outcomes)
        except InvalidInput:
            return False
        return all(getattr(current, k) == v for k, v in values.items())

    with transaction.atomic(durable=True):
        clue, t, _m = _begin("edit_conclusion", clue_ref, acting_user, version, same)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        if c is None:
            raise InvalidInput(_("There is no draft to edit."))
        values = _conclusion_values(finding, outcome, case_number, summary, public_wording, also_outcomes)
        if all(getattr(c, k) == v for k, v in values.items()):
            return Outcome(clue, False)
        voided = c.signatures.filter(voided=False).update(voided=True)
        for k, v in values.items():
            setattr(c, k, v)
        c.revision += 1
        c.save()
        return _finish(clue, t, acting_user, {**_conclusion_data(c), "voided_signatures": voided})


def sign(clue_ref: Clue | int | str, *, acting_user: Any, revision: int | None = None, role: str = "") -> Outcome:
    """Sign the current draft. Signatures count for the revision they were given on; the third
    distinct signatory role, held by a third distinct person, makes the conclusion final."""

    def same(c: Clue) -> bool:
        current = c.current_conclusion
        return (current is not None and c.state in (S.DRAFTED, S.SIGNED)
                and current.valid_signatures().filter(signer=acting_user).exists()
                and (revision is None or int(revision) == current.revision))

    with transaction.atomic(durable=True):
        clue, t, memberships = _begin("sign", clue_ref, acting_user, None, same)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        if c is None:
            raise InvalidInput(_("There is no draft to sign."))
        if revision is not None and int(revision) != c.revision:
            raise StaleForm(_("The conclusion was edited after you opened it. Read the new text before signing."),
                            state=clue.state)
        if c.drafter_id == acting_user.pk:
            raise NotAllowed(_("The person who drafted the conclusion may not sign it."), state=clue.state)
        taken = set(c.valid_signatures().values_list("role", flat=True))
        free = [m for m in memberships if m.role not in taken and (not role or m.role == role)]
        if not free:
            raise NotAllowed(_("The signatory role you hold has already signed this conclusion."), state=clue.state)
        m = sorted(free, key=lambda x: SIGNATORY_ROLES.index(x.role))[0]
        try:
            with transaction.atomic():
                Signature.objects.create(conclusion=c, revision=c.revision, signer=acting_user, role=m.role,
                                         unit=m.unit)
        except IntegrityError as exc:
            raise StaleForm(_("Someone signed in this role a moment ago."), state=clue.state) from exc
        signed_roles = taken | {m.role}
        complete = set(SIGNATORY_ROLES) <= signed_roles
        if complete:
            c.final = True
            c.save(update_fields=["final", "updated_at"])
        return _finish(clue, t, acting_user, {"conclusion": c.pk, "revision": c.revision, "role": m.role,
                                              "unit": m.unit_id, "signatures": len(signed_roles)},
                       target=S.SIGNED if complete else S.DRAFTED)


def refuse_signature(clue_ref: Clue | int | str, *, acting_user: Any, reason: str,
                     version: int | None = None) -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("refuse_signature", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        if c is None:
            raise InvalidInput(_("There is no draft to refuse."))
        if c.drafter_id == acting_user.pk:
            raise NotAllowed(_("The person who drafted the conclusion may not sign it."), state=clue.state)
        c.returned_reason = _required(reason, _("A reason"))
        voided = c.signatures.filter(voided=False).update(voided=True)
        c.save(update_fields=["returned_reason", "updated_at"])
        return _finish(clue, t, acting_user, {"conclusion": c.pk, "revision": c.revision,
                                              "reason_digest": _digest(c.returned_reason),
                                              "voided_signatures": voided})


def conclude(clue_ref: Clue | int | str, *, acting_user: Any, version: int | None = None) -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("conclude", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        if c is None or not c.final:
            raise InvalidInput(_("The conclusion needs its three signatures first."))
        clue.concluded_at = timezone.now()
        return _finish(clue, t, acting_user, _conclusion_data(c),
                       public=("concluded", c.public_wording))
