"""Shared pieces of the benchmarks: start the real server as the README does, measure it."""

from __future__ import annotations

import functools
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLUEDESK = str(Path(sys.executable).parent / "cluedesk")
DEFAULT_TASK_WORKERS = 2  # what `cluedesk serve --task-workers` defaults to
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@functools.cache
def serve_takes_task_workers() -> bool:
    """Whether this checkout's `cluedesk serve` starts task workers itself (``--task-workers``)."""
    with tempfile.TemporaryDirectory(prefix="cluedesk-bench-help-") as folder:
        env = dict(os.environ, CLUEDESK_DATA_DIR=folder)
        out = subprocess.run([CLUEDESK, "serve", "--help"], env=env, capture_output=True, text=True, check=False)
    return "--task-workers" in out.stdout


class Server:
    """`cluedesk serve` in a fresh data folder, on a free port, stopped on exit.

    ``task_workers``: passed on as ``--task-workers`` when `cluedesk serve` takes it (None: its
    default). With ``spawn_task_workers`` and a `cluedesk serve` that does not take it yet, that
    many `cluedesk worker` processes (default 2) are started beside the server instead, and
    stopped with it."""

    def __init__(self, env: dict[str, str] | None = None, workers: int | None = None, data_dir: str | None = None,
                 task_workers: int | None = None, spawn_task_workers: bool = False):
        self.port = free_port()
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="cluedesk-bench-")
        self.env = dict(os.environ, CLUEDESK_DATA_DIR=self.data_dir, **(env or {}))
        self.workers = workers
        self.task_workers = task_workers
        self.spawn_task_workers = spawn_task_workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.extra: list[subprocess.Popen[bytes]] = []  # fallback task workers
        self.log = Path(self.data_dir) / "serve.log"

    def run(self, *args: str) -> str:
        return subprocess.run([CLUEDESK, *args], env=self.env, check=True, capture_output=True, text=True).stdout

    @property
    def task_workers_by(self) -> str:
        """Who runs the queued tasks: 'serve' (its own workers), 'bench' (fallback) or 'none'."""
        if serve_takes_task_workers():
            return "serve"
        return "bench" if self.spawn_task_workers and self.wanted_task_workers else "none"

    @property
    def wanted_task_workers(self) -> int:
        return DEFAULT_TASK_WORKERS if self.task_workers is None else self.task_workers

    def start(self) -> Server:
        argv = [CLUEDESK, "serve", "--port", str(self.port)]
        if self.workers:
            argv += ["--workers", str(self.workers)]
        if self.task_workers is not None and serve_takes_task_workers():
            argv += ["--task-workers", str(self.task_workers)]
        self.proc = subprocess.Popen(argv, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self._wait_healthy()
            if self.task_workers_by == "bench":
                log = (Path(self.data_dir) / "worker.log").open("ab")
                for _ in range(self.wanted_task_workers):
                    self.extra.append(subprocess.Popen([CLUEDESK, "worker"], env=self.env, stdout=log,
                                                       stderr=subprocess.STDOUT, start_new_session=True))
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        assert self.proc is not None
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
        raise RuntimeError("server did not become healthy in 180 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The `cluedesk serve` process and its direct children."""
        assert self.proc is not None
        root = self.proc.pid
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(root)], capture_output=True, text=True).stdout
        return [root, *[int(p) for p in out.split()]]

    def roots(self) -> list[int]:
        """The processes whose trees make up the server: `cluedesk serve` and any fallback workers."""
        assert self.proc is not None
        return [self.proc.pid, *(p.pid for p in self.extra if p.poll() is None)]

    def tree(self) -> list[int]:
        """Every process of the server: the roots and all their descendants."""
        return sorted(descendants(self.roots(), proc_table()))

    def rss_mb(self) -> float:
        """RSS summed over every process of the server."""
        table = proc_table()
        return round(sum(table[p].rss for p in descendants(self.roots(), table)) / 2**20, 1)

    def stop(self) -> None:
        left: dict[int, int] = {}
        if self.proc and self.proc.poll() is None:
            table = proc_table()
            left = {p: table[p].start for p in descendants([self.proc.pid], table) if p != self.proc.pid}
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # what a supervisor started in process groups of their own must not outlive it
        deadline = time.time() + 30
        for sig in (signal.SIGTERM, signal.SIGKILL):
            while left and time.time() < deadline:
                left = {p: st for p, st in left.items() if (q := read_proc(p)) is not None and q.start == st}
                time.sleep(0.2 if left else 0)
            for pid in left:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.time() + 10
        for p in self.extra:
            if p.poll() is None:
                p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[k]


