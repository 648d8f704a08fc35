"""Benchmark the dispatcher's clue search through the blind index at scale.

    .venv/bin/python bench/search.py [--clues 100000] [--data-dir DIR] [--keep]

Builds a scratch database (SQLite under a temporary folder unless DATABASE_URL is set) with N
clues, each with one report whose text is a tip of ../shared/eval/tips_dev.jsonl (7,465 tips,
so each text recurs about N/7,465 times, with the clue's number appended: posting lists are
denser than real ones, which makes this pessimistic), sealed as intake seals it, and the
clue's blind-index rows (keyed bigrams and trigrams). Then times the clue list's search the way
the queue view runs it (the first page of 25 newest and the count), median and p95 of 15 runs
after a warm-up, for words of two characters (common and rare), three, and five or more, a clue
number, and — as the floor measured in the same run — the same page without a search.

Prints one JSON object: per query the median/p95 milliseconds, CPU ms and ratio to the floor,
the matches, the index rows, the database size and the build cost per clue.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIPS = ROOT.parent / "shared" / "eval" / "tips_dev.jsonl"
QUERIES = {
    "two characters, common (赌场)": "赌场",
    "two characters, rare (砂石)": "砂石",
    "three characters (高利贷)": "高利贷",
    "five characters (放高利贷的)": "放高利贷的",
    "a person (张某某)": "张某某",
    "two words (赌场 放贷)": "赌场 放贷",
}


def _texts() -> list[str]:
    if TIPS.exists():
        with TIPS.open(encoding="utf-8") as fh:
            return [json.loads(line)["text"] for line in fh if line.strip()]
    return ["某村有人开设赌场，放高利贷，暴力催收。", "河道非法采砂，殴打村民。", "张某某强揽工程，威胁竞争对手。"]


def build(n: int) -> dict[str, float]:
    from django.db import connection, transaction

    from cluedesk.clues import search
    from cluedesk.clues.models import Clue
    from cluedesk.intake.models import Report

    texts = _texts()
    rng = random.Random(7)
    cpu0, t0 = time.process_time(), time.perf_counter()
    made = 0
    batch = 2000
    while made < n:
        size = min(batch, n - made)
        with transaction.atomic():
            clues = Clue.objects.bulk_create([Clue(report_count=1, state="new") for _ in range(size)])
            if clues[0].pk is None:
                got = list(Clue.objects.order_by("-pk").values_list("pk", flat=True)[:size])[::-1]
                for c, pk in zip(clues, got, strict=True):
                    c.pk = pk
            reports = []
            for c in clues:
                text = rng.choice(texts) + f" 编号{c.pk}"
                reports.append(Report(tracking_hash=os.urandom(32).hex(), clue_id=c.pk, channel="web", text=text))
            Report.objects.bulk_create(reports, batch_size=1000)
            search.add_many({r.clue_id: [r.text] for r in reports})
        made += size
        if made % 20000 == 0:
            print(f"  {made} clues", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {search.TABLE}")  # noqa: S608
        rows = int(cursor.fetchone()[0])
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return {"build_seconds": round(time.perf_counter() - t0, 1),
            "build_cpu_ms_per_clue": round((time.process_time() - cpu0) * 1000 / n, 3),
            "index_rows": rows, "index_rows_per_clue": round(rows / n, 1)}


def _page(word: str | None) -> tuple[int, list[int]]:
    from django.db.models import Q

    from cluedesk.clues import search
    from cluedesk.clues.models import Clue

    qs = Clue.objects.all()
    if word:
        q = Q()
        for part in word.split():
            q &= search.matching(part)
        qs = qs.filter(q)
    qs = qs.order_by("-created_at")
    return qs.count(), list(qs.values_list("pk", flat=True)[:25])


def time_query(word: str | None, runs: int = 15) -> dict[str, float]:
    _page(word)  # warm-up
    wall, cpu = [], []
    count = 0
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        count, _first = _page(word)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    wall.sort()
    return {"median_ms": round(statistics.median(wall), 2), "p95_ms": round(wall[int(0.95 * (runs - 1))], 2),
            "cpu_ms": round(statistics.median(cpu), 2), "matches": count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clues", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="cluedesk-bench-search-"))
    os.environ["CLUEDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluedesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cluedesk.clues.models import Clue

    call_command("migrate", verbosity=0)
    result: dict[str, object] = {"clues": args.clues, "database": connection.vendor}
    result.update(build(args.clues))
    if connection.vendor == "sqlite":
        db = Path(str(connection.settings_dict["NAME"]))
        result["database_mb"] = round(sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 1e6, 1)
    floor = time_query(None)
    result["floor_no_search"] = floor
    queries: dict[str, object] = {}
    number = Clue.objects.order_by("?").values_list("public_id", flat=True).first()
    for label, word in [*QUERIES.items(), ("a clue number", number)]:
        timed = time_query(word)
        timed["ratio_to_floor"] = round(timed["median_ms"] / max(floor["median_ms"], 0.01), 2)
        queries[label] = timed
    result["queries"] = queries
    print(json.dumps(result, ensure_ascii=False))
    if not args.keep and not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
