"""Logs (issue 23.6): gunicorn's own lines and the worker's summaries are JSON lines on stderr, each
with a timestamp; gunicorn's control socket is the instance's own, in its data folder."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scaleout.helpers import CLUEDESK, ROOT, run, scratch_database

GUNICORN = str(Path(CLUEDESK).parent / "gunicorn")
GUNICORNC = str(Path(CLUEDESK).parent / "gunicornc")


def _json_lines(text: str) -> list[dict[str, object]]:
    """Every non-empty line parsed as a JSON object with a timestamp (fails on any other line)."""
    lines = [line for line in text.splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
        assert isinstance(obj, dict) and obj.get("ts") and obj.get("level") and "msg" in obj, line
        parsed.append(obj)
    return parsed


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data = tmp_path_factory.mktemp("logs") / "data"
    with scratch_database(data) as env:
        run(env, "serve", "--prepare-only", "--no-demo")
        yield env


def test_worker_summaries_are_json_lines_on_stderr(instance: dict[str, str]) -> None:
    code = "from cluedesk.ops import tasks\nprint(tasks.sleep_then_mark.enqueue('logged', 0).id)"
    run(instance, "shell", "-c", code)
    done = run(instance, "worker", "--once", "--force")
    assert done.stdout.strip() == ""  # nothing on stdout: no dict reprs
    events = _json_lines(done.stderr)
    kinds = [e.get("event") for e in events if e.get("event") != "system_check"]  # a check's warning, as JSON too
    assert kinds[0] == "worker_start" and kinds[-1] == "worker_stop" and "task" in kinds
    jobs = [e for e in events if e.get("event") == "job"]
    assert jobs and all(isinstance(e["result"], dict) and e["logger"] == "cluedesk.worker" for e in jobs)
    assert any(e.get("event") == "task" and e.get("status") == "SUCCESSFUL" for e in events)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_lines_are_json_and_its_control_socket_is_in_the_data_folder(instance: dict[str, str]) -> None:
    ctl = Path(instance["CLUEDESK_DATA_DIR"]) / "gunicorn.ctl"
    argv = [GUNICORN, "cluedesk.wsgi:application", "--bind", f"127.0.0.1:{_free_port()}", "--workers", "1",
            "--preload", "--config", "python:cluedesk.ops.gunicorn_conf", "--error-logfile", "-"]
    proc = subprocess.Popen(argv, env=instance, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ctl.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ctl.exists(), proc.stderr.read() if proc.poll() is not None else "no control socket"
        shown = subprocess.run([GUNICORNC, "-s", str(ctl), "-c", "show workers", "-j"], capture_output=True,
                               text=True, timeout=30)
        assert shown.returncode == 0, shown.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    events = _json_lines(err)
    assert any(e["logger"] == "gunicorn.error" and "Starting gunicorn" in str(e["msg"]) for e in events), err
    assert any("Booting worker" in str(e["msg"]) for e in events)
    assert out.strip() == ""


def test_the_plain_format_keeps_gunicorns_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.config import Config

    from cluedesk.ops import gunicorn_conf

    monkeypatch.setenv("CLUEDESK_LOG_FORMAT", "plain")
    logger = gunicorn_conf.JsonLogger(Config())
    assert not any(type(h.formatter).__name__ == "_JsonLines" for h in logger.error_log.handlers)
    monkeypatch.delenv("CLUEDESK_LOG_FORMAT")
    logger = gunicorn_conf.JsonLogger(Config())
    assert all(type(h.formatter).__name__ == "_JsonLines" for h in logger.error_log.handlers)
