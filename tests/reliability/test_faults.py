"""Faults against the real server (`cluedesk serve`, gunicorn) on 127.0.0.1, bounded in count and time.

Short by default (CI, on the test run's database kind); CLUEDESK_RELIABILITY_FULL=1 runs more
reports, kills the whole server (master and workers) as well, and on PostgreSQL restarts the
database under load (needs pg_ctlcluster and the right to use it; skipped with the reason if not).
The restart hits every user of that cluster: on a shared machine point DATABASE_URL at a
cluster of your own, e.g. `pg_createcluster 15 reltest --port 5433 -- --auth=trust && pg_ctlcluster
15 reltest start`, then DATABASE_URL=postgres://postgres@127.0.0.1:5433/postgres.

What must hold every time: each report a client got a tracking code for is stored exactly once
(clients retry with the same Idempotency-Key until acknowledged), no report is stored twice, the
codes find their reports, the server comes back by itself, `cluedesk ledger verify` passes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .live import CHILD, FULL, Live, Tally, check_acked_are_stored_once, load, wait_for

N_KILL = 300 if FULL else 40


def _verify_ledger(live: Live) -> None:
    done = live.cli("ledger", "verify")
    assert done.returncode == 0, done.stdout + done.stderr


def test_kill9_of_app_workers_under_load_loses_and_doubles_nothing(live: Live) -> None:
    tally = Tally()
    keys = [f"kill-{i:05d}" for i in range(N_KILL)]
    threads = load(live.port, live.token, keys, tally, clients=6, seconds=240 if FULL else 90)
    killed = []
    for fraction in (0.25, 0.5, 0.75) if FULL else (0.3, 0.6):
        assert wait_for(lambda f=fraction: len(tally.acked) >= f * N_KILL, 120), tally
        victim = live.workers_pids()[0]
        live.kill9(victim)  # mid-request most of the time: 6 clients keep both workers busy
        killed.append(victim)
    if FULL:
        # the whole server at once, then a fresh start on the same port and data
        assert wait_for(lambda: len(tally.acked) >= 0.85 * N_KILL, 120)
        live.kill9_all()
        time.sleep(1)
        live.start()
    for t in threads:
        t.join(300)
    assert not tally.errors, tally.errors
    assert not tally.gave_up, tally.gave_up
    found = check_acked_are_stored_once(live, "kill", tally)
    print("kill -9 run:", json.dumps({**found, "killed": len(killed), "retries_after_broken": tally.broken,
                                      "replayed": tally.replayed, "unavailable_503": tally.unavailable}))
    assert found["acked"] == N_KILL
    assert found["lost"] == [] and found["twice"] == [] and found["codes_not_found"] == []
    assert found["unacked_but_stored"] == []
    assert set(live.workers_pids()).isdisjoint(killed) and len(live.workers_pids()) == 2  # respawned
    _verify_ledger(live)


def _child(live: Live, *args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, str(CHILD), *args], env=live.env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_kill9_of_a_worker_mid_task_the_tasks_resume(live: Live) -> None:
    """Queued tasks (the drill task: sleep, then mark once) under a small load of reports; the
    worker is killed with -9 while it holds a task; a second worker re-queues the dead worker's
    task once its heartbeat is stale and runs everything to the end."""
    n = 4
    _child(live, "enqueue", "drill", str(n), "10")
    env = {**live.env, "CLUEDESK_WORKER_STALE_SECONDS": "3"}
    argv = [live.env.get("CLUEDESK_BIN", str(Path(sys.executable).parent / "cluedesk")), "worker", "--interval", "1",
            "--poll", "0.2"]
    tally = Tally()
    threads = load(live.port, live.token, [f"wkill-{i:04d}" for i in range(20)], tally, clients=3, seconds=120)
    first = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        running = ("SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
                   "AND task_path LIKE '%sleep_then_mark'")
        assert wait_for(lambda: live.query(running)[0][0] >= 1, 90, step=0.1)
        first.kill()  # SIGKILL, mid-task: the task is RUNNING with no one to finish it
        first.wait(10)
        killed_state = _child(live, "tasks", "drill", str(n))
        second = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            assert wait_for(lambda: all(_child(live, "tasks", "drill", str(n))["done"]), 150, step=1), \
                _child(live, "tasks", "drill", str(n))
        finally:
            second.terminate()
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    final = _child(live, "tasks", "drill", str(n))
    for t in threads:
        t.join(150)
    found = check_acked_are_stored_once(live, "wkill", tally)
    print("worker kill -9:", json.dumps({"at_kill": killed_state, "final": final, "reports": found}))
    assert all(final["done"]) and "RUNNING" not in final["statuses"] and "FAILED" not in final["statuses"]
    assert max(final["runs"]) >= 2, "the killed task was not run again"  # type: ignore[type-var]
    assert found["lost"] == [] and found["twice"] == [] and not tally.errors
    _verify_ledger(live)


def _race(live: Live, verbs: list[str]) -> list[dict[str, object]]:
    setup = json.loads(subprocess.run([sys.executable, str(CHILD), "setup", str(len(verbs))], env=live.env,
                                      capture_output=True, text=True, check=True, timeout=120).stdout)
    procs = [subprocess.Popen([sys.executable, str(CHILD), "act", verb, str(setup["clue"]), str(user),
                               str(setup["version"])], env=live.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for verb, user in zip(verbs, setup["users"], strict=True)]
    for p in procs:  # every process set up and connected ...
        assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.stderr.read() if p.stderr else ""
    for p in procs:  # ... then released together
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    events = live.query("SELECT verb FROM ledger_event WHERE subject_type = 'clue' AND subject_id = ? "
                        "AND verb LIKE 'clue.screen%'", (str(setup["public_id"]),))
    state = live.query("SELECT state, version FROM clues_clue WHERE id = ?", (setup["clue"],))[0]
    return [*results, {"events": [e[0] for e in events], "state": state[0], "version": state[1],
                       "version_before": setup["version"]}]


def test_processes_acting_on_one_clue_at_once_exactly_one_wins(live: Live) -> None:
    """Four processes: two accept the clue as valid and two close it as invalid, released together."""
    *results, final = _race(live, ["screen_valid", "screen_invalid", "screen_valid", "screen_invalid"])
    print("clue race:", json.dumps(results, ensure_ascii=False), json.dumps(final))
    won = [r for r in results if r["result"] == "won"]
    assert len(won) == 1, results
    assert all(r["result"] in {"refused", "repeat"} for r in results if r is not won[0])
    assert len(final["events"]) == 1, final
    assert final["version"] == final["version_before"] + 1
    _verify_ledger(live)


def _pg_cluster(port: int) -> tuple[str, str] | None:
    """The local cluster (version, name) that listens on ``port``, from pg_lsclusters."""
    if not shutil.which("pg_lsclusters") or not shutil.which("pg_ctlcluster"):
        return None
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        cols = line.split()
        if len(cols) >= 3 and cols[2] == str(port):
            return cols[0], cols[1]
    return None


@pytest.mark.skipif(not FULL, reason="the PostgreSQL restart runs with CLUEDESK_RELIABILITY_FULL=1")
def test_postgresql_restarted_under_load_503_then_resumes(live: Live) -> None:
    if live.vendor != "postgresql":
        pytest.skip("the server under test runs on SQLite (set DATABASE_URL=postgres://… for this one)")
    import urllib.parse

    port = urllib.parse.urlsplit(live.env["DATABASE_URL"]).port or 5432
    if urllib.parse.urlsplit(live.env["DATABASE_URL"]).hostname not in {"127.0.0.1", "localhost", "::1"}:
        pytest.skip("the database is not on this machine")
    cluster = _pg_cluster(port)
    if cluster is None:
        pytest.skip(f"no local PostgreSQL cluster managed by pg_ctlcluster listens on port {port}")
    version, name = cluster
    probe = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "status"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"pg_ctlcluster is not permitted here: {probe.stderr.strip()[:200]}")
    tally = Tally()
    n = 300
    keys = [f"pgrestart-{i:05d}" for i in range(n)]
    threads = load(live.port, live.token, keys, tally, clients=6, seconds=240)
    assert wait_for(lambda: len(tally.acked) >= 0.3 * n, 120)
    # stop, hold the database away for a few seconds so that requests meet the gap, start again
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop", "-m", "fast"],
                   check=True, capture_output=True, timeout=120)
    acked_at_stop = len(tally.acked)
    time.sleep(4)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=True,
                   capture_output=True, timeout=120)
    for t in threads:
        t.join(300)
    assert not tally.errors, tally.errors
    assert not tally.gave_up, tally.gave_up
    found = check_acked_are_stored_once(live, "pgrestart", tally)
    print("postgres restart:", json.dumps({**found, "acked_before_stop": acked_at_stop,
                                           "unavailable_503": tally.unavailable,
                                           "broken_connections": tally.broken}))
    assert tally.unavailable > 0, "no request met the gap"
    assert tally.unavailable_without_retry_after == 0
    assert found["acked"] == n and found["lost"] == [] and found["twice"] == []
    _verify_ledger(live)
