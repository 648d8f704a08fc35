"""Intake: the real server (`cluedesk serve` as the README runs it: SQLite, 2 × cores web workers, the
default task workers) under a mix of form posts and API calls, a tenth with a small attachment.
Prints one JSON object.

Throughput (closed loop: C clients, each sends its next report when the last is answered):

    .venv/bin/python bench/intake.py --reports 20000 --clients 32
    .venv/bin/python bench/intake.py --reports 20000 --clients 4

Triage lag under a steady arrival rate (open loop: R reports a second for S seconds whatever the
answers; latency counts from each report's scheduled time, so a server that falls behind shows):

    .venv/bin/python bench/intake.py --rate 200 --duration 60

The scale-out path (a fresh PostgreSQL database per run, dropped afterwards; Redis as the cache
when it answers):

    .venv/bin/python bench/intake.py --reports 20000 --clients 32 --database postgres

Other options: --workers N (web workers), --task-workers N (queued-task workers; when `cluedesk
serve` does not take --task-workers yet, the bench starts that many `cluedesk worker` processes
itself, default 2), --drain-timeout 600 (the bound on the wait for triage after the load),
--no-floor, --floor-requests N, --triage-from DIR (copy a trained triage folder instead of waiting
for the first start's training; DIR is a data folder or its triage/ folder; for quick checks),
--save-triage DIR, --keep (leave the data folder and database), --pg-url, --redis-url.

What the JSON holds:
- accepted_per_s, latency_ms {p50, p99, mean}, accepted, refused_or_failed, stored, lost,
  duplicated: reports are marked ``[bench-NNNNNNN]`` in their text and counted in the database.
- cpu_ms_per_report (and _web: gunicorn master + web workers, _workers: `cluedesk worker`
  processes, the task workers and the periodic-jobs one, _supervisor: a non-gunicorn parent such
  as `cluedesk serve` supervising; cpu.by_role_s has each role apart): user+sys CPU of every
  server process, from /proc/PID/stat, from the start of the load until triage has drained (so a
  report's triage, done after its answer, is counted), ÷ accepted. ``cpu.load_window`` has the
  same for the load alone. The process tree is walked under the server's pid (and the bench's own
  fallback workers) at the start, every second and at the end; a process that dies in the window
  is counted through its parent's cutime+cstime (less what it had spent before the start): see
  common.CpuMeter.
- client_cpu_share: this process's CPU (getrusage) during the load ÷ (load seconds × cores), and
  client_cpu_s. Near or above 1 / cores means the client, not the server, may be the limit.
- rss_mb / pss_mb: per process by role, the peak RSS seen during the load and the PSS at its end
  (PSS when /proc/PID/smaps_rollup is readable).
- triage_lag_ms {p50, p99, max, untriaged_at_end}: per stored report, its created_at to its
  ``report.triaged`` ledger event (or, before that event exists, its triage task's finished_at;
  before triage was queued, the ``report.submitted`` event of the same transaction):
  triage_lag_source says which. The bench waits up to --drain-timeout seconds after the load for
  every report to get its clue.
- floor_per_s, floor_latency_ms, floor_cpu_ms_per_request, ratio_to_floor: a minimal Django view
  (bench/floor/: no apps, no middleware, one INSERT into SQLite in WAL mode per POST) under the
  gunicorn command line of this run's server (read from its master; app and port swapped), loaded
  by the same client with the same clients and the same request mix. Closed-loop mode only.
- convoy: implied_mean_ms = clients ÷ accepted/s (the mean latency C clients at that rate must
  see), and p99 / that. Closed-loop mode only.
- processes: each server process seen, with its role, peak RSS and command.

The client: one asyncio loop, a bare Protocol per exchange (connect, write the whole request,
read to EOF: gunicorn's sync workers close every connection, so there is no keep-alive to use),
every request built before the clock starts (CSRF cookie and token fetched before, too), and an
answer judged by its status line (201 for a form post) and, for the API, ``tracking_code`` in
the body: no per-request parsing.

Rate limits are raised for the run (every client here is 127.0.0.1). All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    CpuMeter,
    Db,
    Server,
    cmdline,
    free_port,
    percentile,
    pg_admin,
    pss_mb,
    redis_answers,
    wait_triaged,
    with_db,
)

BENCH = Path(__file__).resolve().parent
TIPS = BENCH.parent.parent / "shared" / "eval" / "tips_dev.jsonl"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PNG_B64 = base64.b64encode(PNG).decode()
CORES = os.cpu_count() or 1


def sample_texts(n: int = 500) -> list[str]:
    if TIPS.exists():
        lines = TIPS.read_text(encoding="utf-8").splitlines()[:n]
        return [json.loads(x)["text"][:600] for x in lines]
    return ["某县某村有人长期聚众赌博，并放高利贷，逼债打人。"] * n


# ---- requests -------------------------------------------------------------------------------------

def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "----cluedesk" + uuid.uuid4().hex
    out = bytearray()
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v.encode() + b"\r\n"
    for field, name, content, ctype in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n").encode() + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def build_one(port: int, token: str, text: str, mark: str, use_api: bool, attach: bool,
              csrf: tuple[str, str]) -> bytes:
    """One submission as raw HTTP: an API call (JSON, bearer token, Idempotency-Key) or a form post
    (multipart, CSRF cookie and token, a fresh nonce)."""
    text = f"{text} [{mark}]"
    if use_api:
        payload: dict[str, Any] = {"text": text, "place": "湖南省长沙市岳麓区", "when": "去年", "who": "张某"}
        if attach:
            payload["attachments"] = [{"filename": "p.png", "content_base64": PNG_B64}]
        body = json.dumps(payload, ensure_ascii=False).encode()
        return request("POST", "/api/v1/reports", {
            "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": mark}, body)
    cookie, csrf_token = csrf
    fields = {"csrfmiddlewaretoken": csrf_token, "text": text, "place_text": "湖南省长沙市岳麓区",
              "when_text": "去年", "who_text": "", "category": "", "name": "", "contact": "",
              "nonce": secrets.token_urlsafe(18)}
    body, ctype = multipart(fields, [("files", "p.png", PNG, "image/png")] if attach else [])
    return request("POST", "/report/", {"Content-Type": ctype, "Cookie": cookie,
                                        "Referer": f"http://127.0.0.1:{port}/report/",
                                        "Accept-Language": "zh-Hans"}, body)


def build(port: int, token: str, n: int, prefix: str, pairs: list[tuple[str, str]],
          seed: int = 7) -> list[tuple[bytes, bool]]:
    """``n`` submissions, before the clock starts: odd ones API calls, even ones form posts (each
    with one of the fetched CSRF pairs), a tenth with an attachment; marked ``[prefix-NNNNNNN]``."""
    texts = sample_texts()
    rng = random.Random(seed)
    out = []
    for i in range(n):
        use_api = i % 2 == 1
        attach = rng.random() < 0.1
        out.append((build_one(port, token, rng.choice(texts), f"{prefix}-{i:07d}", use_api, attach,
                              pairs[i % len(pairs)]), use_api))
    return out


# ---- the exchange ---------------------------------------------------------------------------------

class _Exchange(asyncio.Protocol):
    """Write one request, collect the answer until the server closes."""

    __slots__ = ("raw", "fut", "chunks")

    def __init__(self, raw: bytes, fut: asyncio.Future[bytes]) -> None:
        self.raw, self.fut = raw, fut
        self.chunks: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.raw)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.fut.done():
            if exc is None:
                self.fut.set_result(b"".join(self.chunks))
            else:
                self.fut.set_exception(exc)


async def exchange(port: int, raw: bytes, timeout: float = 90.0) -> bytes:
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[bytes] = loop.create_future()
    transport, _ = await loop.create_connection(lambda: _Exchange(raw, fut), "127.0.0.1", port)
    guard = loop.call_later(timeout, transport.abort)
    try:
        return await fut
    finally:
        guard.cancel()


def accepted(answer: bytes, use_api: bool) -> bool:
    """A form post is accepted with 201 (the page with the tracking code: the only 201 it gives),
    an API call with 200/201 and a tracking code in the body."""
    status = answer[9:12]
    if use_api:
        return status in (b"201", b"200") and b"tracking_code" in answer
    return status == b"201"


async def fetch_csrf(port: int) -> tuple[str, str]:
    """(Cookie header value, form token) from one GET of the report form."""
    answer = await exchange(port, request("GET", "/report/", {}))
    m = re.search(rb"csrftoken=([^;\r\n]+)", answer)
    t = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', answer)
    return (f"csrftoken={m.group(1).decode()}" if m else "", t.group(1).decode() if t else "")


async def csrf_pairs(port: int, n: int) -> list[tuple[str, str]]:
    return list(await asyncio.gather(*(fetch_csrf(port) for _ in range(n))))


class Client:
    """One client building each request as it goes (bench/scaleout.py's driver and the warm-up)."""

    def __init__(self, port: int, token: str, texts: list[str], rng: random.Random):
        self.port, self.token, self.texts, self.rng = port, token, texts, rng
        self.csrf = ("", "")

    async def prime(self) -> None:
        self.csrf = await fetch_csrf(self.port)

    async def send(self, mark: str, use_api: bool, attach: bool) -> tuple[bool, float]:
        raw = build_one(self.port, self.token, self.rng.choice(self.texts), mark, use_api, attach, self.csrf)
        t0 = time.perf_counter()
        answer = await exchange(self.port, raw)
        ok = accepted(answer, use_api)
        if not ok and os.environ.get("BENCH_DEBUG"):
            print("api" if use_api else "form", answer[:300], file=sys.stderr)
        return ok, (time.perf_counter() - t0) * 1000


# ---- the load -------------------------------------------------------------------------------------

class Run:
    """What one load gives: per request, accepted or not and its latency (ms)."""

    def __init__(self, n: int) -> None:
        self.ok = bytearray(n)
        self.ms = [0.0] * n
        self.elapsed = 0.0
        self.client_cpu_s = 0.0
        self.behind_max_ms = 0.0

    @property
    def accepted(self) -> int:
        return sum(self.ok)

    def latencies(self) -> list[float]:
        return [ms for ok, ms in zip(self.ok, self.ms, strict=True) if ok]

    def summary(self) -> dict[str, float]:
        lat = self.latencies()
        return {"p50": round(percentile(lat, 50), 1), "p99": round(percentile(lat, 99), 1),
                "mean": round(sum(lat) / len(lat), 1) if lat else 0.0}


def _client_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def _sampler(meter: CpuMeter | None, stop: asyncio.Event) -> None:
    while meter is not None and not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            meter.sample()


async def closed_loop(port: int, reqs: list[tuple[bytes, bool]], clients: int, meter: CpuMeter | None) -> Run:
    """``clients`` concurrent clients; each sends the next request when its last one is answered."""
    run = Run(len(reqs))
    nxt = 0
    debug = bool(os.environ.get("BENCH_DEBUG"))

    async def client() -> None:
        nonlocal nxt
        while nxt < len(reqs):
            i = nxt
            nxt += 1
            raw, use_api = reqs[i]
            t0 = time.perf_counter()
            try:
                answer = await exchange(port, raw)
            except OSError:
                continue
            run.ms[i] = (time.perf_counter() - t0) * 1000
            if accepted(answer, use_api):
                run.ok[i] = 1
            elif debug:
                print(answer[:300], file=sys.stderr)

    stop = asyncio.Event()
    sampler = asyncio.create_task(_sampler(meter, stop))
    cpu0, t0 = _client_cpu(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    run.elapsed, run.client_cpu_s = time.perf_counter() - t0, _client_cpu() - cpu0
    stop.set()
    await sampler
    return run


async def open_loop(port: int, reqs: list[tuple[bytes, bool]], rate: float, max_inflight: int,
                    meter: CpuMeter | None) -> Run:
    """Request i is sent at start + i / rate, answered or not (at most ``max_inflight`` open at
    once: past that the schedule slips, shown as behind_max_ms). Latency counts from the scheduled
    time."""
    loop = asyncio.get_running_loop()
    run = Run(len(reqs))
    slots = asyncio.Semaphore(max_inflight)

    async def one(i: int, due: float) -> None:
        raw, use_api = reqs[i]
        try:
            answer = await exchange(port, raw)
            run.ok[i] = 1 if accepted(answer, use_api) else 0
        except OSError:
            pass
        finally:
            run.ms[i] = (loop.time() - due) * 1000
            slots.release()

    stop = asyncio.Event()
    sampler = asyncio.create_task(_sampler(meter, stop))
    cpu0 = _client_cpu()
    start = loop.time() + 0.05
    pending = []
    for i in range(len(reqs)):
        due = start + i / rate
        wait = due - loop.time()
        if wait > 0.0005:
            await asyncio.sleep(wait)
        await slots.acquire()
        run.behind_max_ms = max(run.behind_max_ms, (loop.time() - due) * 1000)
        pending.append(loop.create_task(one(i, due)))
    await asyncio.gather(*pending)
    run.elapsed, run.client_cpu_s = loop.time() - start, _client_cpu() - cpu0
    stop.set()
    await sampler
    return run


async def warm_up(port: int, token: str, n: int, clients: int) -> int:
    """Each web worker loads what it needs on its first requests, each task worker its models on
    its first triage: do that before the clock starts."""
    reqs = build(port, token, n, "warmup", await csrf_pairs(port, min(clients, 8)), seed=3)
    run = await closed_loop(port, reqs, clients, None)
    return run.accepted


# ---- what the database says ---------------------------------------------------------------------

def stored_marks(db: Db, prefix: str) -> list[str]:
    return [mark for mark, _at, _clue in db.marks(prefix).values()]


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _report_id(args_kwargs: Any) -> str | None:
    data = json.loads(args_kwargs) if isinstance(args_kwargs, str | bytes) else args_kwargs
    if not isinstance(data, dict):
        return None
    args, kwargs = data.get("args") or [], data.get("kwargs") or {}
    if "report_id" in kwargs:
        return str(kwargs["report_id"])
    return str(args[0]) if args and isinstance(args[0], int | str) else None


def triage_lag(db: Db, prefix: str) -> tuple[dict[str, Any], str]:
    """Per stored report of this run: created_at → its clue (ms). The time of the clue is the
    ``report.triaged`` ledger event's; else the triage task's finished_at; else, when the clue is
    set in the submission's own transaction, that transaction's ``report.submitted`` event."""
    reports = {str(pk): (_when(created), clue) for pk, (_mark, created, clue) in db.marks(prefix).items()}
    untriaged = sum(1 for _, clue in reports.values() if clue is None)
    done: dict[str, datetime] = {}
    source = "none"
    for sid, at in db.query("SELECT subject_id, min(created_at) FROM ledger_event WHERE verb = 'report.triaged' "
                            "AND subject_type = 'report' GROUP BY subject_id"):
        if sid in reports:
            done[sid] = _when(at)
    if done:
        source = "ledger report.triaged created_at"
    else:
        rows = db.query("SELECT args_kwargs, finished_at FROM django_tasks_db_dbtaskresult WHERE finished_at IS NOT "
                        "NULL AND task_path LIKE '%triage%' AND task_path NOT LIKE '%train%'")
        for args_kwargs, finished in rows:
            rid = _report_id(args_kwargs)
            if rid in reports and (rid not in done or _when(finished) < done[rid]):
                done[rid] = _when(finished)
        if done:
            source = "task finished_at (no report.triaged event yet)"
        else:
            for sid, at in db.query("SELECT subject_id, min(created_at) FROM ledger_event WHERE verb = "
                                    "'report.submitted' AND subject_type = 'report' GROUP BY subject_id"):
                if sid in reports and reports[sid][1] is not None:
                    done[sid] = _when(at)
            if done:
                source = "inline: clue set in the submission's transaction (report.submitted created_at)"
    lags = [(done[k] - reports[k][0]).total_seconds() * 1000 for k in done]
    return {"p50": round(percentile(lags, 50), 1), "p99": round(percentile(lags, 99), 1),
            "max": round(max(lags), 1) if lags else 0.0, "untriaged_at_end": untriaged,
            "measured": len(lags)}, source


# ---- the floor --------------------------------------------------------------------------------------

def floor_argv(master_argv: list[str], port: int, workers: int) -> list[str]:
    """The server's gunicorn command line with the floor's app and port; serve's own line when
    the master's could not be read."""
    if not master_argv:
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
        master_argv = [gunicorn, "cluedesk.wsgi:application", "--bind", "x", "--workers", str(workers),
                       "--threads", "1", "--worker-tmp-dir", "/dev/shm", "--graceful-timeout", "20",  # noqa: S108
                       "--timeout", "60", "--max-requests", "20000", "--max-requests-jitter", "2000",
                       "--error-logfile", "-"]
    argv = list(master_argv)
    if Path(argv[0]).name.startswith("python") and len(argv) > 1:
        argv = argv[1:]  # the interpreter of the gunicorn script
    out: list[str] = [argv[0]]
    rest = iter(argv[1:])
    for a in rest:
        if a in ("-c", "--config", "-b", "--bind"):
            next(rest, None)  # a config file could start more than gunicorn: left out
            if a in ("-b", "--bind"):
                out += ["--bind", f"127.0.0.1:{port}"]
        elif a.startswith(("--config=", "--bind=")):
            if a.startswith("--bind="):
                out += ["--bind", f"127.0.0.1:{port}"]
        elif a.endswith(":application"):
            out.append("floor.wsgi:application")
        else:
            out.append(a)
    return [*out, "--pythonpath", str(BENCH)]


def run_floor(argv_master: list[str], workers: int, n: int, clients: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="cluedesk-floor-"))
    dbfile = folder / "floor.sqlite3"
    con = sqlite3.connect(dbfile)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE floor_row (id INTEGER PRIMARY KEY, created_at REAL NOT NULL, body BLOB NOT NULL)")
    con.commit()
    con.close()
    port = free_port()
    argv = floor_argv(argv_master, port, workers)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="floor.settings", FLOOR_DB=str(dbfile))
    log = (folder / "floor.log").open("wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                if asyncio.run(exchange(port, request("GET", "/", {})))[9:12] == b"405":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"floor server did not start: {(folder / 'floor.log').read_text()[-2000:]}")
            time.sleep(0.2)
        pairs = [("csrftoken=floor", "floor")]
        asyncio.run(closed_loop(port, build(port, "floor", max(4 * workers, 2 * clients), "floorwarm", pairs, 3),
                                clients, None))
        reqs = build(port, "floor", n, "floor", pairs)
        meter = CpuMeter(lambda: [proc.pid])
        gc.collect()
        meter.begin()
        run = asyncio.run(closed_loop(port, reqs, clients, meter))
        cpu = meter.end()
        rows = sqlite3.connect(dbfile).execute("SELECT count(*) FROM floor_row").fetchone()[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)
    ok = run.accepted
    return {"floor_per_s": round(ok / run.elapsed, 1) if run.elapsed else 0.0, "floor_latency_ms": run.summary(),
            "floor_cpu_ms_per_request": round(cpu["cpu_s"] * 1000 / ok, 2) if ok else None,
            "floor_accepted": ok, "floor_failed": len(reqs) - ok, "floor_rows": rows,
            "floor_client_cpu_share": round(run.client_cpu_s / (run.elapsed * CORES), 3) if run.elapsed else None,
            "floor_argv": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(argv))}


