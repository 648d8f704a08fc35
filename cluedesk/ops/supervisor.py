"""A small process supervisor: what `cluedesk serve` runs after its preparation step.

It starts each program's processes, restarts a worker that dies and stops everything on SIGTERM,
SIGINT (Ctrl-C) or SIGHUP. Plain ``subprocess`` and ``signal``, no Django: `cluedesk serve`
replaces itself with ``python -m cluedesk.ops.supervisor SPEC`` (SPEC: the programs as JSON), so
the supervising process holds none of the preparation step's memory (about 12 MB).

* Each child runs in a process group of its own, so a Ctrl-C in the terminal reaches the
  supervisor only, which then sends each child one SIGTERM (a `cluedesk worker` finishes the task
  in hand; gunicorn stops its web processes gracefully), waits up to ``stop_timeout`` seconds and
  SIGKILLs the process group of any child still there. A second signal kills at once.
* A child of an *essential* program (gunicorn) that exits makes the supervisor stop everything and
  exit non-zero, so that systemd (``Restart=always``) or the operator notices.
* A child of any other program (the workers) that exits is started again after a backoff: 1 s
  after a run of at least ``stable_after`` seconds, then 2, 4, 8 … up to ``max_backoff`` seconds
  while it keeps dying young. Each exit is logged (a warning, or info for exit code 0: a worker
  that ``--max-memory`` recycled).
* No orphans: after a child exits, whatever is left of its process group is SIGKILLed (gunicorn's
  web processes when its master dies); and each child asks the kernel for SIGTERM when the
  supervisor dies (``PR_SET_PDEATHSIG``), so even ``kill -9`` of the supervisor stops them.

Log lines (restarts, exits, stop) go to stderr as JSON, like every cluedesk process
(``CLUEDESK_LOG_FORMAT=plain`` for plain lines); the "started" lines go to stdout.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TextIO

log = logging.getLogger("cluedesk.supervisor")

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@dataclass
class Program:
    """``count`` processes running ``argv``."""

    name: str  # a short name for the logs: "web", "tasks", "jobs"
    argv: list[str]
    count: int = 1
    essential: bool = False  # its exit stops everything (gunicorn); otherwise it is restarted
    title: str = ""  # what the "started" line calls it
    env: dict[str, str | None] = field(default_factory=dict)  # None: remove the variable
    nice: int = 0  # added to the child's niceness

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "argv": self.argv, "count": self.count, "essential": self.essential,
                "title": self.title, "env": self.env, "nice": self.nice}


@dataclass
class Slot:
    """One of a program's processes, across its restarts."""

    program: Program
    index: int
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    fails: int = 0  # exits in a row of a process that ran less than ``stable_after``
    restart_at: float = 0.0

    @property
    def label(self) -> str:
        return self.program.name if self.program.count == 1 else f"{self.program.name}#{self.index}"


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    except OSError:
        return None