# ---- processes: the tree under a pid, CPU time and memory from /proc --------------------------------

class Proc:
    """One line of /proc/PID/stat: CPU ticks of the process itself and of its reaped children."""

    __slots__ = ("pid", "ppid", "start", "own", "reaped", "rss")

    def __init__(self, pid: int, ppid: int, start: int, own: int, reaped: int, rss: int) -> None:
        self.pid, self.ppid, self.start, self.own, self.reaped, self.rss = pid, ppid, start, own, reaped, rss


def read_proc(pid: int) -> Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    f_ = raw[raw.rindex(b")") + 2:].split()  # fields from the 3rd (state) on; comm may hold spaces
    # man 5 proc: ppid 4, utime 14, stime 15, cutime 16, cstime 17, starttime 22, rss 24 (pages)
    return Proc(pid, int(f_[1]), int(f_[19]), int(f_[11]) + int(f_[12]), int(f_[13]) + int(f_[14]),
                int(f_[21]) * PAGE)


def proc_table() -> dict[int, Proc]:
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            p = read_proc(int(name))
            if p is not None:
                out[p.pid] = p
    return out


def descendants(roots: Iterable[int], table: dict[int, Proc]) -> set[int]:
    children: dict[int, list[int]] = {}
    for p in table.values():
        children.setdefault(p.ppid, []).append(p.pid)
    seen: set[int] = set()
    todo = [r for r in roots if r in table]
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(children.get(pid, []))
    return seen


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def _is_gunicorn(argv: list[str]) -> bool:
    return any(Path(a).name == "gunicorn" or a.startswith("gunicorn:") for a in argv[:2])


def _worker_kind(argv: list[str]) -> str:
    """'worker' for a `cluedesk worker` that runs queued tasks, 'jobs' for one that runs only the
    periodic jobs (``--no-tasks``), '' for anything else."""
    if not any(a in ("worker", "db_worker") for a in argv[1:4]):
        return ""
    return "jobs" if "--no-tasks" in argv else "worker"


def roles(pids: Iterable[int], table: dict[int, Proc], roots: Iterable[int]) -> dict[int, str]:
    """'master' (gunicorn's arbiter), 'web' (gunicorn workers), 'worker' (task workers: a
    `cluedesk worker`, or a non-gunicorn child of a non-gunicorn process, e.g. forked by a
    supervisor), 'jobs' (a `cluedesk worker --no-tasks`: periodic jobs only) or 'supervisor' (a
    root that is not gunicorn, e.g. `cluedesk serve` supervising the others)."""
    argv = {pid: cmdline(pid) for pid in pids}
    rootset = set(roots)
    out: dict[int, str] = {}

    def role(pid: int) -> str:
        if pid in out:
            return out[pid]
        a = argv.get(pid) or cmdline(pid)
        parent = table[pid].ppid if pid in table else 0
        if _is_gunicorn(a):
            r = "web" if _is_gunicorn(argv.get(parent) or cmdline(parent)) else "master"
        elif _worker_kind(a):
            r = _worker_kind(a)
        elif pid in rootset or parent not in argv:
            r = "supervisor"
        else:
            r = {"web": "web", "worker": "worker", "jobs": "jobs"}.get(role(parent), "worker")
        out[pid] = r
        return r

    for pid in argv:
        role(pid)
    return out


