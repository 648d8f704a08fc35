"""Published statistics that cannot be differenced: reports received, clues opened and verifications
concluded (with their outcomes), by region and by category, for fixed periods only — a month, a
quarter or a year — with small cells suppressed consistently across every published figure.

How it works (docs/records.md, "Published statistics"):

1. **Frozen months.** Shortly after a month ends, its exact counts are read from the records once,
   in one transaction, and kept (``StatisticsMonth``, never served). Every published figure of that
   month, its quarter and its year is a sum of these, so figures never change once published and
   always add up: a year is the sum of its months, a region the sum of its smaller regions, the
   table by region and the table by category of a page share their totals (one source).
2. **Editions.** Each time a month is frozen, the whole lattice of its year — every closed period ×
   every region × every category × every column — is suppressed as one problem
   (``lattice.solve``); earlier editions' shown cells stay shown and their hidden cells and refused
   pages stay hidden, so everything ever published is as safe as the latest edition. Each edition
   is ledgered with the SHA-256 of its pages; the pages (shown values only) are stored
   (``StatisticsPage``) and served as they are.
3. **Fixed periods.** ``from``/``to`` ranges are refused (a range is how a year minus eleven months
   gave December); a request names a period and a region, and is answered from the stored page.

Definitions: a report counts in the month it was received and the region it names; a clue in the
month it was opened (unless it had been merged into another when the month was frozen) and the
region and category it was placed in; a verification in the month its conclusion was issued, once
as concluded and under each outcome of the clue's final conclusion (a criminal case and a
discipline referral: under both).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluedesk.clues.models import Clue, Conclusion, split_outcomes
from cluedesk.intake.models import Report
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import ROOT_CODE, Division
from cluedesk.supervision import stats
from cluedesk.triage import labels

from . import lattice
from .models import StatisticsEdition, StatisticsMonth, StatisticsPage, StatisticsSnapshot
from .policy import RetentionError as StatisticsError  # same shape: a message in the reader's language
from .policy import final_outcomes

FIRST_YEAR = 2000
OUTCOMES = list(Conclusion.Outcome.values)
CONCLUDED = ("concluded", "reviewed")
SETTLE = dt.timedelta(minutes=10)  # a month is frozen this long after it ends (submissions still committing)

if OUTCOMES != lattice.OUTCOMES:  # the lattice's columns are the conclusion outcomes, in their order
    raise RuntimeError("records.lattice.OUTCOMES differs from Conclusion.Outcome")


def min_cell() -> int:
    """The threshold k (setting ``CLUEDESK_STATS_MIN_CELL``, environment variable of the same name;
    default 5, at least 3)."""
    value = settings.CLUEDESK_STATS_MIN_CELL
    if value is None:
        raw = os.environ.get("CLUEDESK_STATS_MIN_CELL", "5")
        try:
            value = int(raw)
        except ValueError:
            value = 5
    return max(3, int(value))


def min_scope_reports(k: int | None = None) -> int:
    """A page (region and period) with fewer reports received than this is not published."""
    return 4 * (k or min_cell())


def rule_text(k: int) -> str:
    return _("Suppression rule: any count from 1 to %(k1)d is hidden (shown as “<%(k)d”); zero is shown. "
             "Figures are published for whole months, quarters and years only, and a page for a region and "
             "period only when it received at least %(min)d reports. Hiding is decided for all published "
             "figures together — every period, region and category — so that no hidden count, and no "
             "remainder of fewer than %(min)d reports, can be worked out by adding or subtracting published "
             "figures, across tables, regions or periods.") % {"k": k, "k1": k - 1, "min": 4 * k}


# --- periods ------------------------------------------------------------------------------------

PERIOD_RE = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|[Qq]([1-4])))?$")


def parse_period(text: str) -> str:
    """"2026", "2026-Q1" (or q1) or "2026-03" → its key; StatisticsError otherwise."""
    text = (text or "").strip()
    m = PERIOD_RE.match(text)
    if not m:
        raise StatisticsError(_("“%(text)s” is not a period: write a year (2026), a quarter (2026-Q1) or a "
                                "month (2026-03).") % {"text": text[:20]}, "malformed")
    year, month, quarter = m.groups()
    if int(year) < FIRST_YEAR:
        raise StatisticsError(_("There are no statistics before %(year)d.") % {"year": FIRST_YEAR}, "out_of_range")
    if month:
        return f"{year}-{month}"
    if quarter:
        return f"{year}-Q{quarter}"
    return year


def period_label(key: str) -> str:
    kind = lattice.period_kind(key)
    year = int(key[:4])
    if kind == "quarter":
        return _("%(year)d Q%(q)d") % {"year": year, "q": int(key[-1])}
    if kind == "month":
        return _("%(year)d-%(month)02d") % {"year": year, "month": int(key[5:7])}
    return _("%(year)d (whole year)") % {"year": year}


def period_end(key: str) -> dt.date:
    return stats.add_months(lattice.period_months(key)[-1], 1)


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    after = stats.add_months(month, 1)
    return (dt.datetime(month.year, month.month, 1, tzinfo=tz), dt.datetime(after.year, after.month, 1, tzinfo=tz))


def closed_through(now: dt.datetime) -> dt.date:
    """The last month that has ended (and settled) at ``now``."""
    last = stats.add_months(stats.month_of(now), -1)
    if now < _month_bounds(last)[1] + SETTLE:
        last = stats.add_months(last, -1)
    return last


# --- 1. frozen months ---------------------------------------------------------------------------

def _position(path: str | None) -> str:
    codes = [c for c in (path or "").split("/") if c]
    return codes[-1] if codes else ROOT_CODE


def month_counts(month: dt.date) -> dict[str, Any]:
    """A month's exact counts from the records (call inside one transaction: one source)."""
    start, end = _month_bounds(month)
    reports: dict[str, int] = defaultdict(int)
    for path in Report.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
            "division__path", flat=True).iterator(chunk_size=10000):
        reports[_position(path)] += 1
    clues: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path, category in Clue.objects.filter(created_at__gte=start, created_at__lt=end).exclude(
            state=Clue.State.MERGED).values_list("division__path", "category").iterator(chunk_size=10000):
        clues[_position(path)][category or ""] += 1
    concluded = list(Clue.objects.filter(concluded_at__gte=start, concluded_at__lt=end, state__in=CONCLUDED)
                     .values_list("pk", "division__path", "category"))
    finals = final_outcomes([pk for pk, _p, _c in concluded])
    further = further_outcomes([pk for pk, _p, _c in concluded])
    outcomes: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    also: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for pk, path, category in concluded:
        main = finals.get(pk, Conclusion.Outcome.NO_ACTION)
        outcomes[_position(path)][category or ""][main] += 1
        for outcome in further.get(pk, []):
            if outcome != main:
                also[_position(path)][category or ""][outcome] += 1
    counts = {"reports": dict(reports), "clues": {p: dict(c) for p, c in clues.items()},
              "outcomes": {p: {c: dict(o) for c, o in by.items()} for p, by in outcomes.items()}}
    if also:  # months frozen before a conclusion could carry several outcomes have no such key
        counts["further"] = {p: {c: dict(o) for c, o in by.items()} for p, by in also.items()}
    return counts


