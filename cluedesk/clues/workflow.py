"""The lifecycle of a clue as data: one transitions table, checked in one place (``check``).

Each row says: from which state a verb may be used, the state it leads to, which roles may use
it, and where the role must be held:

- ``jurisdiction``: in a unit whose division contains the clue's division, or in the
  responsible unit or a unit above it (so an off-site or upgraded unit can act on the clue);
- ``assigned``: in the responsible unit itself (the verifying team);
- ``above``: in the responsible unit or a unit above it (the signatories).

A unit the clue implicates, or any unit below it, never qualifies (``conflicts.py``).
Services call ``check`` after locking the clue; nothing else decides whether a verb is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluedesk.org.models import Division, Membership, Role

from .conflicts import ancestor_ids, barred_unit_ids
from .models import Clue

S = Clue.State
R = Role

SIGNATORY_ROLES: tuple[str, ...] = tuple(
    settings.CLUEDESK_SIGNATORY_ROLES)

# Days to verify, per assignment mode and priority. Override with settings.CLUEDESK_DEADLINE_DAYS.
DEFAULT_DEADLINE_DAYS: dict[str, dict[str, int]] = {
    "local": {"normal": 30, "high": 15, "urgent": 7},
    "offsite": {"normal": 45, "high": 20, "urgent": 10},
    "upgraded": {"normal": 60, "high": 30, "urgent": 15},
}
MAX_EXTENSION_DAYS = 60


def deadline_days(mode: str, priority: str) -> int:
    policy: dict[str, dict[str, int]] = settings.CLUEDESK_DEADLINE_DAYS
    return int(policy[mode][priority])


def deadline_delta(mode: str, priority: str) -> timedelta:
    return timedelta(days=deadline_days(mode, priority))


@dataclass(frozen=True)
class Transition:
    source: str
    verb: str
    target: str
    roles: frozenset[str]
    where: str  # jurisdiction | assigned | above


def _t(sources: tuple[str, ...], verb: str, target: str | None, roles: tuple[str, ...], where: str) -> list[Transition]:
    return [Transition(s, verb, target or s, frozenset(roles), where) for s in sources]


SCREENERS = (R.INTAKE_REVIEWER,)
DISPATCH = (R.DISPATCHER,)
VERIFY = (R.VERIFIER,)
SIGN = SIGNATORY_ROLES
SUPERVISE = (R.SUPERVISOR, R.AUDITOR)

TRANSITIONS: list[Transition] = [
    *_t((S.NEW,), "screen_valid", S.SCREENED, SCREENERS, "jurisdiction"),
    *_t((S.NEW,), "screen_invalid", S.INVALID, SCREENERS, "jurisdiction"),
    *_t((S.NEW,), "transfer", S.TRANSFERRED, SCREENERS, "jurisdiction"),
    *_t((S.NEW, S.SCREENED), "merge", S.MERGED, (R.INTAKE_REVIEWER, R.DISPATCHER), "jurisdiction"),
    *_t((S.NEW, S.SCREENED), "flag_implicated", None, (R.INTAKE_REVIEWER, R.DISPATCHER, R.SUPERVISOR),
        "jurisdiction"),
    # Flagging during verification withdraws the assignment: the clue goes back to dispatch.
    *_t((S.ASSIGNED, S.VERIFYING), "flag_implicated", S.SCREENED, (R.DISPATCHER, R.SUPERVISOR), "jurisdiction"),
    *_t((S.SCREENED,), "assign", S.ASSIGNED, DISPATCH, "jurisdiction"),
    *_t((S.ASSIGNED, S.VERIFYING), "reassign", S.ASSIGNED, DISPATCH, "jurisdiction"),
    *_t((S.ASSIGNED,), "start_verification", S.VERIFYING, VERIFY, "assigned"),
    *_t((S.VERIFYING,), "add_note", None, VERIFY, "assigned"),
    *_t((S.VERIFYING,), "add_evidence", None, VERIFY, "assigned"),
    *_t((S.VERIFYING,), "request_extension", None, VERIFY, "assigned"),
    *_t((S.VERIFYING,), "decide_extension", None, (R.DISPATCHER, R.SUPERVISOR), "jurisdiction"),
    *_t((S.VERIFYING,), "draft_conclusion", S.DRAFTED, VERIFY, "assigned"),
    *_t((S.DRAFTED,), "edit_conclusion", None, VERIFY, "assigned"),
    # Stays "drafted" until the third distinct signatory signs; then "signed".
    *_t((S.DRAFTED,), "sign", S.DRAFTED, SIGN, "above"),
    *_t((S.DRAFTED,), "refuse_signature", S.VERIFYING, SIGN, "above"),
    *_t((S.SIGNED,), "conclude", S.CONCLUDED, (R.DISPATCHER, *SIGN), "jurisdiction"),
    *_t((S.CONCLUDED,), "review_keep", S.REVIEWED, SUPERVISE, "jurisdiction"),
    *_t((S.CONCLUDED, S.REVIEWED), "review_reopen", S.ASSIGNED, SUPERVISE, "jurisdiction"),
    *_t((S.CONCLUDED, S.REVIEWED), "record_accountability", None, SUPERVISE, "jurisdiction"),
]

VERBS: list[str] = list(dict.fromkeys(t.verb for t in TRANSITIONS))
_INDEX: dict[tuple[str, str], Transition] = {(t.source, t.verb): t for t in TRANSITIONS}

VERB_LABELS: dict[str, Any] = {
    "screen_valid": gettext_lazy("Accept as valid"),
    "screen_invalid": gettext_lazy("Close as invalid"),
    "transfer": gettext_lazy("Transfer out of scope"),
    "merge": gettext_lazy("Merge into another clue"),
    "flag_implicated": gettext_lazy("Flag an implicated unit"),
    "assign": gettext_lazy("Assign for verification"),
    "reassign": gettext_lazy("Reassign"),
    "start_verification": gettext_lazy("Start verification"),
    "add_note": gettext_lazy("Add a note or interview"),
    "add_evidence": gettext_lazy("Add evidence"),
    "request_extension": gettext_lazy("Request an extension"),
    "decide_extension": gettext_lazy("Decide on the extension"),
    "draft_conclusion": gettext_lazy("Draft the conclusion"),
    "edit_conclusion": gettext_lazy("Edit the conclusion"),
    "sign": gettext_lazy("Sign the conclusion"),
    "refuse_signature": gettext_lazy("Refuse to sign and send back"),
    "conclude": gettext_lazy("Conclude and tell the reporter"),
    "review_keep": gettext_lazy("Review: keep the conclusion"),
    "review_reopen": gettext_lazy("Review: reopen and reassign"),
    "record_accountability": gettext_lazy("Record accountability"),
}


def transition(state: str, verb: str) -> Transition | None:
    return _INDEX.get((state, verb))


def sources(verb: str) -> list[str]:
    return [t.source for t in TRANSITIONS if t.verb == verb]


class WorkflowError(Exception):
    """A refusal a person can cause; ``message`` is in their language."""

    status = 400

    def __init__(self, message: str, *, state: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.state = state


class IllegalTransition(WorkflowError):
    status = 409


class StaleForm(WorkflowError):
    status = 409


class NotAllowed(WorkflowError):
    status = 403


class InvalidInput(WorkflowError):
    status = 400


def state_label(state: str) -> str:
    return str(dict(Clue.State.choices).get(state, state))


def division_ancestors(division: Division | None) -> list[str]:
    """Codes of the division and every division above it."""
    if division is None:
        return []
    return [code for code in division.path.split("/") if code] or [division.code]


def covers_division(unit_division: Division, clue: Clue) -> bool:
    if clue.division is None:
        return unit_division.level == Division.Level.NATION
    return unit_division.code in division_ancestors(clue.division)


def qualifying_memberships(clue: Clue, user: Any, roles: frozenset[str] | set[str], where: str) -> list[Membership]:
    """The memberships through which ``user`` may act on ``clue`` with one of ``roles``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    memberships = list(user.memberships.filter(role__in=roles, unit__active=True)
                       .select_related("unit__division"))
    if not memberships:
        return []
    barred = barred_unit_ids(clue)
    if {m.unit_id for m in user.memberships.all()} & barred:
        return []  # anyone in an implicated unit is out, whatever else they belong to
    above = ancestor_ids([clue.unit_id]) if clue.unit_id else set()
    result = []
    for m in memberships:
        if where == "assigned":
            ok = m.unit_id == clue.unit_id
        elif where == "above":
            ok = m.unit_id in above
        else:
            ok = m.unit_id in above or covers_division(m.unit.division, clue)
        if ok:
            result.append(m)
    return result


