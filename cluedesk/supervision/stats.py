"""The facts table: computing each clue's contribution, applying deltas, the full rebuild, and
reading the figures (tables, drill-down, trends) with the rates and their definitions.

Definitions (printed on the dashboard and the bulletin, see ``DEFINITIONS``): figures for a month
count the clues *received* in that month (a cohort), by the division the clue is placed in,
rolled up the tree; "reports received" counts reports by the month they arrived and the division
the report names. Verification rate = concluded ÷ dispatched; case rate = cases ÷ concluded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cluedesk.clues.models import Clue, Conclusion
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.org.models import ROOT_CODE, Division

from .models import COUNTERS, ClueStat, Fact, FactDays, JobState

S = Clue.State
VALID_STATES = frozenset({S.SCREENED, S.ASSIGNED, S.VERIFYING, S.DRAFTED, S.SIGNED, S.CONCLUDED, S.REVIEWED})
DISPATCHED_STATES = frozenset({S.ASSIGNED, S.VERIFYING, S.DRAFTED, S.SIGNED, S.CONCLUDED, S.REVIEWED})
OPEN_DISPATCHED = frozenset({S.ASSIGNED, S.VERIFYING, S.DRAFTED, S.SIGNED})
CONCLUDED_STATES = frozenset({S.CONCLUDED, S.REVIEWED})
CASE = Conclusion.Outcome.CRIMINAL_CASE

# Reports newer than this are left for the next run, so a submission still committing is never skipped.
REPORT_SETTLE = dt.timedelta(minutes=2)

DEFINITIONS = [
    (_("Period"), _("Clue figures count the clues received in the period (a cohort), whatever their state now; "
                    "reports received count reports by the day they arrived.")),
    (_("Scope"), _("A division's figures include every division below it (a province counts its cities and "
                   "counties).")),
    (_("Valid clues"), _("Clues accepted as valid at screening (every state from screened on).")),
    (_("Dispatched"), _("Valid clues handed to a unit for verification (assigned or later).")),
    (_("Concluded"), _("Clues whose signed conclusion was issued (concluded or reviewed).")),
    (_("Verification rate"), _("Concluded ÷ dispatched.")),
    (_("Cases"), _("Concluded clues whose final conclusion opened a criminal case.")),
    (_("Case rate"), _("Cases ÷ concluded.")),
    (_("Overdue"), _("Dispatched, not yet concluded, and past the deadline when the figures were refreshed.")),
    (_("Median days"), _("Median whole days from receipt to conclusion, over concluded clues.")),
    (_("Repeat reports"), _("Reports beyond the first on the same clue.")),
]


def month_of(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(timezone.get_current_timezone())
    return dt.date(moment.year, moment.month, 1)


def parse_month(text: str) -> dt.date:
    """'2026-05' → date(2026, 5, 1); ValueError with a readable message otherwise."""
    try:
        year, month = (int(p) for p in text.strip().split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise ValueError(_("A month is written YEAR-MONTH, e.g. 2026-05.")) from None


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def ancestors(path: str) -> list[str]:
    codes = [c for c in path.split("/") if c]
    return codes or [ROOT_CODE]


# --- one clue's contribution ------------------------------------------------------------------

@dataclass
class Contribution:
    path: str
    month: dt.date
    valid: bool = False
    dispatched: bool = False
    concluded: bool = False
    case: bool = False
    overdue: bool = False
    umbrella: bool = False
    repeat_reports: int = 0
    days: int | None = None

    def vector(self) -> dict[str, int]:
        return {
            "clues": 1, "valid": int(self.valid), "dispatched": int(self.dispatched),
            "concluded": int(self.concluded), "cases": int(self.case), "overdue": int(self.overdue),
            "umbrella": int(self.umbrella), "repeat_reports": self.repeat_reports,
            "repeated_clues": int(self.repeat_reports > 0), "days_sum": self.days or 0,
        }


CLUE_FIELDS = ("pk", "state", "division__path", "created_at", "concluded_at", "deadline", "umbrella", "report_count")


def _case_ids(clue_ids: Iterable[int] | None) -> set[int]:
    qs = Conclusion.objects.filter(final=True, superseded=False)
    if clue_ids is not None:
        qs = qs.filter(clue_id__in=list(clue_ids))
    latest: dict[int, tuple[int, bool]] = {}
    for clue_id, pk, outcome, also in qs.values_list("clue_id", "pk", "outcome", "also_outcomes").iterator(
            chunk_size=5000):
        if clue_id not in latest or pk > latest[clue_id][0]:
            # a case whether it is the main outcome or one of several (a case and a discipline referral)
            latest[clue_id] = (pk, outcome == CASE or f",{CASE}," in (also or ""))
    return {cid for cid, (_pk, case) in latest.items() if case}


def contribution(row: tuple[Any, ...], cases: set[int], now: dt.datetime) -> Contribution:
    pk, state, path, created_at, concluded_at, deadline, umbrella, report_count = row
    concluded = state in CONCLUDED_STATES
    days = None
    if concluded and concluded_at is not None:
        days = max(0, (concluded_at - created_at).days)
    return Contribution(
        path=path or f"{ROOT_CODE}/", month=month_of(created_at), valid=state in VALID_STATES,
        dispatched=state in DISPATCHED_STATES, concluded=concluded, case=concluded and pk in cases,
        overdue=state in OPEN_DISPATCHED and deadline is not None and deadline < now, umbrella=bool(umbrella),
        repeat_reports=max(0, (report_count or 0) - 1), days=days)


def _stat_to_contribution(s: ClueStat) -> Contribution:
    return Contribution(s.path, s.month, s.valid, s.dispatched, s.concluded, s.case, s.overdue, s.umbrella,
                        s.repeat_reports, s.days)


# --- accumulating cells -----------------------------------------------------------------------

@dataclass
class Cells:
    """Counters and day histograms keyed by (division code, month), rolled up the tree."""

    counts: dict[tuple[str, dt.date], dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    days: dict[tuple[str, dt.date, int], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, c: Contribution, sign: int = 1) -> None:
        vector = c.vector()
        for code in ancestors(c.path):
            cell = self.counts[(code, c.month)]
            for k, v in vector.items():
                if v:
                    cell[k] += sign * v
            if c.days is not None:
                self.days[(code, c.month, c.days)] += sign

    def add_reports(self, path: str, month: dt.date, n: int) -> None:
        for code in ancestors(path):
            self.counts[(code, month)]["reports"] += n

    def normalized(self) -> tuple[dict[tuple[str, dt.date], dict[str, int]], dict[tuple[str, dt.date, int], int]]:
        counts = {k: {c: v[c] for c in COUNTERS if v.get(c)} for k, v in self.counts.items()}
        counts = {k: v for k, v in counts.items() if v}
        days = {k: v for k, v in self.days.items() if v}
        return counts, days


def full_cells(now: dt.datetime | None = None) -> Cells:
    """Recompute every figure from the clues and reports themselves (no shortcut)."""
    now = now or timezone.now()
    cells = Cells()
    cases = _case_ids(None)
    for row in Clue.objects.values_list(*CLUE_FIELDS).order_by().iterator(chunk_size=10000):
        cells.add(contribution(row, cases, now))
    for path, created_at in Report.objects.values_list("division__path", "created_at").order_by().iterator(chunk_size=10000):
        cells.add_reports(path or f"{ROOT_CODE}/", month_of(created_at), 1)
    return cells


def stored_cells() -> tuple[dict[tuple[str, dt.date], dict[str, int]], dict[tuple[str, dt.date, int], int]]:
    counts = {}
    for row in Fact.objects.values("division_id", "month", *COUNTERS):
        values = {c: row[c] for c in COUNTERS if row[c]}
        if values:
            counts[(row["division_id"], row["month"])] = values
    days = {(d, m, n_days): n for d, m, n_days, n in FactDays.objects.values_list("division_id", "month", "days", "n") if n}
    return counts, days


# --- writing ----------------------------------------------------------------------------------

def _levels(codes: Iterable[str]) -> dict[str, int]:
    return dict(Division.objects.filter(code__in=set(codes)).values_list("code", "level"))


def _apply(cells: Cells) -> None:
    """Add the cells' (signed) counts to the stored facts: new cells inserted, existing ones
    incremented in place (``SET x = x + delta``, one statement run for many rows)."""
    from django.db import connection

    qn = connection.ops.quote_name
    counts = {k: v for k, v in cells.counts.items() if any(v.values())}
    if counts:
        levels = _levels(code for code, _m in counts)
        codes = {code for code, _m in counts}
        months = {m for _c, m in counts}
        existing = {(d, m): pk for pk, d, m in Fact.objects.filter(division_id__in=codes, month__in=months)
                    .values_list("pk", "division_id", "month")}
        new: list[Fact] = []
        increments: list[tuple[Any, ...]] = []
        for (code, month), delta in counts.items():
            if code not in levels:
                continue  # a division removed from the tree: nothing to attach the figures to
            pk = existing.get((code, month))
            if pk is None:
                new.append(Fact(division_id=code, month=month, level=levels[code], **delta))
            else:
                increments.append((*(delta.get(k, 0) for k in COUNTERS), pk))
        Fact.objects.bulk_create(new, batch_size=2000)
        if increments:
            sets = ", ".join(f"{qn(k)} = {qn(k)} + %s" for k in COUNTERS)
            with connection.cursor() as cur:
                cur.executemany(f"UPDATE {qn(Fact._meta.db_table)} SET {sets} WHERE id = %s",  # noqa: S608
                                increments)
    days = {k: v for k, v in cells.days.items() if v}
    if days:
        codes = {c for c, _m, _d in days}
        months = {m for _c, m, _d in days}
        existing_days = {(d, m, n): pk for pk, d, m, n in FactDays.objects.filter(
            division_id__in=codes, month__in=months).values_list("pk", "division_id", "month", "days")}
        levels = _levels(codes)
        new_d: list[FactDays] = []
        bumps: list[tuple[int, int]] = []
        for key, dn in days.items():
            if key[0] not in levels:
                continue
            pk = existing_days.get(key)
            if pk is None:
                new_d.append(FactDays(division_id=key[0], month=key[1], days=key[2], n=dn))
            else:
                bumps.append((dn, pk))
        FactDays.objects.bulk_create(new_d, batch_size=2000)
        if bumps:
            with connection.cursor() as cur:
                cur.executemany(f"UPDATE {qn(FactDays._meta.db_table)} SET n = n + %s WHERE id = %s",  # noqa: S608
                                bumps)
            FactDays.objects.filter(pk__in=[pk for _n, pk in bumps], n=0).delete()


def _insert(model: type[Any], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERTs (the rebuild writes up to millions of rows; the ORM's per-object
    work would dominate)."""
    if not rows:
        return
    from django.db import connection

    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - names from the model, values bound
    with connection.cursor() as cur:
        for start in range(0, len(rows), 5000):
            cur.executemany(sql, rows[start:start + 5000])


