"""Clues and triage meet through the registry, not imports: clues reads the taxonomy's names and
the similar-clue finders that triage (above it) registers, and offers its own conflict-of-interest
finder, home panel and event labels to the layers that read them."""

from __future__ import annotations

from typing import Any

import pytest

from cluedesk.clues import taxonomy
from cluedesk.clues.conflicts import implicated_clues
from cluedesk.clues.views import _similar
from cluedesk.clues.workbench import home_panel
from cluedesk.platform.registry import registry
from cluedesk.triage import labels
from cluedesk.triage.models import Category


def test_clues_registers_its_finder_panel_and_labels() -> None:
    assert implicated_clues in registry["implicated_clues"]
    assert home_panel in registry["home_panels"]
    assert "report.submitted" in registry["event_labels"]


def test_triage_registers_the_taxonomy_finder_and_labels() -> None:
    assert {"label", "choices"} <= set(registry["taxonomy"])
    assert registry["similar_finders"]
    assert "triage.labels_corrected" in registry["event_labels"]


def test_without_a_taxonomy_a_code_is_shown_as_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    store = registry["taxonomy"]
    monkeypatch.delitem(store, "label")
    monkeypatch.delitem(store, "choices")
    assert taxonomy.label("category", "gambling") == "gambling"
    assert taxonomy.label("category", "") == ""
    assert taxonomy.choices("category") == []


@pytest.mark.django_db
def test_the_taxonomy_names_come_from_triage() -> None:
    Category.objects.update_or_create(code="zz_test", defaults={"name": "Test category", "name_zh": "测试"})
    labels.forget()
    assert taxonomy.label("category", "zz_test") == "Test category"
    assert ("zz_test", "Test category") in taxonomy.choices("category")


@pytest.mark.django_db
def test_a_failing_similar_finder_leaves_the_page_without_suggestions(world: Any) -> None:
    def broken(clue: Any, limit: int) -> list[Any]:
        raise RuntimeError("index unavailable")

    registry["similar_finders"].insert(0, broken)
    try:
        assert _similar(world.clue(), world.reviewer) == []
    finally:
        registry["similar_finders"].remove(broken)
