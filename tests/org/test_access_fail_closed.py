"""Conflict-of-interest scoping never runs without its exclusion (it used to skip it when an
import failed): ``org.access`` reads the finders from the registry store "implicated_clues" and
refuses to scope clue rows when none is registered."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.org import access
from cluedesk.org.models import Unit
from cluedesk.platform.registry import registry


def test_clue_rows_are_not_scoped_without_the_implicated_clues_finder() -> None:
    finders = registry["implicated_clues"]
    saved = list(finders)
    finders.clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            access._barred(Clue, user=None)
    finally:
        finders.extend(saved)


def test_the_clues_app_registers_it() -> None:
    assert registry["implicated_clues"], "cluedesk.clues registers its implicated-clues finder in ready()"


def test_rows_not_about_a_clue_need_no_finder() -> None:
    assert access._barred(Unit, user=None) is None


def test_every_registered_finder_is_applied() -> None:
    asked: list[set[int]] = []

    def finder(units: set[int]) -> Any:
        asked.append(units)
        return ImplicatedUnit.objects.none().values("clue_id")

    registry["implicated_clues"].append(finder)
    try:
        assert access._barred(Clue, user=None) is not None
        assert asked == [set()]
    finally:
        registry["implicated_clues"].remove(finder)
