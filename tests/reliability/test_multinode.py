"""Two app instances and a worker on one PostgreSQL (and Redis when reachable), as the multi-node
layout in docs/operations.md (issue 23.7): an attachment sent through one instance is read through
the other; its tracking code answers on the other; both pass the start-up key check because they
share their keys folder and file store. Skipped, saying why, without PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from .live import CLUEDESK, Server, _admin, _with_db, api, postgres_url
from .test_unavailable import PNG


def _reachable_postgres() -> str:
    url = postgres_url()
    if not url or not os.environ.get("CLUEDESK_TEST_POSTGRES"):
        pytest.skip("multi-node test: needs PostgreSQL (DATABASE_URL=postgres://… CLUEDESK_TEST_POSTGRES=1)")
    try:
        _admin(url, "SELECT 1")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"multi-node test: PostgreSQL at {url} is unreachable ({type(exc).__name__})")
    return url


def _redis_url() -> str:
    try:
        import redis

        redis.Redis(socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - Redis is optional here: the cache then lives in the database
        return ""
    return "redis://127.0.0.1:6379/0"


def test_two_instances_share_files_keys_and_codes() -> None:
    admin = _reachable_postgres()
    root = Path(tempfile.mkdtemp(prefix="cluedesk-nodes-"))
    db = f"cluedesk_nodes_{os.getpid()}_{int(time.time())}"
    _admin(admin, f'CREATE DATABASE "{db}"')
    shared = {"DATABASE_URL": _with_db(admin, db), "CLUEDESK_DEMO": "0", "CLUEDESK_TRAIN_ON_START": "0",
              "CLUEDESK_TASK_WORKERS": "0", "CLUEDESK_FILES_DIR": str(root / "shared" / "files"),
              "CLUEDESK_KEYS_DIR": str(root / "shared" / "keys"), "CLUEDESK_REDIS_PREFIX": f"nodes{uuid.uuid4().hex[:6]}",
              "REDIS_URL": _redis_url(), "CLUEDESK_RATE_SUBMIT": "1000000", "CLUEDESK_RATE_LOOKUP": "1000000"}
    for name in ("node1", "node2"):
        (root / name).mkdir(parents=True)
    nodes = [Server(env=shared, workers=1, data_dir=str(root / name)) for name in ("node1", "node2")]
    worker = None
    try:
        nodes[0].run("serve", "--prepare-only", "--no-demo")  # the first start, alone (migrations)
        for node in nodes:
            node.start()
        worker = subprocess.Popen([CLUEDESK, "worker", "--poll", "0.2"], env=nodes[0].env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        token = nodes[0].run("channel-token", "create", "nodes").strip().splitlines()[-1].split()[-1]
        payload = {"text": "某村有人长期开设赌场，放高利贷并暴力催收。", "place": "湖南省长沙市浏阳市",
                   "attachments": [{"filename": "photo.png", "content_base64": base64.b64encode(PNG).decode()}]}
        status, _h, body = api(nodes[0].port, "/api/v1/reports", payload, token, str(uuid.uuid4()))
        assert status == 201, body[:500]

        code = json.loads(body)["tracking_code"]
        # the tracking code made by node 1 answers on node 2 (the same server secret)
        status, _h, body = api(nodes[1].port, "/api/v1/reports/status", {"tracking_code": code}, token)
        assert status == 200, body[:500]
        # the attachment node 1 stored opens on node 2 (the same file key and file store)
        read = ("import hashlib; from cluedesk.intake.models import Attachment; from cluedesk.intake import "
                "attachments; from cluedesk.vault import sealing; a = Attachment.objects.get(); "
                "f = attachments.path_for(a.public_id).open('rb'); "
                "print(hashlib.sha256(b''.join(sealing.decrypt_stream(f))).hexdigest())")
        out = subprocess.run([CLUEDESK, "shell", "-c", read], env=nodes[1].env, capture_output=True, text=True,
                             timeout=120)
        assert out.stdout.strip().splitlines()[-1] == hashlib.sha256(PNG).hexdigest(), out.stderr[-2000:]
        # the worker (node 1's environment) triages the report
        deadline = time.time() + 60
        while time.time() < deadline:
            rows = subprocess.run([CLUEDESK, "shell", "-c", "from cluedesk.intake.models import Report; "
                                   "print(Report.objects.filter(clue__isnull=False).count())"],
                                  env=nodes[1].env, capture_output=True, text=True, timeout=120).stdout.split()
            if rows and rows[-1] == "1":
                break
            time.sleep(1)
        else:
            pytest.fail("the worker did not triage the report within 60 s")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        for node in nodes:
            node.stop()
        for _ in range(10):
            try:
                _admin(admin, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                break
            except Exception:  # noqa: BLE001
                time.sleep(1)
        shutil.rmtree(root, ignore_errors=True)
