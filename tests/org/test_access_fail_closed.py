"""Conflict-of-interest scoping never runs without its exclusion (it used to skip it when an
import failed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from cluedesk.clues.models import Clue
from cluedesk.org import access


def test_clue_rows_are_not_scoped_without_the_implicated_clues_finder(monkeypatch) -> None:
    monkeypatch.setattr(access, "_implicated_clues", None)
    with pytest.raises(ImproperlyConfigured):
        access._barred(Clue, user=None)


def test_the_clues_app_registers_it() -> None:
    assert access._implicated_clues is not None