def check(clue: Clue, verb: str, user: Any, version: int | None) -> tuple[Transition, list[Membership]]:
    """The one place that decides whether ``user`` may use ``verb`` on ``clue`` now."""
    t = transition(clue.state, verb)
    if t is None:
        if verb not in VERBS:
            raise IllegalTransition(_("Unknown action."), state=clue.state)
        raise IllegalTransition(
            _("This action is not possible: the clue is now “%(state)s”.") % {"state": state_label(clue.state)},
            state=clue.state)
    if version is not None and version != clue.version:
        raise StaleForm(
            _("Someone changed this clue after you opened the form; it is now “%(state)s”. "
              "Nothing was saved: look at the current state and try again.") % {"state": state_label(clue.state)},
            state=clue.state)
    memberships = qualifying_memberships(clue, user, t.roles, t.where)
    if not memberships:
        raise NotAllowed(_("Your role does not allow this action on this clue."), state=clue.state)
    return t, memberships


def allowed_verbs(clue: Clue, user: Any) -> list[str]:
    """Verbs the viewer may use on the clue in its present state (for the clue page)."""
    result = []
    for t in TRANSITIONS:
        if t.source == clue.state and t.verb not in result and qualifying_memberships(clue, user, t.roles, t.where):
            result.append(t.verb)
    if "sign" in result or "refuse_signature" in result:
        result = _signing_verbs(clue, user, result)
    return result