ORDER = ("supervisor", "master", "web", "worker", "jobs")


class CpuMeter:
    """CPU seconds (user+sys) spent by every process of a server between ``begin()`` and ``end()``.

    The tree under the roots is sampled at the start, at each ``sample()`` (call it every second or
    so, to see processes born and dead mid-window) and at the end. A process alive at the end
    counts its own ticks since the start (or since birth); a process that died in the window was
    reaped by its parent, whose cutime+cstime grew by the dead process's whole life — so the
    parents' growth in reaped ticks is counted, less what the dead process had already spent
    before the start. That is exact for processes reaped inside the tree; a process whose parent
    left the tree (re-parented to init) counts only up to its last sample. Per role: a dead
    process's ticks go to its own role (its last sample; the rest of its parent's reaped growth to
    the dead children's role, or to the parent's when it reaped none that was seen)."""

    def __init__(self, roots_fn: Any) -> None:
        self.roots_fn = roots_fn
        self.first: dict[tuple[int, int], Proc] = {}  # (pid, starttime) -> at the start (or first seen)
        self.last: dict[tuple[int, int], Proc] = {}
        self.role: dict[tuple[int, int], str] = {}
        self.born: set[tuple[int, int]] = set()
        self.peak_rss: dict[tuple[int, int], int] = {}
        self.t0 = self.t1 = 0.0
        self.result: dict[str, Any] = {}

    def _snap(self) -> dict[tuple[int, int], Proc]:
        table = proc_table()
        roots = self.roots_fn()
        pids = descendants(roots, table)
        new = [p for p in pids if (p, table[p].start) not in self.role]
        if new:
            for pid, r in roles(pids, table, roots).items():
                self.role.setdefault((pid, table[pid].start), r)
        snap = {(p, table[p].start): table[p] for p in pids}
        for k, p in snap.items():
            self.peak_rss[k] = max(self.peak_rss.get(k, 0), p.rss)
        return snap

    def begin(self) -> None:
        self.first, self.last, self.born, self.peak_rss = {}, {}, set(), {}
        self.t0 = time.perf_counter()
        snap = self._snap()
        self.first = dict(snap)
        self.last = dict(snap)

    def sample(self) -> None:
        for k, p in self._snap().items():
            if k not in self.first:
                self.born.add(k)
                self.first[k] = Proc(p.pid, p.ppid, p.start, 0, 0, p.rss)
            self.last[k] = p

    def end(self) -> dict[str, Any]:
        self.sample()
        self.t1 = time.perf_counter()
        final = self._snap()
        by_role: dict[str, float] = {}
        dead_under: dict[int, list[tuple[int, int]]] = {}
        for k, p in self.last.items():
            if k not in final:
                dead_under.setdefault(p.ppid, []).append(k)
        for k, p in self.last.items():
            before = self.first[k]
            if k in final:
                now = final[k]
                own = now.own - before.own
                by_role[self.role[k]] = by_role.get(self.role[k], 0) + own
                reaped = now.reaped - before.reaped
                dead = dead_under.get(k[0], [])
                for d in dead:  # what the dead child spent in the window, as of its last sample
                    seen = self.last[d].own + self.last[d].reaped - self.first[d].own - self.first[d].reaped
                    by_role[self.role[d]] = by_role.get(self.role[d], 0) + seen
                    reaped -= seen + self.first[d].own + self.first[d].reaped
                rest_role = self.role[dead[0]] if dead else self.role[k]
                by_role[rest_role] = by_role.get(rest_role, 0) + reaped
            elif p.ppid not in {q[0] for q in self.last}:  # its parent was never ours: up to its last sample
                seen = p.own + p.reaped - before.own - before.reaped
                by_role[self.role[k]] = by_role.get(self.role[k], 0) + seen
        seconds = {r: round(t / TICK, 2) for r, t in by_role.items()}
        self.result = {"window_s": round(self.t1 - self.t0, 2), "cpu_s": round(sum(seconds.values()), 2),
                       "cpu_s_by_role": seconds, "processes_seen": len(self.last),
                       "processes_died": len([k for k in self.last if k not in final])}
        return self.result

    def processes(self) -> list[dict[str, Any]]:
        """Each process seen: pid, role, peak RSS (MB) in the window and its command (shortened)."""
        out = []
        for k in sorted(self.last, key=lambda k: (ORDER.index(self.role[k]), k[0])):
            cmd = " ".join(Path(a).name if i < 2 else a for i, a in enumerate(cmdline(k[0])))
            out.append({"pid": k[0], "role": self.role[k], "rss_mb_peak": round(self.peak_rss.get(k, 0) / 2**20, 1),
                        "cmd": cmd if len(cmd) <= 100 else cmd[:97] + "..."})
        return out


