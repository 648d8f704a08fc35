"""Triage benchmark: analysis time per report, same-matter lookup time and re-report recall
against N stored reports, database size and process memory. Prints one JSON object.

usage: python bench/triage.py [--scale 100000] [--queries 500] [--tips PATH] [--workers 2] [--profile]

Stored reports are made from the dev tips with random edits: the first pass keeps each tip's
people, places and dates (its matter), later passes rename the people and change every number
(other matters worded alike, the hard case). Re-reports of stored matters are then looked up
through the database band and entity index, exactly as ``attach_or_open`` does. Recall counts a
re-report as found when a candidate (or the clue it is attached to) holds a stored report of the
same matter; ``own_report_*`` counts only the very tip it was made from.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_TIPS = ROOT.parent / "shared" / "eval" / "tips_dev.jsonl"
OPENERS = ["", "我要举报：", "群众反映，", "听说", "实名举报，", "反映一个情况，"]
CLOSERS = ["", "请尽快调查！", "希望严查。", "以上情况属实。"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
NAME = re.compile(r"([\u4e00-\u9fff])(?=\d?某)")


def mutate(text: str, rng: random.Random, rename: bool) -> str:
    """A re-report (a window, a typo or two, other opener) or, with ``rename``, another matter."""
    if rename:
        mapping: dict[str, str] = {}
        text = NAME.sub(lambda m: mapping.setdefault(m.group(1), rng.choice(SURNAMES)), text)
        text = re.sub(r"\d+", lambda m: str(rng.randint(1, 28)) if len(m.group()) <= 2 else str(rng.randint(10**(len(m.group())-1), 10**len(m.group())-1)), text)
    n = len(text)
    if n > 60:
        start, end = rng.randint(0, n // 10), n - rng.randint(0, n // 10)
        text = text[start:end]
    chars = list(text)
    for _ in range(rng.randint(0, 2)):
        if chars:
            chars[rng.randrange(len(chars))] = rng.choice(chars)
    return rng.choice(OPENERS) + "".join(chars) + rng.choice(CLOSERS)


def _analyze(job: tuple[int, str]) -> tuple[int, dict[str, Any], list[int], list[int]]:
    from cluedesk.analysis.matching import analyze

    i, text = job
    a = analyze(text)
    return i, a.stored(), a.band_keys(), a.entity_keys() + a.name_keys()


def drop_key_indexes(connection: Any, models: tuple[Any, ...]) -> list[str]:
    """Drop the key tables' secondary indexes for the bulk load and return the statements that
    rebuild them (one sorted build per index instead of millions of random page writes). The
    product's index is the same afterwards; only the load is faster."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA cache_size = -1000000")  # 1 GB page cache for the build
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                        f"AND tbl_name IN ({','.join(['%s'] * len(tables))})", tables)
            found = cur.fetchall()
        elif connection.vendor == "postgresql":
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                        "AND indexname NOT LIKE '%%_pkey'", [tables])
            found = cur.fetchall()
        else:
            return []
        for name, _sql in found:
            cur.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def load(args: Any, tips: list[dict[str, Any]], out: dict[str, Any], clue_of: dict[int, int]) -> None:
    from django.db import connection, transaction

    from cluedesk.clues.models import Clue
    from cluedesk.triage.models import BandKey, EntityKey, ReportIndex

    started = time.perf_counter()
    # in random order, so the reports of the tips' own matters are spread through the index as
    # they would be in a live store (not all among the oldest entries, which the capped key reads favour)
    order = list(range(args.scale))
    random.Random(args.seed).shuffle(order)
    jobs = ((i, mutate(tips[i % len(tips)]["text"], random.Random(args.seed * 7919 + i), i >= len(tips)))
            for i in order)
    dropped = [] if args.keep_indexes else drop_key_indexes(connection, (BandKey, EntityKey))
    with Pool(args.workers) as pool:
        analysed = pool.imap(_analyze, jobs, chunksize=500)
        batch: list[tuple[int, dict[str, Any], list[int], list[int]]] = []

        def flush() -> None:
            with transaction.atomic():
                clues = Clue.objects.bulk_create([Clue(report_count=1, public_id=f"B{i:011d}") for i, *_ in batch])
                entries = ReportIndex.objects.bulk_create([
                    ReportIndex(clue=c, signature=s["sig"], shingles=s["shingles"], length=s["length"],
                                entities=s["entities"], charge=s.get("charge", "")) for c, (_, s, _b, _e) in zip(clues, batch, strict=True)])
                with connection.cursor() as cur:
                    cur.executemany(f"INSERT INTO {BandKey._meta.db_table} (key, entry_id) VALUES (%s, %s)",
                                    [(k, e.pk) for e, (_, _s, bands, _e) in zip(entries, batch, strict=True)
                                     for k in set(bands)])
                    cur.executemany(f"INSERT INTO {EntityKey._meta.db_table} (key, entry_id) VALUES (%s, %s)",
                                    [(k, e.pk) for e, (_, _s, _b, ents) in zip(entries, batch, strict=True)
                                     for k in set(ents)])
                for (i, *_), c in zip(batch, clues, strict=True):
                    if i < len(tips):
                        clue_of[i] = c.pk
            batch.clear()

        for item in analysed:
            batch.append(item)
            if len(batch) >= 5000:
                flush()
        if batch:
            flush()
    indexed = time.perf_counter()
    with connection.cursor() as cur:
        for sql in dropped:
            cur.execute(sql)
    out["index_seconds"] = round(time.perf_counter() - indexed, 1)
    out["load_seconds"] = round(time.perf_counter() - started, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--tips", default=str(DEFAULT_TIPS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print where lookup time goes (cProfile) to stderr")
    parser.add_argument("--data-dir", help="keep the database here; a later run with the same --scale reuses "
                        "the loaded reports and measures the lookups again")
    parser.add_argument("--keep-indexes", action="store_true",
                        help="load with the key indexes in place (slow at 1M: every insert lands on a random page)")
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="cluedesk-bench-triage-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    os.environ["CLUEDESK_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluedesk.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from cluedesk.analysis.grouping import decide
    from cluedesk.analysis.matching import KEY_ROWS, analyze
    from cluedesk.clues.models import Clue
    from cluedesk.triage import engine
    from cluedesk.triage.models import BandKey, EntityKey, ReportIndex
    from cluedesk.triage.services import candidates

    tips = [json.loads(line) for line in open(args.tips, encoding="utf-8")]
    rng = random.Random(args.seed)

    # 1. analysis per report (pure)
    sample = [t["text"] for t in rng.sample(tips, min(1000, len(tips)))]
    analyze(sample[0])  # first call loads the place lists
    times, cpu_times = [], []
    for text in sample:
        t0, c0 = time.perf_counter(), time.process_time()
        analyze(text)
        times.append((time.perf_counter() - t0) * 1000)
        cpu_times.append((time.process_time() - c0) * 1000)
    out: dict[str, Any] = {"scale": args.scale, "analysis_ms": {"median": pct(times, 0.5), "p99": pct(times, 0.99)},
                           "analysis_cpu_ms": {"median": pct(cpu_times, 0.5), "p99": pct(cpu_times, 0.99)}}
    charge = engine.charge_model()
    if charge is not None:
        times = []
        for text in sample[:300]:
            t0 = time.perf_counter()
            charge.scores([text])
            times.append((time.perf_counter() - t0) * 1000)
        out["charge_ms"] = {"median": pct(times, 0.5), "p99": pct(times, 0.99)}

    # 2. N stored reports (first pass: the tips' own matters; then renamed look-alikes)
    clue_of: dict[int, int] = {}
    if ReportIndex.objects.count() == args.scale:
        out["reused"] = data_dir
        for pk, public_id in Clue.objects.filter(public_id__startswith="B").values_list("pk", "public_id").iterator():
            if int(public_id[1:]) < len(tips):
                clue_of[int(public_id[1:])] = pk
    else:
        if ReportIndex.objects.exists():
            raise SystemExit(f"{data_dir} holds another scale's reports: use an empty --data-dir")
        load(args, tips, out, clue_of)
    with connection.cursor() as cur:
        cur.execute("ANALYZE") if connection.vendor in ("sqlite", "postgresql") else None

    # 3. re-reports of stored matters, looked up through the database index
    model = engine.pair_model()
    lookups, cpu, sql_ms, found, attached, own_found, own_attached = [], [], [], 0, 0, 0, 0
    # every first-pass tip is stored as its own clue; the dev set's other tips of the same matter
    # are stored reports of that matter too, so finding one of them is finding the matter
    matter_of = {pk: tips[i]["matter"] for i, pk in clue_of.items()}
    picks = rng.sample(sorted(clue_of), min(args.queries, len(clue_of)))
    queries = [analyze(mutate(tips[i]["text"], random.Random(10**9 + i), False)) for i in picks]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    floor_ms: list[float] = []
    floor_sql = (f"SELECT entry_id FROM {BandKey._meta.db_table} WHERE key = %s "  # noqa: S608
                 f"ORDER BY entry_id DESC LIMIT {KEY_ROWS}")
    for i, a in zip(picks, queries, strict=True):
        # the floor, in the same run: the least an index lookup reads (one key's newest entries)
        keys = a.band_keys()
        if keys:
            f0 = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(floor_sql, [keys[0]])
                cur.fetchall()
            floor_ms.append((time.perf_counter() - f0) * 1000)
        t0, c0 = time.perf_counter(), time.process_time()
        cands = candidates(a)
        t1 = time.perf_counter()
        decision = decide(a, cands, model)
        lookups.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        sql_ms.append((t1 - t0) * 1000)
        matter = tips[i]["matter"]
        found += any(matter_of.get(c.clue) == matter for c in cands)
        attached += decision.clue is not None and matter_of.get(decision.clue) == matter
        own_found += any(c.clue == clue_of[i] for c in cands)
        own_attached += decision.clue == clue_of[i]
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
    out["candidates_ms"] = {"median": pct(sql_ms, 0.5), "p99": pct(sql_ms, 0.99)}
    if floor_ms:
        out["floor_one_key_ms"] = {"median": pct(floor_ms, 0.5), "p99": pct(floor_ms, 0.99)}
        out["candidates_to_floor"] = round(pct(sql_ms, 0.5) / max(pct(floor_ms, 0.5), 1e-6), 1)
    out["lookup_cpu_ms"] = {"median": pct(cpu, 0.5), "p99": pct(cpu, 0.99)}
    out["lookup_ms"] = {"median": pct(lookups, 0.5), "p99": pct(lookups, 0.99)}
    out["rereport_recall"] = {"candidates": round(found / len(picks), 4), "attached": round(attached / len(picks), 4),
                              "own_report_candidates": round(own_found / len(picks), 4),
                              "own_report_attached": round(own_attached / len(picks), 4), "queries": len(picks)}
    out["rows"] = {"reports": ReportIndex.objects.count(), "band_keys": BandKey.objects.count(),
                   "entity_keys": EntityKey.objects.count()}
    db = Path(connection.settings_dict["NAME"]) if connection.vendor == "sqlite" else None
    if db is not None:
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
        out["db_mb"] = round(size / 2**20, 1)
    out["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["database"] = connection.vendor
    out["cpu_note"] = f"2 cores shared with other work (load average {os.getloadavg()[0]:.1f} at the end)"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
