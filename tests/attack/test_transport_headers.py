"""Issue 19, finding 13, through a real gunicorn: HSTS in secure mode, and no ``Server`` banner.

With ``CLUEDESK_SECURE=1`` the probe saw no Strict-Transport-Security (Django only sends it on
requests it knows came over https, and nothing told it that the proxy's X-Forwarded-Proto may be
believed), and every answer carried ``Server: gunicorn``. The server here is gunicorn as
``cluedesk serve`` runs it (same config module), on a data folder of its own.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
START_TIMEOUT = 180  # a hang guard for start-up (the warm-up imports the analysis), not a measurement


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.fixture(scope="module")
def secure_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    data = tmp_path_factory.mktemp("secure-serve")
    port = free_port()
    env = {**os.environ, "CLUEDESK_SECURE": "1", "CLUEDESK_DATA_DIR": str(data), "DATABASE_URL": "",
           "CLUEDESK_DEMO": "0", "DJANGO_SETTINGS_MODULE": "cluedesk.settings"}
    env.pop("PYTEST_VERSION", None)
    proc = subprocess.Popen(  # noqa: S603 - our own gunicorn, on 127.0.0.1
        [GUNICORN, "cluedesk.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--preload", "--config", "python:cluedesk.ops.gunicorn_conf", "--error-logfile", str(data / "error.log")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                request(port, "/api/openapi.json")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start: " + (data / "error.log").read_text()) from None
                time.sleep(0.5)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def test_no_server_banner(secure_server: int) -> None:
    for path in ("/api/openapi.json", "/no-such-page/", "/static/no-such-file.css"):
        response = request(secure_server, path, {"X-Forwarded-Proto": "https"})
        assert response.getheader("Server") is None, (path, response.getheaders())


def test_hsts_over_https_behind_the_proxy(secure_server: int) -> None:
    response = request(secure_server, "/api/openapi.json", {"X-Forwarded-Proto": "https"})
    assert response.status == 200
    hsts = response.getheader("Strict-Transport-Security") or ""
    assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 180 * 24 * 3600
    # over plain http a browser ignores the header anyway; Django sends it on https only (RFC 6797 §7.2)
    plain = request(secure_server, "/api/openapi.json")
    assert plain.getheader("Strict-Transport-Security") is None
