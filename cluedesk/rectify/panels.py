"""This register's panel on the supervision dashboard (see cluedesk.supervision.panels)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from . import figures, tasks
from .models import KeyTask


@dataclass
class PanelFigures:
    items: figures.Items
    letters: figures.Letters
    task_count: int
    task_progress: int | None


def month_end(month: dt.date) -> dt.date:
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def panel_figures(division: Any, start: dt.date, end: dt.date) -> PanelFigures:
    """The panel's figures for the division's subtree: items of rounds started and letters issued
    in the months ``start``..``end``; key tasks of the end month's year owned in the subtree."""
    last = month_end(end)
    task_qs = KeyTask.objects.filter(year=end.year, owner__division__path__startswith=division.path) \
        .select_related("owner__division").prefetch_related("milestones", "indicators")[:50]
    progress = [tasks.progress(t) for t in task_qs]
    mean = round(sum(p.percent for p in progress) / len(progress)) if progress else None
    return PanelFigures(items=figures.items(division, start, last), letters=figures.letters(division, start, last),
                        task_count=len(progress), task_progress=mean)


def dashboard_panel(request: HttpRequest, division: Any, start: dt.date, end: dt.date) -> tuple[str, dict] | None:
    f = panel_figures(division, start, end)
    if not (f.items.total or f.letters.issued or f.task_count):
        return None
    rate = f.letters.rate
    return "rectify/panel.html", {
        "items": f.items, "letters": f.letters, "task_count": f.task_count, "task_progress": f.task_progress,
        "letter_rate": None if rate is None else round(rate * 100, 1),
        "by_industry": [{"industry": r.industry, "issued": r.issued, "answered": r.answered, "rectified": r.rectified,
                         "pct": None if r.rate is None else round(r.rate * 100, 1)} for r in f.letters.by_industry]}
