"""The worker's heartbeat stops before the worker forgets it (ops.tasks.Heartbeat.stop)."""

from __future__ import annotations

import threading
import time

from cluedesk.ops import tasks


def test_stop_waits_for_a_beat_in_flight(monkeypatch) -> None:
    """A beat still being written when the worker stops must end before ``forget`` runs: written
    after it, the stopped worker would look alive until the key expires."""
    started, finished = threading.Event(), threading.Event()

    def slow_beat(worker_id: str) -> None:
        started.set()
        time.sleep(0.3)
        finished.set()

    monkeypatch.setattr(tasks, "beat", slow_beat)
    monkeypatch.setattr(tasks, "connection", type("NoConnection", (), {"close": staticmethod(lambda: None)}))
    heartbeat = tasks.Heartbeat("test-worker", interval=60)
    heartbeat.start()
    assert started.wait(5)
    heartbeat.stop()
    assert finished.is_set() and not heartbeat.is_alive()


def test_stopping_a_heartbeat_never_started_is_harmless() -> None:
    tasks.Heartbeat("test-worker", interval=60).stop()