def job_state(name: str) -> JobState:
    state, _created = JobState.objects.get_or_create(name=name)
    return state


def refresh_clues(clue_ids: Iterable[int], now: dt.datetime) -> int:
    """Bring the stored contribution of these clues up to date; return how many changed."""
    ids = sorted(set(clue_ids))
    changed = 0
    for start in range(0, len(ids), 2000):
        chunk = ids[start:start + 2000]
        cases = _case_ids(chunk)
        rows = {r[0]: r for r in Clue.objects.filter(pk__in=chunk).values_list(*CLUE_FIELDS)}
        stats = {s.clue_id: s for s in ClueStat.objects.filter(clue_id__in=chunk)}
        cells = Cells()
        upsert: list[ClueStat] = []
        for cid in chunk:
            row = rows.get(cid)
            old = stats.get(cid)
            new = contribution(row, cases, now) if row is not None else None
            old_c = _stat_to_contribution(old) if old is not None else None
            if old_c == new:
                continue
            changed += 1
            if old_c is not None:
                cells.add(old_c, -1)
            if new is not None:
                cells.add(new, +1)
                upsert.append(ClueStat(clue_id=cid, path=new.path, month=new.month, valid=new.valid,
                                       dispatched=new.dispatched, concluded=new.concluded, case=new.case,
                                       overdue=new.overdue, umbrella=new.umbrella,
                                       repeat_reports=new.repeat_reports, days=new.days))
        _apply(cells)
        ClueStat.objects.filter(clue_id__in=[s.clue_id for s in upsert]).delete()
        ClueStat.objects.bulk_create(upsert, batch_size=2000)
    return changed


