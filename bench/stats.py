"""Benchmark the supervision figures at scale.

    .venv/bin/python bench/stats.py [--clues 1000000] [--data-dir DIR] [--keep]

Builds a scratch database (SQLite under a temporary folder unless DATABASE_URL is set), loads the
divisions, inserts N clues spread over every county and six months (with the calibrated shape:
~5.6% valid, all dispatched, ~46% of those concluded, 15.3% of the concluded with a criminal case),
rebuilds the facts table, then times (median of 7 after a warm-up):

* the national table: every province's row for the six months, with medians (what the national
  dashboard and bulletin read), plus the national total;
* a county drill-down: the county's total, its previous period and its monthly trend;
* the full national dashboard page rendered by the Django test client;
* an incremental refresh after 1,000 clues change.

Aim: national table ≤ 200 ms, county drill-down ≤ 100 ms. The machine's CPU may be shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clues", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="cluedesk-bench-stats-"))
    os.environ["CLUEDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluedesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load-divisions", verbosity=0)
    print(f"database: {connection.vendor} in {data_dir}; migrate + divisions {time.perf_counter() - t0:.1f} s")
    start_month, counties = load(args.clues)
    measure(start_month, counties)
    if not args.keep and not args.data_dir:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)


def load(n: int) -> tuple[dt.date, list[str]]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from cluedesk.clues.models import Clue, Conclusion, new_public_id
    from cluedesk.org.models import ROOT_CODE, Division, Unit
    from cluedesk.supervision import stats
    from cluedesk.supervision.stats import _insert, add_months, month_of

    rng = random.Random(1)
    counties = list(Division.objects.filter(level=3).values_list("code", flat=True))
    unit = Unit.objects.create(name="bench office", division_id=ROOT_CODE)
    user = get_user_model().objects.create_user(username="bench", password=None)
    now = timezone.now()
    last = add_months(month_of(now), -1)
    first = add_months(last, -5)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    span = (timezone.make_aware(dt.datetime.combine(add_months(last, 1), dt.time())) - start).total_seconds()

    fields = [f for f in Clue._meta.concrete_fields if not f.primary_key]
    names = [f.name if not f.is_relation else f.attname for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    t0 = time.perf_counter()
    batch: list[tuple] = []
    concluded_ids = 0
    with transaction.atomic():
        for _i in range(n):
            created = start + dt.timedelta(seconds=rng.random() * span * 0.98)
            r = rng.random()
            row = dict(defaults)
            row.update(public_id=new_public_id(), division_id=rng.choice(counties), created_at=created,
                       updated_at=created, report_count=1 + (rng.random() < 0.08), category="other",
                       umbrella=False, state="invalid", title="", search_text="")
            if r < 0.056:  # valid, all dispatched
                row.update(unit_id=unit.pk, mode="local", deadline=created + dt.timedelta(days=30),
                           umbrella=rng.random() < 0.06)
                if rng.random() < 0.457:
                    row.update(state="concluded", concluded_at=min(created + dt.timedelta(days=rng.randint(3, 120)), now))
                    concluded_ids += 1
                else:
                    row["state"] = rng.choice(["assigned", "verifying", "verifying", "drafted"])
            batch.append(tuple(row[k] for k in names))
            if len(batch) >= 20000:
                _insert(Clue, names, batch)
                batch = []
        _insert(Clue, names, batch)
        concluded = list(Clue.objects.filter(state="concluded").values_list("pk", flat=True))
        cases = set(rng.sample(concluded, round(len(concluded) * 0.153)))
        _insert(Conclusion, ["clue_id", "unit_id", "drafter_id", "finding", "outcome", "case_number", "summary",
                             "public_wording", "revision", "returned_reason", "superseded", "final", "created_at",
                             "updated_at"],
                [(pk, unit.pk, user.pk, "substantiated", "criminal_case" if pk in cases else "no_action", "", "", "",
                  1, "", False, True, now, now) for pk in concluded])
    print(f"inserted {n:,} clues ({concluded_ids:,} concluded, {len(cases):,} cases) in {time.perf_counter() - t0:.1f} s")
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    t0 = time.perf_counter()
    stats.rebuild()
    from cluedesk.supervision.models import ClueStat, Fact, FactDays

    print(f"stats-rebuild: {time.perf_counter() - t0:.1f} s → {Fact.objects.count():,} facts rows, "
          f"{FactDays.objects.count():,} day-histogram rows, {ClueStat.objects.count():,} clue contributions")
    return first, counties


def _time(fn, runs: int = 7) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), max(samples)


def measure(first: dt.date, counties: list[str]) -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from cluedesk.clues.models import Clue
    from cluedesk.org.models import ROOT_CODE, Division, Membership, Unit
    from cluedesk.supervision import stats

    last = stats.add_months(first, 5)
    nation = Division.objects.get(code=ROOT_CODE)
    first_county = Clue.objects.values_list("division_id", flat=True).order_by("division_id").first()
    county = Division.objects.get(code=first_county or counties[0])

    def national() -> None:
        rows = stats.table(None, nation, first, last)
        total = stats.one(nation, first, last)
        assert rows and total.clues

    def drill() -> None:
        stats.one(county, first, last)
        stats.one(county, stats.add_months(first, -6), stats.add_months(last, -6))
        stats.trend(county, first, last)

    med, worst = _time(national)
    total = stats.one(nation, first, last)
    print(f"national table ({len(stats.table(None, nation, first, last))} provinces × 6 months, with medians): "
          f"median {med:.1f} ms, worst {worst:.1f} ms  [aim ≤ 200 ms]")
    print(f"  national figures: {total.clues:,} clues, {total.dispatched:,} dispatched, {total.concluded:,} concluded, "
          f"verification rate {total.verification_rate * 100:.1f}%, case rate {total.case_rate * 100:.1f}%")
    med, worst = _time(drill)
    print(f"county drill-down ({county.name} {county.code}: total, previous period, trend): "
          f"median {med:.1f} ms, worst {worst:.1f} ms  [aim ≤ 100 ms]")

    setup_test_environment()
    from tests.org.factories import login_verified, make_staff

    unit = Unit.objects.filter(division_id=ROOT_CODE).first()
    boss = make_staff("bench-supervisor", unit, "supervisor")
    client = login_verified(Client(), boss)
    url = f"/staff/supervision/?from={first:%Y-%m}&to={last:%Y-%m}"

    def page() -> None:
        assert client.get(url).status_code == 200

    med, worst = _time(page, runs=5)
    print(f"national dashboard page (rendered): median {med:.1f} ms, worst {worst:.1f} ms")
    assert Membership.objects.exists()

    # an incremental refresh after 1,000 clues change (the worker's minute job)
    from django.db import transaction
    from django.utils import timezone

    from cluedesk.ledger.services import Actor, record

    ids = list(Clue.objects.filter(state="verifying").values_list("pk", "public_id")[:1000])
    with transaction.atomic():
        Clue.objects.filter(pk__in=[i for i, _p in ids]).update(state="concluded", concluded_at=timezone.now())
        for _pk, public_id in ids:
            record("clue.bench", actor=Actor.system("bench"), subject_type="clue", subject_id=public_id)
    t = time.perf_counter()
    result = stats.refresh()
    print(f"incremental refresh after {len(ids):,} clue events: {(time.perf_counter() - t) * 1000:.0f} ms ({result})")


if __name__ == "__main__":
    main()
