"""Safe published statistics: reports received, clues, verifications concluded and their outcomes,
by region and by category, for a year or a period of whole months, with small cells suppressed.

Figures by region come from the supervision facts table (``cluedesk.supervision.stats``): reports
received and clues. Outcomes are not in the facts table, so concluded clues and their outcomes
(by region and by category) are counted from the clues and their final conclusions — fields the
retention purge keeps. Every figure counts the clues received in the period (the facts' cohort
definition). Cells are suppressed with ``suppression.suppress``; only the shown values ever
leave this module (the page, the files and the yearly snapshot hold no hidden value).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluedesk.clues.models import Clue, Conclusion
from cluedesk.org.models import ROOT_CODE, Division
from cluedesk.supervision import stats

from . import suppression
from .policy import RetentionError as StatisticsError  # same shape: a message in the reader's language

MAX_MONTHS = 120
FIRST_YEAR = 2000
OUTCOMES = list(Conclusion.Outcome.values)
CONCLUDED = ("concluded", "reviewed")


def min_cell() -> int:
    """The threshold k (setting ``CLUEDESK_STATS_MIN_CELL``, environment variable of the same name;
    default 5, at least 3)."""
    value = getattr(settings, "CLUEDESK_STATS_MIN_CELL", None)
    if value is None:
        raw = os.environ.get("CLUEDESK_STATS_MIN_CELL", "5")
        try:
            value = int(raw)
        except ValueError:
            value = 5
    return max(3, int(value))


def min_scope_reports() -> int:
    """A scope (division and period) with fewer reports received than this is refused outright."""
    return 4 * min_cell()


def rule_text(k: int) -> str:
    return _("Suppression rule: any count from 1 to %(k1)d is hidden (shown as “<%(k)d”); zero is shown. "
             "In every row and column with a hidden cell at least one more cell is hidden, so that the hidden "
             "cells together hold at least %(k)d and no hidden cell can be worked out from the totals by "
             "subtraction or any combination of rows and columns. A scope with fewer than %(min)d reports "
             "received, or shorter than a month, is not published.") % {"k": k, "k1": k - 1,
                                                                        "min": 4 * k}


# --- the request --------------------------------------------------------------------------------

@dataclass
class Scope:
    division: Division
    start: dt.date  # first month
    end: dt.date    # last month (inclusive)
    year: int | None = None

    @property
    def label(self) -> str:
        if self.year:
            return str(self.year)
        return f"{self.start:%Y-%m} – {self.end:%Y-%m}"


def _month(text: str, what: str) -> dt.date:
    text = text.strip()
    parts = text.split("-")
    if len(parts) == 3:
        raise StatisticsError(_("%(what)s “%(text)s” is a single day; statistics are published for whole months "
                                "(YEAR-MONTH) or years.") % {"what": what, "text": text}, "too_small")
    try:
        if len(parts) != 2 or len(parts[0]) != 4:
            raise ValueError
        month = dt.date(int(parts[0]), int(parts[1]), 1)
    except ValueError:
        raise StatisticsError(_("%(what)s “%(text)s” is not a month: write YEAR-MONTH, e.g. 2026-05.")
                              % {"what": what, "text": text}, "malformed") from None
    return month


def parse_scope(params: Any, *, now: dt.datetime | None = None) -> Scope:
    """The scope asked for: ``division`` (code; default the nation), and ``year`` or ``from``/``to``
    (YEAR-MONTH). Raises StatisticsError with a message for the reader."""
    now = now or timezone.now()
    this_month = stats.month_of(now)
    code = (params.get("division") or "").strip() or ROOT_CODE
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise StatisticsError(_("There is no region with the code “%(code)s”.") % {"code": code[:20]}, "division")
    year_text = (params.get("year") or "").strip()
    start_text = (params.get("from") or "").strip()
    end_text = (params.get("to") or "").strip()
    if year_text:
        if start_text or end_text:
            raise StatisticsError(_("Ask for a year or for a period (from, to), not both."), "malformed")
        if not (year_text.isdigit() and len(year_text) == 4):
            raise StatisticsError(_("The year “%(text)s” is not a year: write four digits, e.g. 2026.")
                                  % {"text": year_text[:20]}, "malformed")
        year = int(year_text)
        if year < FIRST_YEAR or year > this_month.year:
            raise StatisticsError(_("There are no statistics for %(year)d.") % {"year": year}, "out_of_range")
        return Scope(division, dt.date(year, 1, 1), dt.date(year, 12, 1), year)
    if not start_text and not end_text:
        from .models import StatisticsSnapshot

        latest = StatisticsSnapshot.objects.order_by("-year").values_list("year", flat=True).first()
        year = latest or this_month.year  # the latest published year, else this year so far
        return Scope(division, dt.date(year, 1, 1), dt.date(year, 12, 1), year)
    start = _month(start_text, _("The start")) if start_text else None
    end = _month(end_text, _("The end")) if end_text else None
    if start is None or end is None:
        raise StatisticsError(_("A period needs both a start and an end month."), "malformed")
    if start > end:
        raise StatisticsError(_("The period starts after it ends."), "malformed")
    if start > this_month:
        raise StatisticsError(_("The period lies in the future."), "out_of_range")
    if (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
        raise StatisticsError(_("A period is at most ten years."), "too_large")
    if start.year < FIRST_YEAR:
        raise StatisticsError(_("There are no statistics before %(year)d.") % {"year": FIRST_YEAR}, "out_of_range")
    return Scope(division, start, end)


# --- the tables ---------------------------------------------------------------------------------

COLUMN_LABELS = {
    "reports": gettext_lazy("Reports received"),
    "clues": gettext_lazy("Clues"),
    "concluded": gettext_lazy("Verifications concluded"),
    **{o: label for o, label in Conclusion.Outcome.choices},
}


@dataclass
class Table:
    key: str
    title: str
    row_keys: list[str]
    row_labels: dict[str, str]
    columns: list[str]
    shown: dict[str, dict[str, int | None]] = field(default_factory=dict)  # row → column → value or None

    @property
    def column_labels(self) -> list[str]:
        return [str(COLUMN_LABELS.get(c, c)) for c in self.columns]

    def rows(self) -> list[tuple[str, list[int | None]]]:
        return [(self.row_labels[r], [self.shown[r][c] for c in self.columns]) for r in [*self.row_keys, "total"]]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "rows": self.row_keys, "labels": self.row_labels, "columns": self.columns,
                "shown": self.shown}


def _bounds(scope: Scope) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(scope.start.year, scope.start.month, 1, tzinfo=tz)
    after = stats.add_months(scope.end, 1)
    return start, dt.datetime(after.year, after.month, 1, tzinfo=tz)


def _child_of(path: str | None, scope: Division, children: set[str]) -> str:
    """The child division of ``scope`` a path falls in, or "" (placed at the scope itself)."""
    codes = [c for c in (path or f"{ROOT_CODE}/").split("/") if c]
    depth = scope.level + 1
    if len(codes) > depth and codes[depth] in children:
        return codes[depth]
    return ""


def _raw_concluded(scope: Scope) -> list[tuple[str | None, str, str]]:
    """(division path, category, final outcome) of the concluded clues received in the scope."""
    start, end = _bounds(scope)
    qs = Clue.objects.filter(created_at__gte=start, created_at__lt=end, state__in=CONCLUDED)
    if not scope.division.code == ROOT_CODE:
        qs = qs.filter(division__path__startswith=scope.division.path)
    rows = list(qs.values_list("pk", "division__path", "category"))
    from .policy import final_outcomes

    outcomes = final_outcomes([r[0] for r in rows])
    return [(path, category or "", outcomes.get(pk, Conclusion.Outcome.NO_ACTION)) for pk, path, category in rows]


def _raw_clue_categories(scope: Scope) -> dict[str, int]:
    start, end = _bounds(scope)
    qs = Clue.objects.filter(created_at__gte=start, created_at__lt=end).exclude(state="merged")
    if scope.division.code != ROOT_CODE:
        qs = qs.filter(division__path__startswith=scope.division.path)
    counts: dict[str, int] = defaultdict(int)
    for category in qs.values_list("category", flat=True).iterator(chunk_size=10000):
        counts[category or ""] += 1
    return counts


def _finish(table: Table, values: dict[tuple[str, str], int], k: int, row_total_col: str | None,
            additive: list[str], forced: set[tuple[str, str]] | None = None) -> set[str]:
    """Suppress ``table`` in place; return the columns whose grand total is hidden."""
    lines = suppression.grid_lines(table.row_keys, "total", table.columns, row_total_col, additive)
    hidden = suppression.suppress(values, lines, k, forced)
    table.shown = {r: {c: (None if (r, c) in hidden else values[(r, c)]) for c in table.columns}
                   for r in [*table.row_keys, "total"]}
    return {c for r, c in hidden if r == "total"}


def build(scope: Scope, k: int | None = None) -> tuple[list[Table], dict[str, Any]]:
    """The suppressed tables of a scope; raises StatisticsError when the scope is too small."""
    from cluedesk.triage import labels

    k = k or min_cell()
    division = scope.division
    total = stats.one(division, scope.start, scope.end)
    floor = 4 * k
    if total.counts.get("reports", 0) < floor:
        raise StatisticsError(_("%(region)s received fewer than %(n)d reports in %(period)s: too few to publish "
                                "without risk of singling someone out. Choose a larger region or a longer period.")
                              % {"region": division.name, "n": floor, "period": scope.label}, "too_small")
    children = list(Division.objects.filter(parent=division).order_by("code")) if division.level < 3 else []
    child_rows = {r.division.code: r for r in stats.table(None, division, scope.start, scope.end)} if children else {}
    child_codes = {d.code for d in children}
    concluded = _raw_concluded(scope)

    # by region
    rows = [d.code for d in children if child_rows.get(d.code) and (child_rows[d.code].counts.get("reports")
                                                                     or child_rows[d.code].counts.get("clues"))]
    names = {d.code: d.name for d in children}
    values: dict[tuple[str, str], int] = defaultdict(int)
    for code in rows:
        values[(code, "reports")] = child_rows[code].counts.get("reports", 0)
        values[(code, "clues")] = child_rows[code].counts.get("clues", 0)
    values[("total", "reports")] = total.counts.get("reports", 0)
    values[("total", "clues")] = total.counts.get("clues", 0)
    for path, _category, outcome in concluded:
        child = _child_of(path, division, child_codes)
        if child and child not in rows:
            rows.append(child)
        values[(child or "elsewhere", outcome)] += 1
        values[(child or "elsewhere", "concluded")] += 1
        values[("total", outcome)] += 1
        values[("total", "concluded")] += 1
    # what is placed at the region itself rather than below it (keeps every column additive)
    rows.sort()
    if children:
        for c in ("reports", "clues"):
            values[("elsewhere", c)] = max(0, values[("total", c)] - sum(values[(r, c)] for r in rows))
        if any(values[("elsewhere", c)] for c in ("reports", "clues", "concluded")):
            rows.append("elsewhere")
    else:
        rows = []
    columns = ["reports", "clues", "concluded", *OUTCOMES]
    region_labels = {**names, "elsewhere": _("Not placed in a smaller region"), "total": _("Total")}
    by_region = Table("regions", _("By region"), rows, region_labels, columns)
    region_values = {(r, c): values[(r, c)] for r in [*rows, "total"] for c in columns}

    # by category
    clues_by_cat = _raw_clue_categories(scope)
    cvalues: dict[tuple[str, str], int] = defaultdict(int)
    for cat, n in clues_by_cat.items():
        cvalues[(cat, "clues")] += n
        cvalues[("total", "clues")] += n
    for _path, cat, outcome in concluded:
        cvalues[(cat, outcome)] += 1
        cvalues[(cat, "concluded")] += 1
        cvalues[("total", outcome)] += 1
        cvalues[("total", "concluded")] += 1
    cats = sorted({c for c, _col in cvalues if c != "total"}, key=lambda c: (c == "", c))
    ccolumns = ["clues", "concluded", *OUTCOMES]
    cat_labels = {c: (labels.label("category", c) if c else _("Not categorised")) for c in cats}
    cat_labels["total"] = _("Total")
    by_category = Table("categories", _("By category"), cats, cat_labels, ccolumns)
    category_values = {(r, c): cvalues[(r, c)] for r in [*cats, "total"] for c in ccolumns}
    # the two tables share their grand totals (clues, concluded, outcomes): a total hidden in one
    # is hidden in the other too, and both are suppressed again until they agree
    shared: set[str] = set()
    while True:
        forced = {("total", c) for c in shared}
        hidden_r = _finish(by_region, region_values, k, "concluded", OUTCOMES, forced)
        hidden_c = _finish(by_category, category_values, k, "concluded", OUTCOMES, forced)
        both = (hidden_r | hidden_c) & set(ccolumns)
        if both <= shared:
            break
        shared |= both
    meta = {"division": division.code, "division_name": division.name, "start": f"{scope.start:%Y-%m}",
            "end": f"{scope.end:%Y-%m}", "year": scope.year, "min_cell": k,
            "computed_at": timezone.now().isoformat()}
    return [by_region, by_category], meta


def tables_from_json(data: dict[str, Any]) -> list[Table]:
    out = []
    titles = {"regions": _("By region"), "categories": _("By category")}
    for t in data["tables"]:
        labels = dict(t["labels"])
        labels["total"] = _("Total")
        if "elsewhere" in labels:
            labels["elsewhere"] = _("Not placed in a smaller region")
        table = Table(t["key"], titles.get(t["key"], t["key"]), list(t["rows"]), labels, list(t["columns"]),
                      {r: dict(v) for r, v in t["shown"].items()})
        out.append(table)
    return out


# --- the yearly snapshot ------------------------------------------------------------------------

def publish_year(year: Any, *, user: Any, now: dt.datetime | None = None) -> Any:
    """Freeze the nation's figures of a finished year (one snapshot per year, ledgered)."""
    from cluedesk.ledger.services import Actor, record

    from .models import StatisticsSnapshot

    now = now or timezone.now()
    scope = parse_scope({"year": str(year or "").strip()}, now=now)
    if scope.year is None or scope.year >= stats.month_of(now).year:
        raise StatisticsError(_("%(year)s has not ended yet; a year is published once it is over.")
                              % {"year": scope.year}, "not_over")
    tables, meta = build(scope)
    data = {"meta": meta, "tables": [t.as_json() for t in tables]}
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    with transaction.atomic():
        existing = StatisticsSnapshot.objects.select_for_update().filter(year=scope.year).first()
        if existing is not None:
            raise StatisticsError(_("The statistics for %(year)d were already published on %(when)s; published "
                                    "figures are frozen.") % {"year": scope.year,
                                                              "when": f"{timezone.localtime(existing.published_at):%Y-%m-%d}"},
                                  "published")
        snap = StatisticsSnapshot.objects.create(year=scope.year, min_cell=meta["min_cell"], data=data, sha256=digest,
                                                 published_by=user, published_at=now)
        record("records.statistics_published", actor=Actor.staff(user), subject_type="statistics",
               subject_id=scope.year, data={"year": scope.year, "sha256": digest, "min_cell": meta["min_cell"]})
    return snap