def refresh(now: dt.datetime | None = None) -> dict[str, int]:
    """The incremental job: find the clues that may have changed since the last run (new clues,
    ledger events about clues, new reports on clues, deadlines passed) and apply their deltas; add
    newly settled reports. Safe to repeat and to resume after a crash: a clue whose contribution is
    unchanged is skipped, and the report watermark moves in the same transaction as the counts. A
    report triaged after it was counted is followed by its ``report.triaged`` event."""
    now = now or timezone.now()
    if not job_state("stats").progress.get("now"):
        result = rebuild(now)  # nothing maintained yet: one full pass is cheaper than deltas
        return {"clues_checked": result["clues"], "clues_changed": result["clues"], "reports_added": result["reports"]}
    with transaction.atomic():
        state = JobState.objects.select_for_update().get(pk="stats")
        p = dict(state.progress)
        seq_wm = int(p.get("seq", 0))
        report_wm = int(p.get("report_id", 0))
        last_now = dt.datetime.fromisoformat(p["now"]) if p.get("now") else None
        ids: set[int] = set()
        head = Event.objects.aggregate(m=Max("seq"))["m"] or 0
        public_ids: set[str] = set()
        for subject_id, data in Event.objects.filter(seq__gt=seq_wm, seq__lte=head, subject_type="clue").values_list(
                "subject_id", "data").iterator(chunk_size=5000):
            public_ids.add(subject_id)
            if isinstance(data, dict) and data.get("into"):
                public_ids.add(str(data["into"]))
        # reports put on a clue by triage since the last run: a worker does it after the report is
        # stored (a report counted while awaiting triage names no clue yet), and joining a clue
        # changes its repeat count, place and labels without a clue event of its own
        for data in Event.objects.filter(seq__gt=seq_wm, seq__lte=head, verb="report.triaged").values_list(
                "data", flat=True).iterator(chunk_size=5000):
            if isinstance(data, dict) and data.get("clue"):
                public_ids.add(str(data["clue"]))
        for start in range(0, len(public_ids), 2000):
            chunk = sorted(public_ids)[start:start + 2000]
            ids.update(Clue.objects.filter(public_id__in=chunk).values_list("pk", flat=True))
        # clues created since the last run (a new clue has no clue event yet)
        fresh = Clue.objects.all() if last_now is None else Clue.objects.filter(created_at__gte=last_now - REPORT_SETTLE)
        ids.update(fresh.values_list("pk", flat=True))
        # reports: settled ones only, in id order; their clues' repeat counts may have changed
        settled = now - REPORT_SETTLE
        new_reports = list(Report.objects.filter(pk__gt=report_wm, created_at__lt=settled).order_by("pk")
                           .values_list("pk", "division__path", "created_at", "clue_id"))
        cells = Cells()
        for _pk, path, created_at, clue_id in new_reports:
            cells.add_reports(path or f"{ROOT_CODE}/", month_of(created_at), 1)
            if clue_id:
                ids.add(clue_id)
        _apply(cells)
        # deadlines that passed since the last run
        crossed = Clue.objects.filter(deadline__lt=now, state__in=OPEN_DISPATCHED)
        if last_now is not None:
            crossed = crossed.filter(deadline__gte=last_now)
        ids.update(crossed.values_list("pk", flat=True))
        changed = refresh_clues(ids, now)
        p.update({"seq": head, "report_id": new_reports[-1][0] if new_reports else report_wm, "now": now.isoformat()})
        state.progress = p
        state.last_finished = timezone.now()
        state.save(update_fields=["progress", "last_finished"])
    return {"clues_checked": len(ids), "clues_changed": changed, "reports_added": len(new_reports)}


