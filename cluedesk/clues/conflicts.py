"""Conflict of interest: a unit a clue implicates, and every unit below it, is barred from the clue.

Barred means: never offered it, never assigned it, never shown it, never allowed to sign it.
Units form a small tree (``Unit.parent``), so the subtree is computed by walking it in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from cluedesk.org.models import Unit

from .models import ImplicatedUnit


def subtree_ids(unit_ids: Iterable[int]) -> set[int]:
    """The given units and every unit below them."""
    seen: set[int] = set(unit_ids)
    frontier = set(seen)
    while frontier:
        children = set(Unit.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - seen
        seen |= children
        frontier = children
    return seen


def ancestor_ids(unit_ids: Iterable[int]) -> set[int]:
    """The given units and every unit above them."""
    seen: set[int] = set(unit_ids)
    frontier = set(seen)
    while frontier:
        parents = set(Unit.objects.filter(id__in=frontier, parent__isnull=False)
                      .values_list("parent_id", flat=True)) - seen
        seen |= parents
        frontier = parents
    return seen


def barred_unit_ids(clue: Any) -> set[int]:
    implicated = list(clue.implicated.values_list("unit_id", flat=True))
    return subtree_ids(implicated) if implicated else set()


def is_barred(clue: Any, unit_id: int) -> bool:
    return unit_id in barred_unit_ids(clue)


def user_unit_ids(user: Any) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(user.memberships.values_list("unit_id", flat=True))


def user_is_barred(clue: Any, user: Any) -> bool:
    """A person belonging to any barred unit is barred: one membership in the implicated chain is enough."""
    return bool(user_unit_ids(user) & barred_unit_ids(clue))


def barred_clue_filter(user: Any) -> Q | None:
    """A filter matching the clues this person may not see because one of their units, or a unit
    above one of them, is implicated."""
    units = user_unit_ids(user)
    if not units:
        return None
    return Q(implicated__unit_id__in=ancestor_ids(units))


def implicated_clues(unit_ids: set[int]) -> Any:
    """The clues implicating any of ``unit_ids`` (a queryset of ``clue_id``): registered in the
    registry store "implicated_clues", which ``org.access.visible_to`` excludes from every scope."""
    return ImplicatedUnit.objects.filter(unit_id__in=unit_ids).values("clue_id")
