"""The supervisor `cluedesk serve` runs (cluedesk/ops/supervisor.py), with stand-in children.

It runs here as `cluedesk serve` runs it — ``python -m cluedesk.ops.supervisor SPEC`` in a process
of its own — so real signals reach it. The children are small Python processes named by a last
argument ("web", "tasks", "jobs"); the stand-in for gunicorn starts a child of its own, like
gunicorn's web processes, to show that nothing is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .procs import alive, children, cmdline, tree, wait_for

SLEEP = "import time; time.sleep(600)"
# the gunicorn stand-in: a child of its own, then sleep
WEB = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', 'web-child']); time.sleep(600)"
# ignores SIGTERM, and says so in a file once it does
DEAF = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); open({!r}, 'w').close(); time.sleep(600)"


def program(name: str, code: str, count: int = 1, essential: bool = False, **extra: object) -> dict[str, object]:
    return {"name": name, "argv": [sys.executable, "-c", code, name], "count": count, "essential": essential,
            "title": name, **extra}


class Supervised:
    def __init__(self, tmp: Path, programs: list[dict[str, object]], stop_timeout: float = 10.0) -> None:
        spec = {"programs": programs, "stop_timeout": stop_timeout, "backoff": 0.2, "max_backoff": 1.0}
        self.out, self.err = tmp / "out.log", tmp / "err.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "cluedesk.ops.supervisor", json.dumps(spec)],
                                     stdout=self.out.open("wb"), stderr=self.err.open("wb"),
                                     start_new_session=True)
        self.expected = sum(int(p["count"]) for p in programs)  # type: ignore[call-overload]
        self.names = {str(p["name"]) for p in programs}
        self.seen: dict[int, list[str]] = {}  # every descendant seen: killed at the end if still there

    def tree(self) -> list[int]:
        found = tree(self.proc.pid)
        self.seen.update({pid: cmdline(pid) for pid in found if pid not in self.seen})
        return found

    def kinds(self) -> dict[str, list[int]]:
        """Children by the name they were started with (only complete once all are up).

        A child just forked still carries the supervisor's own command line until it runs its
        program: it is not counted until its name shows."""
        out: dict[str, list[int]] = {}
        self.tree()
        for pid in children(self.proc.pid):
            argv = cmdline(pid)
            if argv and argv[-1] in self.names:
                out.setdefault(argv[-1], []).append(pid)
        return out

    def ready(self) -> dict[str, list[int]]:
        kinds = wait_for(lambda: (k := self.kinds()) and sum(map(len, k.values())) == self.expected and k, 30)
        assert kinds, f"children: {self.kinds()}\n{self.logs()}"
        return kinds

    def logs(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def wait(self, seconds: float = 30) -> int:
        return self.proc.wait(seconds)

    def kill(self) -> None:
        """Stop the supervisor, then SIGKILL whatever it started that is still there (the same pid
        running the same command: never a process that took a dead one's pid)."""
        self.tree()
        if self.proc.poll() is None:  # the supervisor's own stop first: it empties each child's group
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for pid, argv in self.seen.items():
            if argv and cmdline(pid) == argv:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture
def supervise(tmp_path: Path) -> Iterator[object]:
    started: list[Supervised] = []

    def start(programs: list[dict[str, object]], **kw: float) -> Supervised:
        s = Supervised(tmp_path, programs, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.kill()


def all_gone(pids: list[int]) -> bool:
    return not any(alive(p) for p in pids)


def standard() -> list[dict[str, object]]:
    return [program("web", WEB, essential=True), program("tasks", SLEEP, count=2), program("jobs", SLEEP)]


def test_it_starts_the_web_server_and_the_workers_and_says_so(supervise) -> None:
    s = supervise(standard())
    kinds = s.ready()
    assert len(kinds["web"]) == 1 and len(kinds["tasks"]) == 2 and len(kinds["jobs"]) == 1
    assert wait_for(lambda: len(children(kinds["web"][0])) == 1, 10)  # the stand-in's own child
    out = wait_for(lambda: (text := s.out.read_text()).count("Started") == 3 and text, 10)
    assert f"Started web: pid {kinds['web'][0]}" in out
    assert "Started 2 × tasks: pids " in out and all(str(p) in out for p in kinds["tasks"])
    assert f"Started jobs: pid {kinds['jobs'][0]}" in out
    # each child in a process group of its own: a Ctrl-C in the terminal reaches the supervisor only
    assert {os.getpgid(p) for p in children(s.proc.pid)} == set(children(s.proc.pid))


def test_a_killed_worker_is_started_again(supervise) -> None:
    s = supervise(standard())
    kinds = s.ready()
    victim = kinds["tasks"][0]
    os.kill(victim, signal.SIGKILL)
    again = wait_for(lambda: (t := s.kinds().get("tasks", [])) and len(t) == 2 and victim not in t and t, 30)
    assert again, f"no new task worker: {s.kinds()}\n{s.logs()}"
    assert kinds["tasks"][1] in again  # the other one untouched
    assert s.kinds()["web"] == kinds["web"] and s.kinds()["jobs"] == kinds["jobs"]
    assert s.proc.poll() is None
    events = [json.loads(line) for line in s.err.read_text().splitlines() if line.startswith("{")]
    assert any(e.get("event") == "worker_exited" and e.get("pid") == victim and e.get("code") == 137 for e in events)
    assert any(e.get("event") == "worker_restarted" and e.get("pid") in again for e in events)


def test_a_worker_that_keeps_dying_is_restarted_with_a_growing_delay(supervise) -> None:
    s = supervise([program("web", SLEEP, essential=True), program("tasks", "raise SystemExit(3)")])
    exits = wait_for(lambda: (n := s.err.read_text().count('"worker_exited"')) >= 4 and n, 30)
    assert exits, s.logs()
    delays = [json.loads(line)["restart_in"] for line in s.err.read_text().splitlines()
              if '"worker_exited"' in line]
    assert delays[:4] == [0.4, 0.8, 1.0, 1.0]  # backoff 0.2 doubled per quick death, capped at 1.0
    assert s.proc.poll() is None  # a failing worker does not stop the server


def test_sigterm_stops_every_process_and_exits_0(supervise) -> None:
    s = supervise(standard())
    s.ready()
    assert wait_for(lambda: len(s.tree()) == 5, 10)  # 4 children and the web stand-in's child
    everyone = s.tree()
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait() == 0, s.logs()
    assert wait_for(lambda: all_gone(everyone), 10), [p for p in everyone if alive(p)]


def test_sigint_does_the_same(supervise) -> None:
    s = supervise(standard())
    s.ready()
    everyone = wait_for(lambda: len(t := s.tree()) == 5 and t, 10)
    s.proc.send_signal(signal.SIGINT)
    assert s.wait() == 0, s.logs()
    assert wait_for(lambda: all_gone(everyone), 10)


def test_a_child_that_ignores_sigterm_is_killed_after_the_stop_timeout(supervise, tmp_path: Path) -> None:
    deaf = tmp_path / "deaf"
    s = supervise([program("web", SLEEP, essential=True), program("tasks", DEAF.format(str(deaf)))], stop_timeout=1.0)
    kinds = s.ready()
    assert wait_for(deaf.exists, 30)
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait() == 0
    assert not alive(kinds["tasks"][0])
    assert '"event":"killed"' in s.err.read_text()


def test_when_the_web_server_dies_everything_stops_and_the_exit_is_not_0(supervise) -> None:
    s = supervise(standard())
    kinds = s.ready()
    everyone = wait_for(lambda: len(t := s.tree()) == 5 and t, 10)
    os.kill(kinds["web"][0], signal.SIGKILL)
    assert s.wait() != 0, s.logs()
    # its own child (gunicorn's web processes) included
    assert wait_for(lambda: all_gone(everyone), 10), [(p, cmdline(p)) for p in everyone if alive(p)]
    assert '"event":"essential_exited"' in s.err.read_text()


def test_killing_the_supervisor_itself_leaves_no_children_behind(supervise) -> None:
    s = supervise(standard())
    kinds = s.ready()
    direct = [p for pids in kinds.values() for p in pids]
    wait_for(lambda: len(s.tree()) == 5, 10)
    s.proc.send_signal(signal.SIGKILL)
    s.wait()
    # the kernel sends each child SIGTERM when the supervisor dies (PR_SET_PDEATHSIG); the
    # stand-in's own child stays (gunicorn's web processes see their master gone and exit)
    assert wait_for(lambda: all_gone(direct), 10), [p for p in direct if alive(p)]


def test_a_program_s_environment_can_drop_a_variable(supervise, tmp_path: Path) -> None:
    seen = tmp_path / "env.json"
    dump = f"import json, os, time; open({str(seen)!r}, 'w').write(json.dumps(dict(os.environ))); time.sleep(600)"
    os.environ["CLUEDESK_SUPERVISOR_TEST"] = "1"
    try:
        s = supervise([program("web", SLEEP, essential=True),
                       program("tasks", dump, env={"CLUEDESK_SUPERVISOR_TEST": None, "EXTRA": "x"})])
    finally:
        del os.environ["CLUEDESK_SUPERVISOR_TEST"]
    s.ready()
    env = wait_for(lambda: seen.exists() and seen.read_text() and json.loads(seen.read_text()), 10)
    assert "CLUEDESK_SUPERVISOR_TEST" not in env and env["EXTRA"] == "x"