# --- files --------------------------------------------------------------------------------------

def _cell(v: int | None, k: int) -> str | int:
    return f"<{k}" if v is None else v


def csv_bytes(tables: list[Table], meta: dict[str, Any], title: str) -> bytes:
    import csv
    import io

    k = int(meta["min_cell"])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([title])
    w.writerow([_("Region"), meta["division_name"], _("Period"), meta.get("year") or f"{meta['start']} – {meta['end']}"])
    w.writerow([rule_text(k)])
    for t in tables:
        w.writerow([])
        w.writerow([t.title])
        w.writerow(["", *t.column_labels])
        for label, vals in t.rows():
            w.writerow([label, *(_cell(v, k) for v in vals)])
    return ("\ufeff" + buf.getvalue()).encode()


def xlsx_bytes(tables: list[Table], meta: dict[str, Any], title: str) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    k = int(meta["min_cell"])
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Statistics"))[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([str(_("Region")), meta["division_name"], str(_("Period")),
               str(meta.get("year") or f"{meta['start']} – {meta['end']}")])
    ws.append([rule_text(k)])
    ws["A3"].alignment = Alignment(wrap_text=True)
    for t in tables:
        ws.append([])
        ws.append([t.title])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.append(["", *t.column_labels])
        for label, vals in t.rows():
            ws.append([label, *(_cell(v, k) for v in vals)])
    ws.column_dimensions["A"].width = 34
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