def further_outcomes(clue_ids: list[int]) -> dict[int, list[str]]:
    """Each clue's final conclusion's further outcomes (beside its main one), known ones only: a
    verification counts once as concluded and under each of its outcomes."""
    latest: dict[int, tuple[int, str]] = {}
    for start in range(0, len(clue_ids), 2000):
        for clue_id, pk, also in Conclusion.objects.filter(
                clue_id__in=clue_ids[start:start + 2000], final=True, superseded=False).values_list(
                "clue_id", "pk", "also_outcomes"):
            if clue_id not in latest or pk > latest[clue_id][0]:
                latest[clue_id] = (pk, also)
    return {cid: list(dict.fromkeys(o for o in split_outcomes(also) if o in OUTCOMES))
            for cid, (_pk, also) in latest.items() if also}


def freeze_month(month: dt.date, *, now: dt.datetime | None = None) -> StatisticsMonth:
    """Freeze a closed month's counts once (a second call returns the frozen row)."""
    now = now or timezone.now()
    if month > closed_through(now):
        raise StatisticsError(_("%(period)s has not ended yet; a period is published once it is over.")
                              % {"period": period_label(f"{month:%Y-%m}")}, "not_over")
    with transaction.atomic():
        existing = StatisticsMonth.objects.select_for_update().filter(month=month).first()
        if existing is not None:
            return existing
        return StatisticsMonth.objects.create(month=month, computed_at=now, counts=month_counts(month))


