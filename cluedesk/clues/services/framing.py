"""The frame every verb of a clue's lifecycle runs in: lock the clue, detect a repeat, ask the
transitions table (``_begin``), then save the clue, add the reporter's public step and write the
verb's one ledger event (``_finish``). Also the input checks the verbs share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Membership, Unit
from cluedesk.vault import content

from .. import reporter_loop
from ..models import Clue
from ..workflow import (
    TRANSITIONS,
    InvalidInput,
    NotAllowed,
    Transition,
    check,
    qualifying_memberships,
    sources,
    state_label,
)


@dataclass
class Outcome:
    clue: Clue
    changed: bool
    event: Event | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _lock(clue_ref: Clue | int | str) -> Clue:
    if isinstance(clue_ref, Clue):
        lookup: dict[str, Any] = {"pk": clue_ref.pk}
    elif isinstance(clue_ref, int):
        lookup = {"pk": clue_ref}
    else:
        lookup = {"public_id": clue_ref}
    clue = Clue.objects.select_for_update().filter(**lookup).first()
    if clue is None:
        raise InvalidInput(_("This clue does not exist."))
    return clue


def _required(value: str | None, what: str, limit: int = 5000) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(what)s is required.") % {"what": what})
    if len(text) > limit:
        raise InvalidInput(_("%(what)s is too long (at most %(n)d characters).") % {"what": what, "n": limit})
    return text


def _optional(value: str | None, what: str, limit: int = 5000) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(_("%(what)s is too long (at most %(n)d characters).") % {"what": what, "n": limit})
    return text


def _digest(*parts: str) -> str:
    """What the event keeps of a text: a keyed digest (proves the text to whoever has the keys,
    confirms nothing to whoever holds only a guess of it)."""
    return content.digest(*parts)


def _is_repeat(clue: Clue, verb: str, same: Callable[[Clue], bool] | None) -> bool:
    """Has this very verb already happened? Then it is a no-op, not an error."""
    if same is not None:
        return same(clue)
    targets = {t.target for t in TRANSITIONS if t.verb == verb}
    return clue.last_verb == verb and clue.state in targets and clue.state not in sources(verb)


def _may_see_repeat(clue: Clue, verb: str, user: Any) -> bool:
    rows = [t for t in TRANSITIONS if t.verb == verb]
    return any(qualifying_memberships(clue, user, t.roles, t.where) for t in rows)


def _begin(verb: str, clue_ref: Clue | int | str, user: Any, version: int | None,
           same: Callable[[Clue], bool] | None = None) -> tuple[Clue, Transition | None, list[Membership]]:
    """Lock, detect a repeat, then ask the transitions table. Must run inside the atomic block."""
    clue = _lock(clue_ref)
    if _is_repeat(clue, verb, same):
        if not _may_see_repeat(clue, verb, user):
            raise NotAllowed(_("Your role does not allow this action on this clue."), state=clue.state)
        return clue, None, []
    t, memberships = check(clue, verb, user, version)
    return clue, t, memberships


def _finish(clue: Clue, t: Transition, user: Any, data: dict[str, Any], *, target: str | None = None,
            public: tuple[str, str] | None = None) -> Outcome:
    """Save the clue, add the reporter's public step if any, and write the verb's one event
    (which also carries what the reporter was told)."""
    before = clue.state
    clue.state = target or t.target
    clue.version += 1
    clue.last_verb = t.verb
    clue.save()
    if public is not None:
        data = {**data, "public_step": reporter_loop.announce(clue, *public)}
    event = record(f"clue.{t.verb}", actor=Actor.staff(user), subject_type="clue", subject_id=clue.public_id,
                   data={"from": before, "to": clue.state, "version": clue.version, **data})
    return Outcome(clue, True, event)


def _unit(value: Unit | int | str | None) -> Unit:
    if isinstance(value, Unit):
        return value
    try:
        unit = Unit.objects.select_related("division").filter(pk=int(value)).first() if value else None
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise InvalidInput(_("Choose a unit."))
    return unit


def describe_state(clue: Clue) -> str:
    return state_label(clue.state)
