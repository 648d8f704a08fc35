"""Statistics pages read from the replica named by DATABASE_REPLICA_URL; nothing else does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from cluedesk.platform.replica import ReplicaRouter, replica_reads


def test_the_router_reads_from_the_replica_only_inside_the_block_and_never_writes_there(settings):
    router = ReplicaRouter()
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    assert router.db_for_read(None) is None
    with replica_reads():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) is None
    assert router.allow_migrate("replica", "intake") is False and router.allow_migrate("default", "intake")


def test_without_a_replica_configured_the_block_changes_nothing(settings):
    settings.DATABASES = {"default": settings.DATABASES["default"]}
    with replica_reads():
        assert ReplicaRouter().db_for_read(None) is None


SCRIPT = textwrap.dedent("""
    import django, json, os
    django.setup()
    from django.db import connections
    from cluedesk.ledger.models import Event
    from cluedesk.platform.replica import replica_reads
    from cluedesk.ledger.services import Actor, record
    from django.db import transaction
    with transaction.atomic():
        record("test.primary_only", actor=Actor.system("test"), subject_type="test", subject_id="1")
    outside = Event.objects.filter(verb="test.primary_only").count()
    with replica_reads():
        inside = Event.objects.filter(verb="test.primary_only").count()
    print(json.dumps({"outside": outside, "inside": inside, "aliases": sorted(connections.settings)}))
""")


def test_a_page_block_reads_the_replica_file_while_writes_go_to_the_primary(tmp_path: Path):
    """Two SQLite files stand in for primary and replica: a row written after the copy is seen
    outside the block (primary) and not inside it (replica)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_VERSION"}}
    env.update(CLUEDESK_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="cluedesk.settings",
               DATABASE_URL=f"sqlite:///{tmp_path / 'primary.sqlite3'}")
    subprocess.run([sys.executable, "-m", "cluedesk", "migrate", "-v", "0"], env=env, check=True, timeout=300)
    shutil.copy(tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3")
    env["DATABASE_REPLICA_URL"] = f"sqlite:///{tmp_path / 'replica.sqlite3'}"
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=True, timeout=120, capture_output=True, text=True)
    import json

    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"outside": 1, "inside": 0, "aliases": ["default", "replica"]}