def rebuild(now: dt.datetime | None = None) -> dict[str, int]:
    """Throw the facts away and recompute them (and every clue's stored contribution)."""
    now = now or timezone.now()
    with transaction.atomic():
        job_state("stats")
        state = JobState.objects.select_for_update().get(pk="stats")
        head = Event.objects.aggregate(m=Max("seq"))["m"] or 0
        settled = now - REPORT_SETTLE
        Fact.objects.all().delete()
        FactDays.objects.all().delete()
        ClueStat.objects.all().delete()
        cells = Cells()
        cases = _case_ids(None)
        batch: list[tuple[Any, ...]] = []
        n = 0
        stat_fields = ["clue_id", "path", "month", "valid", "dispatched", "concluded", "case", "overdue", "umbrella",
                       "repeat_reports", "days"]
        for row in Clue.objects.values_list(*CLUE_FIELDS).order_by().iterator(chunk_size=10000):
            c = contribution(row, cases, now)
            cells.add(c)
            batch.append((row[0], c.path, c.month, c.valid, c.dispatched, c.concluded, c.case, c.overdue, c.umbrella,
                          c.repeat_reports, c.days))
            n += 1
            if len(batch) >= 10000:
                _insert(ClueStat, stat_fields, batch)
                batch = []
        _insert(ClueStat, stat_fields, batch)
        report_wm = 0
        reports = 0
        for pk, path, created_at in (Report.objects.filter(created_at__lt=settled).order_by("pk")
                                     .values_list("pk", "division__path", "created_at").iterator(chunk_size=10000)):
            cells.add_reports(path or f"{ROOT_CODE}/", month_of(created_at), 1)
            report_wm, reports = pk, reports + 1
        counts, days = cells.normalized()
        levels = dict(Division.objects.values_list("code", "level"))
        _insert(Fact, ["division_id", "month", "level", *COUNTERS],
                [(code, month, levels[code], *(v.get(k, 0) for k in COUNTERS))
                 for (code, month), v in counts.items() if code in levels])
        _insert(FactDays, ["division_id", "month", "days", "n"],
                [(code, month, d, v) for (code, month, d), v in days.items() if code in levels])
        state.progress = {"seq": head, "report_id": report_wm, "now": now.isoformat()}
        state.last_finished = timezone.now()
        state.save(update_fields=["progress", "last_finished"])
    return {"clues": n, "reports": reports}


