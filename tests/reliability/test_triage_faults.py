"""Triage's workers under faults, against the real server (`cluedesk serve`, gunicorn) on 127.0.0.1.

A submission is accepted first and triaged after commit by a `cluedesk worker` (the queued
``attach_report`` task). Two drills, each under a steady load of submissions:

* a task worker is killed with -9 *inside* ``attach_report`` (held there by the test-only receiver
  in drill_settings.py): once with its index rows and clue written and COMMIT not yet (the triage
  must happen again), once just after COMMIT with its task not yet marked done (the re-run must
  change nothing); a fresh worker re-queues the dead worker's task once its heartbeat is stale;
* the task workers are stopped for a while: reports are still accepted and wait with no clue,
  then a worker comes back and drains the backlog.

What must hold every time: every acknowledged report is stored once and ends on a clue, triaged
exactly once (one index row, one ``report.triaged`` event, each clue's report count equal to its
reports), no task left behind, and `cluedesk ledger verify` passes.

Short by default (CI); CLUEDESK_RELIABILITY_FULL=1 runs more reports, more kills and a minute's
outage. On the test run's database kind (DATABASE_URL=postgres://… for PostgreSQL; see live.py).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from .live import (
    CLUEDESK,
    FULL,
    ROOT,
    Live,
    Tally,
    api,
    body_for,
    check_acked_are_stored_once,
    load,
    report_texts,
    wait_for,
)

N_KILL = 200 if FULL else 40
# where each kill happens, spread over the run: in attach_report's transaction, or just after COMMIT
KILLS = ["inside", "committed"] * (2 if FULL else 1)
OUTAGE_SECONDS = 60 if FULL else 18
STALE = 2  # CLUEDESK_WORKER_STALE_SECONDS for the drills' workers: a dead worker is noticed fast


class Workers:
    """`cluedesk worker` processes beside the server, on the drill settings (drill_settings.py)."""

    def __init__(self, live: Live, hold: dict[str, str] | None = None) -> None:
        self.live = live
        self.dir = Path(live.data_dir) / "drill"
        self.dir.mkdir(exist_ok=True)
        self.hold = hold or {}  # mark in the report's text -> "inside" or "committed"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self, *, jobs: bool = False) -> subprocess.Popen[bytes]:
        """A task worker (and, with ``jobs``, the periodic jobs too: ``requeue_stalled``)."""
        env = {**self.live.env, "CLUEDESK_WORKER_STALE_SECONDS": str(STALE),
               "DJANGO_SETTINGS_MODULE": "tests.reliability.drill_settings",
               "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), self.live.env.get("PYTHONPATH", "")) if p),
               "CLUEDESK_DRILL_DIR": str(self.dir),
               "CLUEDESK_DRILL_HOLD": ",".join(m for m, w in self.hold.items() if w == "inside"),
               "CLUEDESK_DRILL_HOLD_COMMITTED": ",".join(m for m, w in self.hold.items() if w == "committed")}
        argv = [CLUEDESK, "worker", "--poll", "0.2", "--interval", "1", *([] if jobs else ["--no-jobs"])]
        path = self.dir / f"worker-{time.time_ns()}.log"
        with path.open("ab") as log:
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        self.logs.append(path)
        return proc

    def started(self) -> bool:
        """Every worker is up (its signal handlers set, taking tasks)."""
        return all(b'"worker_start"' in path.read_bytes() for path in self.logs)

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self.procs if p.poll() is None]

    def inside(self) -> dict[int, tuple[int, str]]:
        """Worker pid → the report it is held on inside attach_report, and where."""
        held = {}
        for path in self.dir.glob("inside-*"):
            if path.suffix != ".tmp":
                report, where = path.read_text().split()
                held[int(path.name.split("-", 1)[1])] = (int(report), where)
        return held

    def stop(self) -> list[int]:
        """SIGTERM: each finishes the task in hand and exits 0."""
        running = self.alive()
        for p in running:
            p.send_signal(signal.SIGTERM)
        codes = []
        for p in running:
            try:
                codes.append(p.wait(60))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append(p.wait(10))
        return codes

    def log_tail(self) -> str:
        return "\n".join(f"{p.name}: {p.read_text(errors='replace')[-1500:]}" for p in self.logs if p.exists())


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def attach_tasks(live: Live) -> list[dict[str, Any]]:
    rows = live.query("SELECT args_kwargs, worker_ids, status FROM django_tasks_database_dbtaskresult "
                      "WHERE task_path = 'cluedesk.triage.tasks.attach_report'")
    return [{"report": _json(a)["args"][0], "workers": _json(w) or [], "status": s} for a, w, s in rows]


def triage_state(live: Live) -> dict[str, Any]:
    """Every report, its clue, index rows and triaged events; the clues' counts; the tasks."""
    reports = dict(live.query("SELECT id, clue_id FROM intake_report"))
    index = Counter(r for (r,) in live.query("SELECT report_id FROM triage_reportindex WHERE report_id IS NOT NULL"))
    events = Counter(int(s) for (s,) in live.query(
        "SELECT subject_id FROM ledger_event WHERE verb = 'report.triaged' AND subject_type = 'report'"))
    counts = live.query("SELECT c.id, c.report_count, (SELECT count(*) FROM intake_report r WHERE r.clue_id = c.id) "
                        "FROM clues_clue c")
    tasks = attach_tasks(live)
    return {
        "reports": len(reports),
        "waiting": sorted(pk for pk, clue in reports.items() if clue is None),
        "index_missing": sorted(pk for pk, clue in reports.items() if clue is not None and index[pk] == 0),
        "index_twice": sorted(pk for pk, n in index.items() if n > 1),
        "index_without_report": sorted(set(index) - set(reports)),
        "events_missing": sorted(pk for pk, clue in reports.items() if clue is not None and events[pk] == 0),
        "events_twice": sorted(pk for pk, n in events.items() if n > 1),
        "events_while_waiting": sorted(pk for pk, clue in reports.items() if clue is None and events[pk]),
        "count_off": [(c, n, real) for c, n, real in counts if n != real],
        "clues": len(counts),
        "tasks": dict(Counter(t["status"] for t in tasks)),
        "reports_without_task": sorted(set(reports) - {t["report"] for t in tasks}),
    }


