"""Triage tests run on the shipped same-matter model and no charge model (keyword rules)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cluedesk.triage import engine


@pytest.fixture
def shipped_models() -> Iterator[None]:
    engine.use(reset=True)
    yield
    engine.use(reset=True)
