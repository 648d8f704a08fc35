"""Two app instances and a worker on one PostgreSQL (and Redis when reachable), as the multi-node
layout in docs/operations.md (issue 23.7), installed as a production install is:

* ``CLUEDESK_DEMO=0``, no demo data; the first administrator made with ``createadmin`` signs in with
  the one-time password and is sent to enrol an authenticator; ``demo-totp`` refuses;
* the four shared keys given as ``*_FILE`` variables, as the guide recommends: an attachment sent
  through one instance is read through the other, its tracking code answers on the other, and no
  instance made keys of its own (each reader honoured the ``_FILE`` variable);
* a backup with ``--keys-out``, restored into a fresh database and data folder: the tracking code
  still answers and the attachment still opens there.

Skipped, saying why, without PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
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


KEY_FILES = ("files.key", "content.keys", "index.key")
KEYS = {"CLUEDESK_SECRET_KEY": secrets.token_urlsafe(48), "CLUEDESK_FILE_KEY": secrets.token_hex(32),
        "CLUEDESK_CONTENT_KEYS": secrets.token_hex(32), "CLUEDESK_INDEX_KEY": secrets.token_hex(32)}


def test_two_instances_share_files_keys_and_codes() -> None:
    admin = _reachable_postgres()
    root = Path(tempfile.mkdtemp(prefix="cluedesk-nodes-"))
    db = f"cluedesk_nodes_{os.getpid()}_{int(time.time())}"
    _admin(admin, f'CREATE DATABASE "{db}"')
    shared = {"DATABASE_URL": _with_db(admin, db), "CLUEDESK_DEMO": "0", "CLUEDESK_TRAIN_ON_START": "0",
              "CLUEDESK_TASK_WORKERS": "0", "CLUEDESK_FILES_DIR": str(root / "shared" / "files"),
              "CLUEDESK_KEYS_DIR": str(root / "shared" / "keys"), "CLUEDESK_REDIS_PREFIX": f"nodes{uuid.uuid4().hex[:6]}",
              "REDIS_URL": _redis_url(), "CLUEDESK_RATE_SUBMIT": "1000000", "CLUEDESK_RATE_LOOKUP": "1000000"}
    # the keys every node shares, from a secrets store: files named by *_FILE variables
    held = root / "secrets"
    held.mkdir(parents=True)
    for name, value in KEYS.items():
        (held / name).write_text(value + "\n")
        shared[f"{name}_FILE"] = str(held / name)
    for name in ("node1", "node2"):
        (root / name).mkdir(parents=True)
    nodes = [Server(env=shared, workers=1, data_dir=str(root / name)) for name in ("node1", "node2")]
    for node in nodes:
        for name in KEYS:
            node.env.pop(name, None)  # only the _FILE form: both at once is refused
    restored_db = ""
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
        # every reader took the keys from the files: no node wrote keys of its own into the keys folder
        made = {p.name for p in (root / "shared" / "keys").iterdir()} & {"secret_key", *KEY_FILES}
        assert made == set(), made

        # the first administrator of a production install, and no demo anything
        nodes[0].run("createadmin", "first.admin", "--name", "王某", "--password-file", str(root / "admin.txt"))
        password = (root / "admin.txt").read_text().strip().rsplit(" ", 1)[1]
        signin = ("from django.test import Client; from django.contrib.auth import get_user_model; c = Client(); "
                  f"r = c.post('/staff/login/', {{'username': 'first.admin', 'password': {password!r}}}); "
                  "print(r.status_code, r.get('Location'), get_user_model().objects.count())")
        out = subprocess.run([CLUEDESK, "shell", "-c", signin], env=nodes[1].env, capture_output=True, text=True,
                             timeout=120)
        assert out.stdout.split()[-3:] == ["302", "/staff/login/enrol/", "1"], out.stderr[-2000:]
        demo = subprocess.run([CLUEDESK, "demo-totp", "first.admin"], env=nodes[1].env, capture_output=True,
                              text=True, timeout=120)
        assert demo.returncode != 0 and "demo" in demo.stderr.lower()

        # a backup, restored into a fresh database and data folder: the code and the file still answer
        nodes[0].run("backup", str(root / "backup.tar"), "--keys-out", str(root / "keys.tar"))
        restored_db = db + "_restored"
        _admin(admin, f'CREATE DATABASE "{restored_db}"')
        fresh = {**nodes[0].env, "DATABASE_URL": _with_db(admin, restored_db),
                 "CLUEDESK_DATA_DIR": str(root / "restored"), "CLUEDESK_FILES_DIR": str(root / "restored" / "files"),
                 "CLUEDESK_KEYS_DIR": str(root / "restored" / "keys"),
                 "CLUEDESK_REDIS_PREFIX": f"restored{uuid.uuid4().hex[:6]}"}
        done = subprocess.run([CLUEDESK, "restore", str(root / "backup.tar"), "--keys", str(root / "keys.tar")],
                              env=fresh, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        check = (f"from cluedesk.intake import services; r = services.find_report({code!r}); print(r.pk); " + read)
        out = subprocess.run([CLUEDESK, "shell", "-c", check], env=fresh, capture_output=True, text=True, timeout=120)
        assert out.stdout.strip().splitlines()[-1] == hashlib.sha256(PNG).hexdigest(), out.stderr[-2000:]
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        for node in nodes:
            node.stop()
        for name in filter(None, (db, restored_db)):
            for _ in range(10):
                try:
                    _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    break
                except Exception:  # noqa: BLE001
                    time.sleep(1)
        shutil.rmtree(root, ignore_errors=True)
