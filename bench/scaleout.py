"""Scale-out: accepted reports/s and p99 with 1 and with 4 app processes on PostgreSQL (and the
ratio), the same on SQLite, and an optional soak with the memory of every process sampled.

    .venv/bin/python bench/scaleout.py [--reports 5000] [--clients 32] [--processes 1,4]
        [--databases postgres,sqlite] [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
        [--redis-url redis://127.0.0.1:6379/15] [--soak-minutes 10] [--soak-processes 4]

Prints one JSON object. Each database kind gets a fresh data folder (and on PostgreSQL a fresh
database, dropped afterwards); the server is `cluedesk serve --workers N` as the README runs it,
restarted for each process count; the load is bench/intake.py's mix (half form posts, half API
calls with an Idempotency-Key, a tenth with a small attachment). Rate limits are raised for the
run (all clients are 127.0.0.1). On PostgreSQL the cache (rate limits, locks) is Redis when
--redis-url answers, as in the scale-out layout. All traffic goes to 127.0.0.1.

"App processes" are gunicorn's web workers (--workers); the task workers that triage each
report after it is accepted stay at `cluedesk serve`'s default in every run (when serve does not
start them yet, the bench starts two `cluedesk worker` processes beside it: common.Server). After
each run the bench waits (at most 600 s) until every report of the run has its clue, so one run's
triage backlog does not load the next; reports are counted by their marks, not by clue
(untriaged_at_end, triage_drain_s per run). ``ratio`` (top level) is PostgreSQL's reports/s with
the last process count over the first (4 vs 1 by default).

The soak keeps --soak-processes app processes (and the server's task workers) busy at a steady
rate for --soak-minutes and samples RSS per process every 10 s, each named by its role: first,
last, max and the slope of a least-squares line (MB per minute) per process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    Db,
    Server,
    percentile,
    pg_admin,
    proc_table,
    redis_answers,
    roles,
    wait_triaged,
    with_db,
)
from intake import Client, sample_texts  # noqa: E402

DRAIN_SECONDS = 600.0


def rss_by_pid(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[pid] = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            continue
    return out


class Target:
    """One database kind: a data folder (and database) prepared once, served with N processes."""

    def __init__(self, kind: str, pg_url: str, redis_url: str | None, train: bool = True,
                 trained_from: Path | None = None) -> None:
        self.train = train
        self.trained_from = trained_from  # a triage folder trained by an earlier target: copied, not retrained
        self.kind = kind
        self.data_dir = tempfile.mkdtemp(prefix=f"cluedesk-scaleout-{kind}-")
        self.env = {"CLUEDESK_RATE_SUBMIT": "100000000", "CLUEDESK_RATE_LOOKUP": "100000000", "CLUEDESK_DEMO": "0",
                    "DATABASE_URL": ""}
        if not train or trained_from is not None:
            self.env["CLUEDESK_TRAIN_ON_START"] = "0"
        if trained_from is not None:
            shutil.copytree(trained_from, Path(self.data_dir) / "triage", dirs_exist_ok=True)
        self.db_name = ""
        self.pg_url = pg_url
        if kind == "postgres":
            self.db_name = f"cluedesk_scaleout_{os.getpid()}"
            pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{self.db_name}"')
            pg_admin(pg_url, f'CREATE DATABASE "{self.db_name}"')
            self.env["DATABASE_URL"] = with_db(pg_url, self.db_name)
            if redis_url:
                self.env["REDIS_URL"] = redis_url
        self.token = ""

    def server(self, processes: int) -> Server:
        # task workers as `cluedesk serve` starts them (the bench starts them when it does not yet)
        return Server(env=self.env, workers=processes, data_dir=self.data_dir, spawn_task_workers=True)

    def db(self) -> Db:
        return Db(self.data_dir, self.env["DATABASE_URL"])

    def drain(self, prefix: str, seconds: float = DRAIN_SECONDS) -> tuple[int, float]:
        """Wait for this run's reports to be triaged (a report gets its clue in a task worker a
        moment after it is accepted), so that one run's backlog does not load the next run."""
        db = self.db()
        try:
            return wait_triaged(db, prefix, seconds)
        finally:
            db.close()

    def prepare(self) -> None:
        s = self.server(1)
        s.run("serve", "--prepare-only")
        self.token = s.run("channel-token", "create", "scaleout").strip().splitlines()[-1].split()[-1]
        # the first start trains the charge model in the background: wait, so every run measures the real triage
        model = Path(self.data_dir) / "triage" / "charge_model.pkl"
        deadline = time.time() + 900
        while self.train and not model.exists() and time.time() < deadline:
            time.sleep(2)

    def stored(self, prefix: str) -> tuple[int, int]:
        """(reports stored with this run's marks, distinct marks)."""
        db = self.db()
        try:
            marks = [mark for mark, _at, _clue in db.marks(prefix).values()]
        finally:
            db.close()
        return len(marks), len(set(marks))

    def cleanup(self) -> None:
        import shutil

        shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.db_name:
            try:
                pg_admin(self.pg_url, f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop {self.db_name}: {exc}", file=sys.stderr)


async def drive(port: int, token: str, prefix: str, n: int | None, clients: int, seconds: float | None,
                sample: Any = None) -> dict[str, Any]:
    """n reports (or as many as fit in ``seconds``) from ``clients`` concurrent clients."""
    texts = sample_texts()
    rng = random.Random(11)
    pool = [Client(port, token, texts, random.Random(i)) for i in range(clients)]
    await asyncio.gather(*(c.prime() for c in pool))
    counter = iter(range(10**9))
    latencies: list[float] = []
    accepted = 0
    failed = 0
    t0 = time.perf_counter()
    stop_at = t0 + seconds if seconds else None

    async def worker(c: Client) -> None:
        nonlocal accepted, failed
        while True:
            i = next(counter)
            if (n is not None and i >= n) or (stop_at is not None and time.perf_counter() >= stop_at):
                return
            try:
                ok, ms = await c.send(f"{prefix}-{i:07d}", use_api=(i % 2 == 1), attach=(rng.random() < 0.1))
            except (OSError, IndexError, ValueError):  # refused, reset, or an empty reply
                ok, ms = False, 0.0
            if ok:
                accepted += 1
                latencies.append(ms)
            else:
                failed += 1

    async def sampler() -> None:
        while sample is not None and (stop_at is None or time.perf_counter() < stop_at):
            sample()
            await asyncio.sleep(10)

    tasks = [asyncio.create_task(worker(c)) for c in pool]
    samp = asyncio.create_task(sampler()) if sample is not None else None
    await asyncio.gather(*tasks)
    if samp is not None:
        samp.cancel()
    elapsed = time.perf_counter() - t0
    return {"accepted": accepted, "failed": failed, "elapsed_s": round(elapsed, 2),
            "reports_per_s": round(accepted / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1)}


async def warm(port: int, token: str, prefix: str, processes: int) -> None:
    c = Client(port, token, ["预热：某镇有人开设赌场。"], random.Random(0))
    await asyncio.gather(*(c.send(f"{prefix}-{i:04d}", use_api=True, attach=False) for i in range(8 * processes)))


def one_run(target: Target, processes: int, reports: int, clients: int) -> dict[str, Any]:
    server = target.server(processes).start()
    prefix = f"so{target.kind[:2]}{processes}x{int(time.time()) % 100000}"
    try:
        asyncio.run(warm(server.port, target.token, prefix + "w", processes))
        target.drain(prefix + "w")
        rss: list[float] = []
        result = asyncio.run(drive(server.port, target.token, prefix, reports, clients, None,
                                   sample=lambda: rss.append(server.rss_mb())))
        rss.append(server.rss_mb())
        # counted by report, not by clue; waited for so the next run starts with an empty queue
        untriaged, drain_s = target.drain(prefix)
    finally:
        server.stop()
    stored, distinct = target.stored(prefix)
    return {**result, "processes": processes, "stored": stored, "duplicated": stored - distinct,
            "lost": max(0, result["accepted"] - distinct), "server_rss_mb_peak": max(rss),
            "untriaged_at_end": untriaged, "triage_drain_s": drain_s}


def slope(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    den = sum((p[0] - mx) ** 2 for p in points)
    return round(sum((p[0] - mx) * (p[1] - my) for p in points) / den, 2) if den else 0.0


def soak(target: Target, processes: int, minutes: float, clients: int) -> dict[str, Any]:
    server = target.server(processes).start()  # with its task workers (or the bench's, see Server)
    series: dict[str, list[tuple[float, float]]] = {}
    t0 = time.time()

    def sample() -> None:
        table = proc_table()
        pids = server.tree()
        role = roles(pids, table, server.roots())
        for pid, mb in rss_by_pid(pids).items():
            series.setdefault(f"{role.get(pid, 'other')}:{pid}", []).append((round((time.time() - t0) / 60, 2), mb))

    try:
        prefix = f"soak{int(time.time()) % 100000}"
        asyncio.run(warm(server.port, target.token, prefix + "w", processes))
        result = asyncio.run(drive(server.port, target.token, prefix, None, clients, minutes * 60, sample=sample))
        sample()
        result["untriaged_at_end"], result["triage_drain_s"] = target.drain(prefix)
    finally:
        server.stop()
    per_process = {name: {"first_mb": pts[0][1], "last_mb": pts[-1][1], "max_mb": max(p[1] for p in pts),
                          "samples": len(pts), "slope_mb_per_min": slope(pts[len(pts) // 5:])}
                   for name, pts in series.items()}
    return {**result, "database": target.kind, "processes": processes, "minutes": minutes,
            "per_process": per_process,
            "max_rss_mb_any_process": max((v["max_mb"] for v in per_process.values()), default=0.0),
            "worst_slope_mb_per_min": max((v["slope_mb_per_min"] for v in per_process.values()), default=0.0)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--processes", default="1,4")
    ap.add_argument("--databases", default="postgres,sqlite")
    ap.add_argument("--pg-url", default=os.environ.get("CLUEDESK_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--redis-url", default=os.environ.get("CLUEDESK_BENCH_REDIS", "redis://127.0.0.1:6379/15"))
    ap.add_argument("--soak-minutes", type=float, default=0)
    ap.add_argument("--soak-processes", type=int, default=4)
    ap.add_argument("--soak-clients", type=int, default=8)
    ap.add_argument("--no-train", action="store_true",
                    help="skip the first start's charge-model training (quick checks of the script only)")
    args = ap.parse_args()
    counts = [int(x) for x in args.processes.split(",") if x]
    redis_url = args.redis_url if args.redis_url and redis_answers(args.redis_url) else None
    out: dict[str, Any] = {"bench": "scaleout", "reports_per_run": args.reports, "clients": args.clients,
                           "cores": os.cpu_count(), "redis": bool(redis_url), "trained_triage": not args.no_train}
    soaked = False
    trained: Path | None = None  # the charge model depends on the shipped data only: train it once
    keep = Path(tempfile.mkdtemp(prefix="cluedesk-scaleout-model-"))
    for kind in [d for d in args.databases.split(",") if d]:
        target = Target(kind, args.pg_url, redis_url, train=not args.no_train, trained_from=trained)
        try:
            target.prepare()
            if trained is None and not args.no_train and (Path(target.data_dir) / "triage").is_dir():
                trained = keep / "triage"
                shutil.copytree(Path(target.data_dir) / "triage", trained)
            runs = {str(p): one_run(target, p, args.reports, args.clients) for p in counts}
            entry: dict[str, Any] = {"runs": runs}
            if len(counts) >= 2:
                lo, hi = runs[str(counts[0])], runs[str(counts[-1])]
                entry[f"ratio_{counts[-1]}_vs_{counts[0]}"] = (
                    round(hi["reports_per_s"] / lo["reports_per_s"], 2) if lo["reports_per_s"] else None)
            out[kind] = entry
            if kind == "postgres" and len(counts) >= 2:
                out["ratio"] = entry[f"ratio_{counts[-1]}_vs_{counts[0]}"]
                out["ratio_is"] = f"PostgreSQL reports/s with {counts[-1]} app processes / with {counts[0]}"
            if args.soak_minutes and not soaked:
                out["soak"] = soak(target, args.soak_processes, args.soak_minutes, args.soak_clients)
                soaked = True
        finally:
            target.cleanup()
    shutil.rmtree(keep, ignore_errors=True)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