def drained(state: dict[str, Any]) -> bool:
    return not state["waiting"] and set(state["tasks"]) <= {"SUCCESSFUL"}


def assert_triaged_exactly_once(state: dict[str, Any]) -> None:
    assert state["reports"] > 0 and state["waiting"] == [], state
    for key in ("index_missing", "index_twice", "index_without_report", "events_missing", "events_twice",
                "events_while_waiting", "count_off", "reports_without_task"):
        assert state[key] == [], (key, state)
    assert set(state["tasks"]) == {"SUCCESSFUL"}, state["tasks"]


def verify_ledger(live: Live) -> None:
    done = live.cli("ledger", "verify")
    assert done.returncode == 0, done.stdout + done.stderr


def test_kill9_of_a_worker_inside_attach_report_under_load(live: Live) -> None:
    keys = [f"tkill-{i:05d}" for i in range(N_KILL)]
    step = N_KILL // (len(KILLS) + 1)
    workers = Workers(live, hold={f"[{keys[step * (n + 1) - 1]}]": where for n, where in enumerate(KILLS)})
    workers.start()
    workers.start()
    tally = Tally()
    threads = load(live.port, live.token, keys, tally, clients=3, seconds=240 if FULL else 120)
    kills: list[dict[str, Any]] = []
    try:
        for n in range(len(KILLS)):
            assert wait_for(lambda n=n: len(workers.inside()) > n, 150, step=0.05), \
                (tally.errors, workers.log_tail())
            victim, (report_id, where) = next((pid, held) for pid, held in workers.inside().items()
                                              if pid not in {k["pid"] for k in kills})
            procs = [p for p in workers.alive() if p.pid == victim]
            assert procs, f"pid {victim} held report {report_id} but is not one of the drill's live workers"
            proc = procs[0]
            running = [t for t in attach_tasks(live) if t["report"] == report_id and t["status"] == "RUNNING"]
            os.kill(victim, signal.SIGKILL)
            proc.wait(10)
            # inside: the dead worker's transaction is gone (the report waits, no index row, no event);
            # committed: its triage stays, and its task is still taken for running
            clue = live.query("SELECT clue_id FROM intake_report WHERE id = ?", (report_id,))[0][0]
            rows = live.query("SELECT count(*) FROM triage_reportindex WHERE report_id = ?", (report_id,))[0][0]
            events = live.query("SELECT count(*) FROM ledger_event WHERE verb = 'report.triaged' "
                                "AND subject_id = ?", (str(report_id),))[0][0]
            kills.append({"pid": victim, "report": report_id, "where": where, "clue_after_kill": clue,
                          "index_after_kill": rows,
                          "events_after_kill": events, "task_was_running_there": bool(running) and any(
                              f":{victim}:" in (t["workers"] or [""])[-1] for t in running)})
            time.sleep(STALE + 1)  # its heartbeat is stale by now
            workers.start(jobs=True)  # a fresh worker, running requeue_stalled as well
        for t in threads:
            t.join(300)
        assert not tally.errors, tally.errors
        assert not tally.gave_up, tally.gave_up
        assert wait_for(lambda: drained(triage_state(live)), 150 if not FULL else 300, step=0.5), \
            (triage_state(live), workers.log_tail())
    finally:
        workers.stop()
    state = triage_state(live)
    found = check_acked_are_stored_once(live, "tkill", tally)
    tasks = {t["report"]: t for t in attach_tasks(live)}
    print("kill -9 inside attach_report:", json.dumps({"kills": kills, "state": {
        k: v for k, v in state.items() if not isinstance(v, list) or v}, "reports": found}))
    assert found["acked"] == N_KILL and found["lost"] == [] and found["twice"] == []
    assert found["unacked_but_stored"] == [] and found["codes_not_found"] == []
    assert len(kills) == len(KILLS)
    assert sorted(k["where"] for k in kills) == sorted(KILLS)
    for kill in kills:
        assert kill["task_was_running_there"], kill
        if kill["where"] == "inside":
            assert (kill["clue_after_kill"], kill["index_after_kill"], kill["events_after_kill"]) == (None, 0, 0), kill
        else:
            assert kill["clue_after_kill"] is not None and (kill["index_after_kill"], kill["events_after_kill"]) == (
                1, 1), kill
        assert len(tasks[kill["report"]]["workers"]) >= 2, ("the killed task was not run again", tasks[kill["report"]])
    assert_triaged_exactly_once(state)
    assert state["reports"] == N_KILL
    verify_ledger(live)