class Supervisor:
    def __init__(self, programs: list[Program], *, stop_timeout: float = 25.0, backoff: float = 1.0,
                 max_backoff: float = 30.0, stable_after: float = 60.0, out: TextIO | None = None) -> None:
        self.programs = [p for p in programs if p.count > 0]
        self.slots = [Slot(p, i + 1) for p in self.programs for i in range(p.count)]
        self.stop_timeout, self.backoff, self.max_backoff = stop_timeout, backoff, max_backoff
        self.stable_after = stable_after
        self.out = out or sys.stdout
        self.signals: list[str] = []
        self._libc = _libc()
        self._me = os.getpid()
        self._wake_r = self._wake_w = -1

    # ---- running ---------------------------------------------------------------------------

    def run(self) -> int:
        """Start everything, supervise until a stop signal (exit 0) or an essential exit (non-zero)."""
        previous = self._install_signals()
        code = 0
        try:
            try:
                for slot in self.slots:
                    self._spawn(slot)
            except OSError as exc:
                log.error("could not start %s: %s", slot.label, exc, extra={"event": "start_failed"})
                return 1
            self._say_started()
            code = self._supervise()
        finally:
            self._stop_all()
            self._restore_signals(previous)
        return code

    def _supervise(self) -> int:
        while not self.signals:
            now = time.monotonic()
            for slot in self.slots:
                if slot.proc is not None and slot.proc.poll() is not None:
                    code = self._reaped(slot)
                    if slot.program.essential:
                        log.error("%s (pid %s) exited with %s: stopping everything", slot.label,
                                  slot.proc.pid, code, extra={"event": "essential_exited", "program": slot.label,
                                                              "pid": slot.proc.pid, "code": code})
                        return code if code > 0 else 1
                    lived = now - slot.started
                    slot.fails = 0 if lived >= self.stable_after else slot.fails + 1
                    delay = min(self.max_backoff, self.backoff * (2 ** slot.fails))
                    slot.restart_at = now + delay
                    log.log(logging.INFO if code == 0 else logging.WARNING,
                            "%s (pid %s) exited with %s after %.0f s; starting it again in %.1f s",
                            slot.label, slot.proc.pid, code, lived, delay,
                            extra={"event": "worker_exited", "program": slot.label, "pid": slot.proc.pid,
                                   "code": code, "restart_in": delay})
                    slot.proc = None
                if slot.proc is None and now >= slot.restart_at:
                    try:
                        self._spawn(slot)
                    except OSError as exc:
                        slot.fails += 1
                        slot.restart_at = now + min(self.max_backoff, self.backoff * (2 ** slot.fails))
                        log.error("could not start %s again: %s", slot.label, exc, extra={"event": "start_failed"})
                        continue
                    assert slot.proc is not None
                    log.info("%s started again: pid %s", slot.label, slot.proc.pid,
                             extra={"event": "worker_restarted", "program": slot.label, "pid": slot.proc.pid})
            waits = [s.restart_at - time.monotonic() for s in self.slots if s.proc is None]
            self._sleep(min([1.0, *waits]))
        return 0

    def _spawn(self, slot: Slot) -> None:
        program = slot.program
        env = dict(os.environ)
        for key, value in program.env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        slot.proc = subprocess.Popen(program.argv, env=env, stdin=subprocess.DEVNULL, process_group=0,  # noqa: S603
                                     preexec_fn=self._in_child(program.nice))
        slot.started = time.monotonic()

    def _in_child(self, nice: int) -> Callable[[], None]:
        libc, parent = self._libc, self._me

        def prepare() -> None:  # runs in the child between fork and exec: no locks, no logging
            if libc is not None:
                libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            if os.getppid() != parent:  # the supervisor died before the line above
                os._exit(1)
            if nice:
                os.nice(nice)

        return prepare

    def _reaped(self, slot: Slot) -> int:
        """The exit code of a child that has exited (128 + signal when killed); its group is emptied."""
        assert slot.proc is not None
        rc = slot.proc.returncode
        _kill_group(slot.proc.pid, signal.SIGKILL)
        return 128 - rc if rc < 0 else rc

    def _say_started(self) -> None:
        for program in self.programs:
            pids = [str(s.proc.pid) for s in self.slots if s.program is program and s.proc is not None]
            title = program.title or program.name
            if program.count == 1:
                self.out.write(f"Started {title}: pid {pids[0]}\n")
            else:
                self.out.write(f"Started {program.count} × {title}: pids {', '.join(pids)}\n")
        self.out.flush()

    # ---- stopping --------------------------------------------------------------------------

    def _stop_all(self) -> None:
        running = [s for s in self.slots if s.proc is not None and s.proc.poll() is None]
        if running:
            log.info("stopping %d processes", len(running),
                     extra={"event": "supervisor_stopping", "signal": self.signals[0] if self.signals else ""})
        for slot in running:
            assert slot.proc is not None
            try:
                slot.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + self.stop_timeout
        seen = len(self.signals)
        while any(s.proc.poll() is None for s in running if s.proc is not None):
            if time.monotonic() >= deadline or len(self.signals) > max(seen, 1):
                break  # out of time, or a second signal: kill what is left
            self._sleep(0.2)
        for slot in self.slots:
            if slot.proc is None:
                continue
            if slot.proc.poll() is None:
                log.warning("%s (pid %s) still running: SIGKILL", slot.label, slot.proc.pid,
                            extra={"event": "killed", "program": slot.label, "pid": slot.proc.pid})
            _kill_group(slot.proc.pid, signal.SIGKILL)  # the child and anything left in its group
            slot.proc.wait()
            slot.proc = None

    # ---- signals ---------------------------------------------------------------------------

    def _install_signals(self) -> dict[int, Any]:
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        previous: dict[int, Any] = {signum: signal.getsignal(signum) for signum in (*STOP_SIGNALS, signal.SIGCHLD)}
        previous[-1] = signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_stop)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes the loop (wakeup fd)
        return previous

    def _restore_signals(self, previous: dict[int, Any]) -> None:
        signal.set_wakeup_fd(previous.pop(-1))
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self.signals.append(signal.Signals(signum).name)

    def _sleep(self, seconds: float) -> None:
        """Wait up to ``seconds``, less when a signal arrives (a child exits, a stop is asked)."""
        try:
            select.select([self._wake_r], [], [], max(0.0, seconds))
        except InterruptedError:
            pass
        try:
            while os.read(self._wake_r, 512):
                pass
        except BlockingIOError:
            pass


def _kill_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except OSError as exc:  # ESRCH: nothing left in the group
        if exc.errno not in (errno.ESRCH, errno.EPERM):
            raise


class _JsonLines(logging.Formatter):
    """The shape of cluedesk's JSON log lines (cluedesk/ops/logging.py), without importing Django."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        out.update({k: v for k, v in vars(record).items() if k not in self._standard and not k.startswith("_")})
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"), default=str)


def main(argv: list[str] | None = None) -> int:
    """``python -m cluedesk.ops.supervisor SPEC``: SPEC is JSON ``{"programs": [...], "stop_timeout": 25}``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m cluedesk.ops.supervisor SPEC_JSON\n")
        return 2
    spec = json.loads(args[0])
    handler = logging.StreamHandler(sys.stderr)
    plain = os.environ.get("CLUEDESK_LOG_FORMAT") == "plain"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s") if plain
                         else _JsonLines())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    programs = [Program(**p) for p in spec["programs"]]
    return Supervisor(programs, stop_timeout=float(spec.get("stop_timeout", 25.0)),
                      backoff=float(spec.get("backoff", 1.0)), max_backoff=float(spec.get("max_backoff", 30.0)),
                      stable_after=float(spec.get("stable_after", 60.0))).run()


if __name__ == "__main__":
    sys.exit(main())
