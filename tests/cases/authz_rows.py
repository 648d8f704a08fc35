"""Authorization matrix rows for cluedesk.cases (see tests/authz.py)."""

from __future__ import annotations

from tests.authz import Row  # noqa: F401

ROWS: list = []
PUBLIC: list[str] = []
