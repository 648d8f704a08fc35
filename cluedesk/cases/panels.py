"""This register's panel on the supervision dashboard (see cluedesk.supervision.panels)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest


def dashboard_panel(request: HttpRequest, division: Any, start: dt.date, end: dt.date) -> tuple[str, dict] | None:
    return None