class Steady:
    """Clients submitting new reports until stopped — API calls (retried with the same
    Idempotency-Key until acknowledged) and public form posts (the form's nonce is its key), both
    answered 201 with the tracking code — counting every answer by phase ("before", "outage",
    "after") and channel."""

    def __init__(self, live: Live, prefix: str) -> None:
        self.live, self.prefix = live, prefix
        self.phase = "before"
        self.answers: Counter[tuple[str, str, int]] = Counter()
        self.acked: dict[str, str] = {}  # mark -> phase it was acknowledged in
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.n = 0
        self.threads: list[threading.Thread] = []

    def _next(self, kind: str) -> str:
        with self.lock:
            self.n += 1
            return f"{self.prefix}{kind}-{self.n:05d}"

    def _answer(self, mark: str, status: int, acked: bool) -> None:
        with self.lock:
            self.answers[(self.phase, "form" if "form-" in mark else "api", status)] += 1
            if acked:
                self.acked[mark] = self.phase

    def _until_acked(self, mark: str, send: Any) -> None:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                status = send()
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
                continue
            self._answer(mark, status, status == 201)
            if status == 201:
                return
            if status in (502, 503, 504):
                time.sleep(0.5)
                continue
            with self.lock:
                self.errors.append(f"{mark}: {status}")
            return
        with self.lock:
            self.errors.append(f"{mark}: no answer in time")

    def _api_client(self) -> None:
        while not self.stopping.is_set():
            mark = self._next("api")
            payload = body_for(mark)
            self._until_acked(mark, lambda: api(self.live.port, "/api/v1/reports", payload, self.live.token,
                                                mark)[0])
            time.sleep(0.1)

    def _form_client(self) -> None:
        while not self.stopping.is_set():
            mark = self._next("form")
            nonce = os.urandom(12).hex()
            self._until_acked(mark, lambda: form_post(self.live.port, body_for(mark)["text"], nonce))
            time.sleep(0.1)

    def start(self, api_clients: int = 2, form_clients: int = 1) -> Steady:
        self.threads = [threading.Thread(target=self._api_client, daemon=True) for _ in range(api_clients)]
        self.threads += [threading.Thread(target=self._form_client, daemon=True) for _ in range(form_clients)]
        for t in self.threads:
            t.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(150)

    def in_phase(self, phase: str) -> list[str]:
        with self.lock:
            return sorted(m for m, p in self.acked.items() if p == phase)