def months_to_freeze(now: dt.datetime) -> list[dt.date]:
    """Every closed month from January of the first year with a record, not frozen yet."""
    firsts = [Report.objects.aggregate(m=Min("created_at"))["m"], Clue.objects.aggregate(m=Min("created_at"))["m"]]
    firsts = [f for f in firsts if f is not None]
    if not firsts:
        return []
    month = dt.date(stats.month_of(min(firsts)).year, 1, 1)
    last = closed_through(now)
    done = set(StatisticsMonth.objects.values_list("month", flat=True))
    out = []
    while month <= last:
        if month not in done:
            out.append(month)
        month = stats.add_months(month, 1)
    return out


# --- 2. editions --------------------------------------------------------------------------------

def region_tree(codes: set[str]) -> lattice.Tree:
    """The regions ``codes`` name and every region above them (an unknown code counts at the nation)."""
    rows = {d.code: d for d in Division.objects.filter(code__in=codes)}
    wanted: set[str] = {ROOT_CODE}
    for d in rows.values():
        wanted.update(c for c in d.path.split("/") if c)
    parent: dict[str, str | None] = {}
    level: dict[str, int] = {}
    for code, parent_id, lvl in Division.objects.filter(code__in=wanted).values_list("code", "parent_id", "level"):
        parent[code] = parent_id if parent_id in wanted else (None if code == ROOT_CODE else ROOT_CODE)
        level[code] = lvl
    if ROOT_CODE not in level:
        parent[ROOT_CODE], level[ROOT_CODE] = None, 0
    with_children = set(Division.objects.filter(parent_id__in=list(level)).values_list("parent_id", flat=True))
    return lattice.Tree(parent=parent, level=level, leaves=set(level) - with_children)


def _counts_in_tree(counts: dict[str, Any], tree: lattice.Tree) -> dict[str, Any]:
    """The counts with positions the tree does not know moved to the nation."""
    def fix(pos: str) -> str:
        return pos if pos in tree.level else ROOT_CODE

    out: dict[str, Any] = {"reports": defaultdict(int), "clues": defaultdict(lambda: defaultdict(int)),
                           "outcomes": defaultdict(lambda: defaultdict(lambda: defaultdict(int))),
                           "further": defaultdict(lambda: defaultdict(lambda: defaultdict(int)))}
    for pos, n in counts.get("reports", {}).items():
        out["reports"][fix(pos)] += n
    for pos, by in counts.get("clues", {}).items():
        for cat, n in by.items():
            out["clues"][fix(pos)][cat] += n
    for kind in ("outcomes", "further"):
        for pos, by in counts.get(kind, {}).items():
            for cat, by_o in by.items():
                for o, n in by_o.items():
                    out[kind][fix(pos)][cat][o] += n
    return out


def _fixed(year: int) -> lattice.Fixed:
    """What the year's earlier editions published (pages and refusals, shown and hidden cells)."""
    fixed = lattice.Fixed()
    for page in StatisticsPage.objects.filter(year=year):
        key = (page.period, page.division_code)
        if page.status != StatisticsPage.Status.PUBLISHED:
            fixed.refused.add(key)
            continue
        fixed.published.add(key)
        d, p, node = page.data, page.period, page.division_code
        if not d:
            continue
        rows = [(node, lattice.ALL, d["total"]), *((n, lattice.ALL, r) for n, r in d["regions"].items()),
                *((node, c, r) for c, r in d["by_category"].items())]
        for n, c, row in rows:
            for col, v in row.items():
                if v is None:
                    fixed.hidden.add((p, n, c, col))
                else:
                    fixed.shown[(p, n, c, col)] = v
    return fixed