def pss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


# ---- databases ---------------------------------------------------------------------------------------

def redis_answers(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql)  # type: ignore[arg-type]


def with_db(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


class Db:
    """Read-only queries on the server's database from the bench (SQLite file or PostgreSQL URL);
    write SQL with ``?`` placeholders."""

    def __init__(self, data_dir: str, database_url: str = "") -> None:
        self.url = database_url if database_url.startswith(("postgres://", "postgresql://")) else ""
        self.path = Path(data_dir) / "cluedesk.sqlite3"
        self.con: Any = None

    @property
    def kind(self) -> str:
        return "postgres" if self.url else "sqlite"

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.con is None:
            if self.url:
                import psycopg

                self.con = psycopg.connect(self.url, autocommit=True)
            else:
                self.con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        if self.url:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return list(self.con.execute(sql, params).fetchall())

    def _opener(self) -> Any:
        """Report text is sealed at rest: the bench reads its marks back with the server's own
        content keys (the data folder's, as any process of the deployment would)."""
        if getattr(self, "_open", None) is None:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluedesk.settings")
            os.environ["CLUEDESK_DATA_DIR"] = str(self.path.parent)
            import django

            django.setup()
            from cluedesk.vault import content

            self._open = lambda value: (content.decrypt(value, "intake.report.text")
                                        if content.is_token(value) else value)
        return self._open

    def marks(self, prefix: str) -> dict[int, tuple[str, Any, Any]]:
        """Reports whose text carries ``[prefix-…]``: id → (mark, created_at, clue_id). Each
        report's text is opened once (later calls read only newer rows and the clues)."""
        seen: dict[int, str] = self.__dict__.setdefault("_seen", {})
        last = max(seen, default=0)
        opened = self._opener()
        pattern = re.compile(r"\[([A-Za-z0-9_]+-\d+)\]")
        for pk, text in self.query("SELECT id, text FROM intake_report WHERE id > ? ORDER BY id", (last,)):
            m = pattern.search(opened(text) or "")
            seen[int(pk)] = m.group(1) if m else ""
        out = {}
        for pk, created, clue in self.query("SELECT id, created_at, clue_id FROM intake_report"):
            mark = seen.get(int(pk), "")
            if mark.startswith(prefix + "-"):
                out[int(pk)] = (mark, created, clue)
        return out

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


def wait_triaged(db: Db, prefix: str, seconds: float, sample: Any = None) -> tuple[int, float]:
    """Wait (at most ``seconds``) until every stored report marked ``[prefix-…]`` has a clue;
    (reports still without one, seconds waited). ``sample`` is called every half second."""
    t0 = time.perf_counter()
    while True:
        left = sum(1 for _mark, _at, clue in db.marks(prefix).values() if clue is None)
        waited = time.perf_counter() - t0
        if left == 0 or waited >= seconds:
            return left, round(waited, 2)
        if sample is not None:
            sample()
        time.sleep(0.5)
