"""Deployment fixtures: each test starts without the profile a process keeps for a few seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cluedesk.deployment.models import Deployment


@pytest.fixture(autouse=True)
def _fresh_profile() -> Iterator[None]:
    Deployment.forget_cached()
    yield
    Deployment.forget_cached()
