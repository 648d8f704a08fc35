"""Bulletins: the ranking of divisions by the rates, as an HTML page, an XLSX file and a PDF,
each printing the period, the scope and the exact definitions of every figure."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Division

from . import stats
from .models import Bulletin, JobState


@dataclass
class BulletinData:
    division: Division
    start: dt.date
    end: dt.date
    total: stats.Row
    rows: list[stats.Row]          # ranked by verification rate, then case rate
    generated_at: dt.datetime
    figures_at: dt.datetime | None = None  # when the stats job last refreshed the facts (None: never)

    @property
    def period(self) -> str:
        return f"{self.start:%Y-%m}" if self.start == self.end else f"{self.start:%Y-%m} – {self.end:%Y-%m}"

    def figures(self) -> list[dict[str, Any]]:
        out = []
        for r in [self.total, *self.rows]:
            out.append({"code": r.division.code, **{k: r.counts.get(k, 0) for k in stats.COUNTERS},
                        "median_days": r.median_days})
        return out

    def digest(self) -> str:
        body = json.dumps({"division": self.division.code, "period": self.period, "figures": self.figures()},
                          sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


def rank_key(r: stats.Row) -> tuple[float, float, str]:
    return (-(r.verification_rate or 0.0), -(r.case_rate or 0.0), r.division.code)


def build(division: Division, start: dt.date, end: dt.date) -> BulletinData:
    rows = stats.table(None, division, start, end)
    rows = sorted([r for r in rows if r.counts.get("clues") or r.counts.get("reports")], key=rank_key)
    figures_at = JobState.objects.filter(pk="stats").values_list("last_finished", flat=True).first()
    return BulletinData(division, start, end, stats.one(division, start, end), rows, timezone.now(), figures_at)


def context(data: BulletinData) -> dict[str, Any]:
    return {"b": data, "definitions": stats.DEFINITIONS}


def html(data: BulletinData, request: Any = None) -> str:
    return render_to_string("supervision/bulletin_print.html", context(data), request=request)


def pdf(data: BulletinData) -> bytes:
    from weasyprint import HTML  # imported late: Pango is only needed for PDFs

    return HTML(string=html(data), base_url=None).write_pdf()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def xlsx(data: BulletinData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Bulletin")[:31]
    bold = Font(bold=True)
    ws.append([_("Supervision bulletin")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([_("Scope"), f"{data.division.name} ({data.division.code})"])
    ws.append([_("Period"), data.period])
    ws.append([_("Generated"), timezone.localtime(data.generated_at).strftime("%Y-%m-%d %H:%M")])
    ws.append([_("Figures refreshed"), timezone.localtime(data.figures_at).strftime("%Y-%m-%d %H:%M")
               if data.figures_at else pgettext("figures refreshed", "never")])
    ws.append([])
    header = [_("Rank"), _("Division"), _("Code"), _("Reports"), _("Clues"), _("Valid"), _("Dispatched"),
              _("Concluded"), _("Verification rate"), _("Cases"), _("Case rate"), _("Overdue"),
              _("Median days"), _("Repeat reports"), _("Umbrella clues")]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = bold

    def line(rank: str | int, r: stats.Row) -> list[Any]:
        return [rank, r.division.name, r.division.code, r.reports, r.clues, r.valid, r.dispatched, r.concluded,
                r.verification_rate, r.cases, r.case_rate, r.overdue, r.median_days, r.repeat_reports, r.umbrella]

    for i, r in enumerate(data.rows, start=1):
        ws.append(line(i, r))
    ws.append(line(_("Total"), data.total))
    for cell in ws[ws.max_row]:
        cell.font = bold
    for row in ws.iter_rows(min_row=8, min_col=9, max_col=11):
        for cell in row:
            if cell.column in (9, 11):
                cell.number_format = "0.0%"
    ws.append([])
    ws.append([_("Definitions")])
    ws[f"A{ws.max_row}"].font = bold
    for term, text in stats.DEFINITIONS:
        ws.append([str(term), str(text)])
    ws.column_dimensions["B"].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def issue(division: Division, month: dt.date) -> Bulletin:
    """Record that the bulletin for ``month`` and ``division`` was issued (idempotent)."""
    with transaction.atomic():
        existing = Bulletin.objects.select_for_update().filter(month=month, division=division).first()
        if existing is not None:
            return existing
        data = build(division, month, month)
        bulletin = Bulletin.objects.create(month=month, division=division, issued_at=timezone.now(),
                                           digest=data.digest())
        record("bulletin.issue", actor=Actor.system("bulletin"), subject_type="bulletin",
               subject_id=f"{month:%Y-%m}/{division.code}", data={"digest": bulletin.digest,
                                                                  "divisions": len(data.rows)})
        return bulletin
