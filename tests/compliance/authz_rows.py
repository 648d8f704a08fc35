"""Authorization matrix rows for cluedesk.compliance (see tests/authz.py)."""

from __future__ import annotations

from tests.authz import Row  # noqa: F401

ROWS: list = []
PUBLIC: list[str] = []