# ---- main -----------------------------------------------------------------------------------------------

def per_report(seconds: dict[str, float], accepted_n: int) -> dict[str, float | None]:
    web = seconds.get("master", 0.0) + seconds.get("web", 0.0)
    parts = {"": sum(seconds.values()), "_web": web,
             "_workers": seconds.get("worker", 0.0) + seconds.get("jobs", 0.0),
             "_supervisor": seconds.get("supervisor", 0.0)}
    return {f"cpu_ms_per_report{k}": (round(v * 1000 / accepted_n, 2) if accepted_n else None)
            for k, v in parts.items()}


def by_role(processes: list[dict[str, Any]], key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in processes:
        if p.get(key) is None:
            continue
        name = {"worker": "workers"}.get(p["role"], p["role"])
        if name == "master":
            out["master"] = p[key]
        else:
            out.setdefault(name, []).append(p[key])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--reports", type=int, default=20000, help="closed loop: how many reports")
    ap.add_argument("--clients", type=int, default=32, help="closed loop: concurrent clients")
    ap.add_argument("--rate", type=float, default=0.0, help="open loop: reports a second (with --duration)")
    ap.add_argument("--duration", type=float, default=60.0, help="open loop: seconds")
    ap.add_argument("--max-inflight", type=int, default=1000, help="open loop: most requests open at once")
    ap.add_argument("--workers", type=int, default=None, help="web workers (default: serve's, 2 × cores)")
    ap.add_argument("--task-workers", type=int, default=None, help="task workers (default: serve's, 2)")
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url", default=os.environ.get("CLUEDESK_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--redis-url", default=os.environ.get("CLUEDESK_BENCH_REDIS", "redis://127.0.0.1:6379/14"))
    ap.add_argument("--drain-timeout", type=float, default=600.0,
                    help="at most this many seconds to wait for triage after the load")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--floor-requests", type=int, default=None, help="floor requests (default: as many as reports)")
    ap.add_argument("--triage-from", default="", help="copy this trained triage folder instead of training")
    ap.add_argument("--save-triage", default="", help="copy the trained triage folder here afterwards")
    ap.add_argument("--keep", action="store_true", help="keep the data folder (and PostgreSQL database)")
    args = ap.parse_args()
    rate_mode = args.rate > 0
    n = int(round(args.rate * args.duration)) if rate_mode else args.reports

    data_dir = tempfile.mkdtemp(prefix="cluedesk-bench-")
    env = {"CLUEDESK_RATE_SUBMIT": "100000000", "CLUEDESK_RATE_LOOKUP": "100000000", "CLUEDESK_DEMO": "0",
           "DATABASE_URL": ""}
    if args.triage_from:
        src = Path(args.triage_from)
        src = src / "triage" if (src / "triage").is_dir() else src
        shutil.copytree(src, Path(data_dir) / "triage")
        env["CLUEDESK_TRAIN_ON_START"] = "0"
    db_name = ""
    redis = False
    if args.database == "postgres":
        db_name = f"cluedesk_intake_{os.getpid()}_{int(time.time())}"
        pg_admin(args.pg_url, f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = with_db(args.pg_url, db_name)
        if args.redis_url and redis_answers(args.redis_url):
            env["REDIS_URL"] = args.redis_url
            redis = True
    server = Server(env=env, workers=args.workers, data_dir=data_dir, task_workers=args.task_workers,
                    spawn_task_workers=True)
    db = Db(data_dir, env["DATABASE_URL"])
    out: dict[str, Any] = {"bench": "intake", "mode": "rate" if rate_mode else "closed", "database": args.database,
                           "redis": redis, "cores": CORES}
    if rate_mode:
        out |= {"rate": args.rate, "duration_s": args.duration, "reports": n, "max_inflight": args.max_inflight}
    else:
        out |= {"reports": n, "clients": args.clients}
    try:
        server.start()
        token = server.run("channel-token", "create", "bench").strip().splitlines()[-1].split()[-1]
        # measure the real triage: wait for the first start's background training of the charge model
        model = Path(data_dir) / "triage" / "charge_model.pkl"
        deadline = time.time() + 900
        while not model.exists() and time.time() < deadline:
            time.sleep(2)
        if args.save_triage and model.exists():
            shutil.copytree(Path(data_dir) / "triage", args.save_triage, dirs_exist_ok=True)
        meter = CpuMeter(server.roots)
        meter.begin()  # to learn the processes and their roles
        web = sum(1 for p in meter.processes() if p["role"] == "web")
        warmed = asyncio.run(warm_up(server.port, token, max(24, 6 * web), min(args.clients, 32)))
        left, _ = wait_triaged(db, "warmup", args.drain_timeout)
        pairs = asyncio.run(csrf_pairs(server.port, max(1, min(args.clients, 64))))
        if not all(c and t for c, t in pairs):
            raise RuntimeError("no CSRF cookie/token from GET /report/")
        reqs = build(server.port, token, n, "bench", pairs)
        gc.collect()
        gc.freeze()  # the built requests need no scanning during the load

        meter.begin()
        if rate_mode:
            run = asyncio.run(open_loop(server.port, reqs, args.rate, args.max_inflight, meter))
        else:
            run = asyncio.run(closed_loop(server.port, reqs, args.clients, meter))
        load_cpu = meter.end()
        procs = meter.processes()
        for p in procs:
            p["pss_mb"] = pss_mb(p["pid"])
        master = next((p["pid"] for p in procs if p["role"] == "master"), None)
        master_argv = cmdline(master) if master else []
        untriaged, drained_s = wait_triaged(db, "bench", args.drain_timeout, sample=meter.sample)
        full_cpu = meter.end()
        lag, lag_source = triage_lag(db, "bench")
        stored = stored_marks(db, "bench")
        db.close()
    finally:
        db.close()
        server.stop()
        if db_name and not args.keep:
            try:
                pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop {db_name}: {exc}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"data folder kept: {data_dir}", file=sys.stderr)
    gc.unfreeze()

    ok_marks = {f"bench-{i:07d}" for i in range(n) if run.ok[i]}
    stored_set = set(stored)
    acc = len(ok_marks)
    rate = acc / run.elapsed if run.elapsed else 0.0
    lat = run.summary()
    out |= {
        "web_workers": sum(1 for p in procs if p["role"] == "web"),
        "task_workers": sum(1 for p in procs if p["role"] == "worker"),
        "jobs_workers": sum(1 for p in procs if p["role"] == "jobs"),
        "task_workers_by": server.task_workers_by,
        "warm_up_accepted": warmed, "warm_up_untriaged": left,
        "accepted_per_s": round(rate, 1), "latency_ms": lat,
        "accepted": acc, "refused_or_failed": n - acc, "stored": len(stored),
        "lost": len(ok_marks - stored_set), "duplicated": len(stored) - len(stored_set),
        "elapsed_s": round(run.elapsed, 2),
    }
    if rate_mode:
        out |= {"offered_per_s": args.rate, "behind_schedule_max_ms": round(run.behind_max_ms, 1)}
    out |= per_report(full_cpu["cpu_s_by_role"], acc)
    out["cpu"] = {
        "window": "load start to triage drained", "window_s": full_cpu["window_s"],
        "server_cpu_s": full_cpu["cpu_s"], "by_role_s": full_cpu["cpu_s_by_role"],
        "processes_died": full_cpu["processes_died"],
        "load_window": {"window_s": load_cpu["window_s"], "server_cpu_s": load_cpu["cpu_s"],
                        "by_role_s": load_cpu["cpu_s_by_role"],
                        "server_cpu_share": round(load_cpu["cpu_s"] / (load_cpu["window_s"] * CORES), 3),
                        **per_report(load_cpu["cpu_s_by_role"], acc)},
    }
    out["client_cpu_s"] = round(run.client_cpu_s, 2)
    out["client_cpu_share"] = round(run.client_cpu_s / (run.elapsed * CORES), 3) if run.elapsed else None
    out["rss_mb"] = by_role(procs, "rss_mb_peak")
    out["pss_mb"] = by_role(procs, "pss_mb")
    out["triage_lag_ms"] = lag
    out["triage_lag_source"] = lag_source
    out["triage_drain_s"] = drained_s
    if not rate_mode:
        implied = args.clients / rate * 1000 if rate else 0.0
        out["convoy"] = {"implied_mean_ms": round(implied, 1),
                         "p99_over_implied_mean": round(lat["p99"] / implied, 2) if implied else None,
                         "mean_over_implied_mean": round(lat["mean"] / implied, 2) if implied else None}
        if not args.no_floor:
            floor = run_floor(master_argv, out["web_workers"], args.floor_requests or n, args.clients)
            out |= floor
            out["ratio_to_floor"] = round(rate / floor["floor_per_s"], 3) if floor["floor_per_s"] else None
    out["processes"] = [{k: v for k, v in p.items() if k != "pss_mb"} for p in procs]
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