def _digest(pages: dict[tuple[str, str], dict[str, Any]], statuses: dict[tuple[str, str], str]) -> str:
    body = {"pages": {f"{p}|{n}": d for (p, n), d in sorted(pages.items())},
            "statuses": {f"{p}|{n}": s for (p, n), s in sorted(statuses.items())}}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def compute_edition(year: int, *, now: dt.datetime | None = None, k: int | None = None) -> StatisticsEdition | None:
    """Suppress the year's lattice over its frozen months and store the pages, unless the latest
    edition already covers them. Returns the new edition or None."""
    now = now or timezone.now()
    k = k or min_cell()
    frozen = {m.month: m.counts for m in StatisticsMonth.objects.filter(month__year=year)}
    if not frozen:
        return None
    through = max(frozen)
    latest = StatisticsEdition.objects.filter(year=year).order_by("-number").first()
    if latest is not None and latest.through >= through:
        return None
    positions: set[str] = set()
    for counts in frozen.values():
        for kind in ("reports", "clues", "outcomes", "further"):
            positions.update(counts.get(kind, {}))
    tree = region_tree(positions)
    months = {m: _counts_in_tree(c, tree) for m, c in sorted(frozen.items())}
    result = lattice.solve(months, tree, k=k, min_scope=min_scope_reports(k), fixed=_fixed(year))
    pages = result.pages()
    digest = _digest(pages, result.scopes)
    with transaction.atomic():
        number = (StatisticsEdition.objects.select_for_update().filter(year=year).aggregate(n=Max("number"))["n"]
                  or 0) + 1
        existing = {(p.period, p.division_code): p for p in StatisticsPage.objects.filter(year=year)}
        new, changed = [], []
        for key, status in result.scopes.items():
            data = pages.get(key, {})
            page = existing.get(key)
            if page is None:
                new.append(StatisticsPage(period=key[0], division_code=key[1], year=year, status=status, data=data,
                                          computed_at=now, edition=number))
            elif page.status != status or page.data != data:
                page.status, page.data, page.edition = status, data, number
                changed.append(page)
        StatisticsPage.objects.bulk_create(new, batch_size=1000)
        StatisticsPage.objects.bulk_update(changed, ["status", "data", "edition"], batch_size=1000)
        edition = StatisticsEdition.objects.create(
            year=year, number=number, through=through, computed_at=now, periods=result.periods, min_cell=k,
            min_scope=min_scope_reports(k), sha256=digest, summary=result.stats)
        record("records.statistics_edition", actor=Actor.system("statistics"), subject_type="statistics",
               subject_id=f"{year}#{number}",
               data={"year": year, "edition": number, "through": f"{through:%Y-%m}", "periods": result.periods,
                     "sha256": digest, "min_cell": k, "pages": len(pages)})
    return edition


def job(now: dt.datetime | None = None) -> dict[str, Any]:
    """The worker's job: freeze the months that have ended, then a new edition of each year that
    gained a frozen month."""
    now = now or timezone.now()
    frozen = [freeze_month(m, now=now).month for m in months_to_freeze(now)]
    years = sorted({m.year for m in frozen} | set(
        StatisticsMonth.objects.values_list("month__year", flat=True).distinct()))
    editions = []
    for year in years:
        edition = compute_edition(year, now=now)
        if edition is not None:
            editions.append(f"{year}#{edition.number}")
    return {"frozen": [f"{m:%Y-%m}" for m in frozen], "editions": editions}


# --- 3. serving ---------------------------------------------------------------------------------