# --- reading ----------------------------------------------------------------------------------

@dataclass
class Row:
    division: Division
    counts: dict[str, int]
    median_days: float | None = None

    prev_rate: float | None = None
    prev_rank: int | None = None

    def __getattr__(self, name: str) -> Any:
        if name in COUNTERS:
            return self.counts.get(name, 0)
        raise AttributeError(name)

    @property
    def verification_rate(self) -> float | None:
        d = self.counts.get("dispatched", 0)
        return self.counts.get("concluded", 0) / d if d else None

    @property
    def case_rate(self) -> float | None:
        c = self.counts.get("concluded", 0)
        return self.counts.get("cases", 0) / c if c else None

    @property
    def backlog(self) -> int:
        return self.counts.get("dispatched", 0) - self.counts.get("concluded", 0)

    @property
    def mean_days(self) -> float | None:
        c = self.counts.get("concluded", 0)
        return self.counts.get("days_sum", 0) / c if c else None


def _median(hist: dict[int, int]) -> float | None:
    total = sum(hist.values())
    if not total:
        return None
    ordered = sorted(hist.items())
    lo_i, hi_i = (total - 1) // 2, total // 2
    seen, lo, hi = 0, None, None
    for days, n in ordered:
        if lo is None and seen + n > lo_i:
            lo = days
        if seen + n > hi_i:
            hi = days
            break
        seen += n
    return (lo + hi) / 2 if lo is not None and hi is not None else None


def table(codes: list[str] | None, parent: Division | None, start: dt.date, end: dt.date) -> list[Row]:
    """Rows for the children of ``parent`` (or the given division codes), summed over the months
    [start, end] inclusive, each with its median days."""
    if codes is None:
        assert parent is not None
        divisions = list(Division.objects.filter(parent=parent).order_by("code"))
    else:
        divisions = list(Division.objects.filter(code__in=codes).order_by("level", "code"))
    by_code = {d.code: d for d in divisions}
    sums: dict[str, dict[str, int]] = {d.code: defaultdict(int) for d in divisions}
    facts = Fact.objects.filter(month__gte=start, month__lte=end)
    facts = facts.filter(level=divisions[0].level) if codes is None and divisions else facts.filter(division_id__in=list(by_code))
    if codes is None and divisions:
        facts = facts.filter(division__parent=parent)
    for row in facts.values("division_id", *COUNTERS):
        cell = sums.get(row["division_id"])
        if cell is None:
            continue
        for k in COUNTERS:
            cell[k] += row[k]
    hists: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    days_q = FactDays.objects.filter(month__gte=start, month__lte=end, division_id__in=list(by_code))
    for code, days, n in days_q.values_list("division_id", "days").annotate(total=Sum("n")).values_list(
            "division_id", "days", "total").order_by():
        hists[code][days] += n
    return [Row(d, dict(sums[d.code]), _median(hists.get(d.code, {}))) for d in divisions]


def one(division: Division, start: dt.date, end: dt.date) -> Row:
    rows = table([division.code], None, start, end)
    return rows[0] if rows else Row(division, {})


def trend(division: Division, start: dt.date, end: dt.date) -> list[tuple[dt.date, dict[str, int]]]:
    facts = {f["month"]: f for f in Fact.objects.filter(division=division, month__gte=start, month__lte=end)
             .values("month", *COUNTERS)}
    out = []
    month = start
    while month <= end:
        f = facts.get(month) or {}
        out.append((month, {k: f.get(k, 0) for k in COUNTERS}))
        month = add_months(month, 1)
    return out


def months_with_data() -> tuple[dt.date | None, dt.date | None]:
    from django.db.models import Min

    agg = Fact.objects.filter(level=0).aggregate(lo=Min("month"), hi=Max("month"))
    return agg["lo"], agg["hi"]


__all__ = ["DEFINITIONS", "Row", "table", "one", "trend", "refresh", "rebuild", "full_cells", "stored_cells",
           "parse_month", "add_months", "month_of", "Q"]