def form_post(port: int, text: str, nonce: str) -> int:
    """The public form as a browser sends it: GET for the CSRF cookie and token, then POST; 201
    only when the answer is the receipt page with a tracking code."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/report/", headers={"Accept-Language": "zh-Hans"})
        page = conn.getresponse()
        html = page.read().decode("utf-8", "replace")
        cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie") or "")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if page.status != 200 or not cookie or not token:
            return page.status if page.status != 200 else 599
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "text": text,
                                       "place_text": "湖南省长沙市浏阳市", "nonce": nonce})
        conn.request("POST", "/report/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie.group(1)}",
            "Referer": f"http://127.0.0.1:{port}/report/", "Accept-Language": "zh-Hans"})
        answer = conn.getresponse()
        receipt = answer.read().decode("utf-8", "replace")
        if answer.status == 201 and not re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt):
            return 598  # 201 without a code: not an acknowledgement
        return answer.status
    finally:
        conn.close()


def test_workers_stopped_under_load_reports_wait_then_the_backlog_drains(live: Live) -> None:
    workers = Workers(live)
    workers.start()
    workers.start(jobs=True)
    load_ = Steady(live, "tout").start()
    try:
        assert wait_for(workers.started, 120), workers.log_tail()
        # before: the workers keep up
        assert wait_for(lambda: len(load_.acked) >= 10 and triage_state(live)["clues"] > 0, 120), \
            (load_.errors, load_.answers, workers.log_tail())
        codes = workers.stop()  # the workers go away; intake does not
        assert codes == [0, 0], (codes, workers.log_tail())
        load_.phase = "outage"
        time.sleep(OUTAGE_SECONDS)
        outage = load_.in_phase("outage")
        ids = {m: pk for pk, m in _report_marks(live, "tout")}
        waiting_now = set(triage_state(live)["waiting"])
        assert outage and all(m in ids for m in outage), (len(outage), load_.errors)
        assert {ids[m] for m in outage} <= waiting_now, "a report accepted in the outage is on a clue already"
        tasks = attach_tasks(live)  # read after the reports: newer submissions only add tasks
        assert waiting_now <= {t["report"] for t in tasks if t["status"] == "READY"}  # each with its queued task
        assert not [t for t in tasks if t["status"] == "RUNNING"], "a task runs with every worker stopped"
        back = Workers(live)
        back.start(jobs=True)  # a worker comes back
        load_.phase = "after"
        try:
            assert wait_for(lambda: len(load_.in_phase("after")) >= 5, 120), (load_.errors, load_.answers)
        finally:
            load_.stop()
        try:
            assert wait_for(lambda: drained(triage_state(live)), 300 if FULL else 180, step=0.5), \
                (triage_state(live), back.log_tail())
        finally:
            assert back.stop() == [0], back.log_tail()
    finally:
        load_.stop()
        workers.stop()
    state = triage_state(live)
    stored = Counter(m for _pk, m in _report_marks(live, "tout"))
    answers = {f"{phase} {kind} {status}": n for (phase, kind, status), n in sorted(load_.answers.items())}
    print("workers stopped for", OUTAGE_SECONDS, "s:", json.dumps({
        "answers": answers, "accepted_in_outage": len(outage), "waiting_at_end_of_outage": len(waiting_now),
        "state": {k: v for k, v in state.items() if not isinstance(v, list) or v}}))
    assert not load_.errors, load_.errors
    assert load_.answers[("outage", "api", 201)] > 0 and load_.answers[("outage", "form", 201)] > 0, answers
    assert [k for k in load_.answers if k[2] != 201] == [], answers  # no 503 either: intake needs no worker
    # one acknowledgement per report (the snapshot above was taken while the outage went on)
    assert len(load_.in_phase("outage")) == load_.answers[("outage", "api", 201)] + load_.answers[
        ("outage", "form", 201)] >= len(outage)
    assert sorted(m for m, n in stored.items() if n > 1) == []  # none twice
    assert sorted(set(load_.acked) - set(stored)) == []  # none lost
    assert sorted(set(stored) - set(load_.acked)) == []
    assert_triaged_exactly_once(state)
    verify_ledger(live)


def _report_marks(live: Live, prefix: str) -> list[tuple[int, str]]:
    out = []
    for pk, text in report_texts(live):
        m = re.search(r"\[(" + re.escape(prefix) + r"(?:api|form)-\d+)\]", text)
        if m:
            out.append((pk, m.group(1)))
    return out