COLUMN_LABELS = {
    "reports": gettext_lazy("Reports received"),
    "clues": gettext_lazy("Clues opened"),
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


@dataclass
class Request:
    period: str
    division: Division


def published_periods() -> list[str]:
    """Every period some edition has published, the latest first (a year before its quarters,
    a quarter before its months)."""
    keys: set[str] = set()
    for periods in StatisticsEdition.objects.values_list("periods", flat=True):
        keys.update(periods)
    return sorted(keys, key=lambda p: (period_end(p), len(lattice.period_months(p))), reverse=True)


def fixed_period_for(start: dt.date, end: dt.date) -> str | None:
    """The month, quarter or year exactly covering start…end (first months), if there is one."""
    if start == end:
        return f"{start:%Y-%m}"
    if start.year == end.year and start.month == 1 and end.month == 12:
        return str(start.year)
    if start.year == end.year and start.month % 3 == 1 and end.month == start.month + 2:
        return f"{start.year}-Q{(start.month + 2) // 3}"
    return None


def parse_request(params: Any) -> Request:
    """``division`` (a code; default the nation) and ``period`` (or, from older links, ``year``).
    Raises StatisticsError; a ``from``/``to`` range raises one with code "range"."""
    code = (params.get("division") or "").strip() or ROOT_CODE
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise StatisticsError(_("There is no region with the code “%(code)s”.") % {"code": code[:20]}, "division")
    if (params.get("from") or "").strip() or (params.get("to") or "").strip():
        raise StatisticsError(_("Statistics are published for fixed periods only — a month, a quarter or a year — "
                                "so that no period can be worked out by subtracting one published figure from "
                                "another. Choose one of the published periods."), "range")
    text = (params.get("period") or params.get("year") or "").strip()
    if not text:
        periods = published_periods()
        if not periods:
            raise StatisticsError(_("Nothing has been published yet: the figures for a month are published "
                                    "shortly after it ends."), "none")
        return Request(periods[0], division)
    return Request(parse_period(text), division)


def range_redirect(params: Any) -> str | None:
    """For a ``from``/``to`` range that is exactly a month, quarter or year: that period's key."""
    try:
        start = stats.parse_month(params.get("from") or "")
        end = stats.parse_month(params.get("to") or "")
    except ValueError:
        return None
    return fixed_period_for(start, end)


def range_months(params: Any) -> set[dt.date]:
    """The months of a ``from``/``to`` range (empty when it is not one, or too long to matter)."""
    try:
        start = stats.parse_month(params.get("from") or "")
        end = stats.parse_month(params.get("to") or "")
    except ValueError:
        return set()
    out: set[dt.date] = set()
    month = start
    while month <= end and len(out) < 240:
        out.add(month)
        month = stats.add_months(month, 1)
    return out


def page(req: Request, *, now: dt.datetime | None = None) -> tuple[list[Table], dict[str, Any]]:
    """The stored page for the request, or StatisticsError saying why there is none."""
    now = now or timezone.now()
    period, division = req.period, req.division
    label = period_label(period)
    row = StatisticsPage.objects.filter(period=period, division_code=division.code).first()
    if row is None or row.status != StatisticsPage.Status.PUBLISHED:
        depth = lattice.DEPTH[lattice.period_kind(period)]
        if row is None and lattice.period_months(period)[-1] > closed_through(now):
            raise StatisticsError(_("%(period)s has not ended yet; a period is published shortly after it is over.")
                                  % {"period": label}, "not_over")
        if division.level > depth:
            limits = {"month": _("Monthly figures are published for the whole country and for provinces."),
                      "quarter": _("Quarterly figures are published down to cities."),
                      "year": _("Yearly figures are published down to cities.")}
            raise StatisticsError(
                _("There is no page for %(region)s in %(period)s. %(limit)s Choose a larger region or a longer "
                  "period.") % {"region": division.name, "period": label,
                                "limit": limits[lattice.period_kind(period)]}, "too_deep")
        if row is None and not _edition_has(period):
            raise StatisticsError(_("The figures for %(period)s have not been published yet.") % {"period": label},
                                  "pending")
        if row is not None and row.status == StatisticsPage.Status.COMPLEMENT:
            raise StatisticsError(
                _("The figures for %(region)s in %(period)s are not published: together with figures already "
                  "published they would let a smaller region or period, with fewer than %(n)d reports, be worked "
                  "out by subtraction. Choose a larger region or another period.")
                % {"region": division.name, "period": label, "n": min_scope_reports()}, "complement")
        raise StatisticsError(_("%(region)s received fewer than %(n)d reports in %(period)s: too few to publish "
                                "without risk of singling someone out. Choose a larger region or a longer period.")
                              % {"region": division.name, "n": min_scope_reports(), "period": label}, "too_small")
    edition = StatisticsEdition.objects.filter(year=row.year).order_by("-number").first()
    return tables_of(row), {"division": division.code, "division_name": division.name, "period": period,
                            "period_label": label, "computed_at": row.computed_at, "edition": edition,
                            "min_cell": edition.min_cell if edition else min_cell()}


def _edition_has(period: str) -> bool:
    """Whether an edition published ``period`` (JSON containment is not on every backend)."""
    return any(period in p for p in StatisticsEdition.objects.filter(year=int(period[:4])).values_list(
        "periods", flat=True))


def tables_of(row: StatisticsPage) -> list[Table]:
    d = row.data
    rows = list(d["rows"])
    codes = [r.lstrip("~") for r in rows]
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    region_labels = {r: (_("Not placed in a smaller region") if r.startswith("~") else names.get(r, r)) for r in rows}
    region_labels["total"] = _("Total")
    by_region = Table("regions", _("By region"), rows, region_labels, list(lattice.COLUMNS),
                      {**{r: dict(v) for r, v in d["regions"].items()}, "total": dict(d["total"])})
    cats = list(d["categories"])
    cat_labels = {c: (labels.label("category", c) if c else _("Not categorised")) for c in cats}
    cat_labels["total"] = _("Total")
    total = {c: d["total"][c] for c in lattice.CATEGORY_COLUMNS}
    by_category = Table("categories", _("By category"), cats, cat_labels, list(lattice.CATEGORY_COLUMNS),
                        {**{c: dict(v) for c, v in d["by_category"].items()}, "total": total})
    return [by_region, by_category]


# --- files --------------------------------------------------------------------------------------

def _cell(v: int | None, k: int) -> str | int:
    return f"<{k}" if v is None else v


def _heading(meta: dict[str, Any]) -> list[str]:
    when = f"{timezone.localtime(meta['computed_at']):%Y-%m-%d %H:%M}"
    return [_("Region"), meta["division_name"], _("Period"), meta["period_label"], _("Computed"), when]


def csv_bytes(tables: list[Table], meta: dict[str, Any], title: str) -> bytes:
    import csv
    import io

    k = int(meta["min_cell"])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([title])
    w.writerow(_heading(meta))
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
    ws.append([str(x) for x in _heading(meta)])
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


# --- the yearly confirmation --------------------------------------------------------------------

def publish_year(year: Any, *, user: Any, now: dt.datetime | None = None) -> StatisticsSnapshot:
    """An admin confirms a finished year: its twelve months are frozen and its last edition
    computed (now if the worker has not yet), and the edition's SHA-256 is recorded once."""
    now = now or timezone.now()
    text = str(year or "").strip()
    if not (text.isdigit() and len(text) == 4):
        raise StatisticsError(_("The year “%(text)s” is not a year: write four digits, e.g. 2026.")
                              % {"text": text[:20]}, "malformed")
    y = int(text)
    if y < FIRST_YEAR:
        raise StatisticsError(_("There are no statistics for %(year)d.") % {"year": y}, "out_of_range")
    if dt.date(y, 12, 1) > closed_through(now):
        raise StatisticsError(_("%(year)s has not ended yet; a year is published once it is over.") % {"year": y},
                              "not_over")
    existing = StatisticsSnapshot.objects.filter(year=y).first()
    if existing is not None:
        raise StatisticsError(_("The statistics for %(year)d were already published on %(when)s; published "
                                "figures are frozen.") % {"year": y,
                                                          "when": f"{timezone.localtime(existing.published_at):%Y-%m-%d}"},
                              "published")
    for m in range(1, 13):
        freeze_month(dt.date(y, m, 1), now=now)
    compute_edition(y, now=now)
    edition = StatisticsEdition.objects.filter(year=y).order_by("-number").first()
    if edition is None:
        raise StatisticsError(_("There are no statistics for %(year)d.") % {"year": y}, "out_of_range")
    with transaction.atomic():
        if StatisticsSnapshot.objects.select_for_update().filter(year=y).exists():
            raise StatisticsError(_("The statistics for %(year)d were already published; published figures are "
                                    "frozen.") % {"year": y}, "published")
        snap = StatisticsSnapshot.objects.create(
            year=y, min_cell=edition.min_cell, sha256=edition.sha256, published_by=user, published_at=now,
            data={"edition": edition.number, "through": f"{edition.through:%Y-%m}", "periods": edition.periods})
        record("records.statistics_published", actor=Actor.staff(user), subject_type="statistics", subject_id=y,
               data={"year": y, "sha256": edition.sha256, "edition": edition.number, "min_cell": edition.min_cell})
    return snap
