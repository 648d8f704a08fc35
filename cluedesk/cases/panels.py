"""This register's panel on the supervision dashboard (see cluedesk.supervision.panels): umbrella
investigations, target fugitives and listed major cases by stage, for the chosen division and
period, computed by ``cluedesk.cases.figures`` (the same functions the tests read)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from . import figures


def panel_context(division: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    fug = figures.fugitives(division, start, end)
    rate = fug.arrest_rate
    return {"division": division, "start": start, "end": end, "umbrella": figures.umbrella(division, start, end),
            "fugitives": fug, "rate": None if rate is None else round(rate * 100, 1),
            "stages": figures.listed_by_stage(division, start, end)}


def dashboard_panel(request: HttpRequest, division: Any, start: dt.date, end: dt.date) -> tuple[str, dict] | None:
    return "cases/panel.html", panel_context(division, start, end)