def _signing_verbs(clue: Clue, user: Any, verbs: list[str]) -> list[str]:
    """Signing is not offered to whoever drafted the conclusion or has signed it already (neither
    signing again nor sending it back), nor to one whose every signatory role is already signed."""
    current = clue.current_conclusion
    if current is None or current.drafter_id == user.pk or current.valid_signatures().filter(signer=user).exists():
        return [v for v in verbs if v not in ("sign", "refuse_signature")]
    taken = set(current.valid_signatures().values_list("role", flat=True))
    mine = {m.role for m in qualifying_memberships(clue, user, frozenset(SIGN), "above")}
    if not mine - taken:
        return [v for v in verbs if v != "sign"]
    return verbs


def signature_slots(clue: Clue) -> list[dict[str, Any]]:
    """The three signatures of the current draft in role order: who signed, or who still may
    (holders of the role in the responsible unit or above, not barred, not the drafter)."""
    current = clue.current_conclusion
    if current is None:
        return []
    signed = {s.role: s for s in current.valid_signatures().select_related("signer", "unit")}
    above = ancestor_ids([clue.unit_id]) if clue.unit_id else set()
    barred = barred_unit_ids(clue)
    slots = []
    for role in SIGNATORY_ROLES:
        slot: dict[str, Any] = {"role": role, "label": Role(role).label, "signature": signed.get(role),
                                "candidates": []}
        if role not in signed and not current.final:
            people = (Membership.objects.filter(role=role, unit_id__in=above - barred, unit__active=True,
                                                user__is_active=True)
                      .exclude(user_id=current.drafter_id)
                      .exclude(user_id__in=[s.signer_id for s in signed.values()])
                      .exclude(user__memberships__unit_id__in=barred)
                      .select_related("user", "unit").order_by("unit__name", "user__username"))
            slot["candidates"] = [{"name": m.user.get_full_name() or m.user.username, "unit": m.unit.name}
                                  for m in people[:8]]
        slots.append(slot)
    return slots
