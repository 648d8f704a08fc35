"""Helpers for the scale-out tests: scratch deployments for subprocesses, and export snapshots."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLUEDESK = str(Path(sys.executable).parent / "cluedesk")
PG_URL = os.environ.get("DATABASE_URL", "") if os.environ.get("CLUEDESK_TEST_POSTGRES") else ""


def base_env(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "DATABASE_URL", "CLUEDESK_", "REDIS_URL", "PROMETHEUS"))}
    env.update({"CLUEDESK_DATA_DIR": str(data_dir), "CLUEDESK_DEMO": "0", "CLUEDESK_TRAIN_ON_START": "0",
                "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "cluedesk.settings"})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(PG_URL, autocommit=True)


@contextmanager
def scratch_database(data_dir: Path) -> Iterator[dict[str, str]]:
    """Environment for subprocesses on a database of their own: a SQLite file in ``data_dir``, or
    (PostgreSQL runs) a database created here and dropped afterwards."""
    if not PG_URL:
        yield base_env(data_dir)
        return
    from urllib.parse import urlparse, urlunparse

    name = f"scaleout_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parsed = urlparse(PG_URL)
    try:
        yield base_env(data_dir, urlunparse(parsed._replace(path=f"/{name}")))
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([CLUEDESK, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"cluedesk {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n"
                             f"{proc.stderr[-3000:]}")
    return proc


def snapshot(codes: list[str] | None = None) -> dict[str, Any]:
    """What a restore must reproduce: the clue CSV export, the supervision bulletin workbook's
    cells, each attachment's plaintext digest, the ledger, and what each tracking code finds."""
    from openpyxl import load_workbook

    from cluedesk.clues.models import Clue
    from cluedesk.clues.views import _export_rows, export_columns
    from cluedesk.intake import attachments, services
    from cluedesk.intake.models import Attachment
    from cluedesk.ledger.models import Event
    from cluedesk.ledger.services import verify
    from cluedesk.org.models import Division
    from cluedesk.supervision import bulletins
    from cluedesk.vault import sealing

    csv_rows = [export_columns(), *_export_rows(Clue.objects.order_by("pk"))]
    month = dt.date.today().replace(day=1)
    books = {}
    for division in Division.objects.filter(code__in=["000000", "430000"]).order_by("code"):
        data = dataclasses.replace(bulletins.build(division, month, month),
                                   generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        book = load_workbook(io.BytesIO(bulletins.xlsx(data)))
        books[division.code] = [[list(map(str, row)) for row in sheet.iter_rows(values_only=True)]
                                for sheet in book.worksheets]
    files = {}
    for att in Attachment.objects.order_by("public_id"):
        digest = hashlib.sha256()
        with attachments.path_for(att.public_id).open("rb") as fh:
            for chunk in sealing.decrypt_stream(fh):
                digest.update(chunk)
        files[att.public_id] = digest.hexdigest()
    found = {code: services.find_report(code).pk for code in (codes or [])}
    result = verify()
    return {"csv": csv_rows, "bulletins": books, "files": files, "found": found,
            "ledger": {"ok": result.ok, "checked": result.checked,
                       "last_hash": Event.objects.order_by("-pk").values_list("hash", flat=True).first()}}


if __name__ == "__main__":  # python -m tests.scaleout.helpers CODE... → the snapshot as JSON
    import django

    django.setup()
    print(json.dumps(snapshot(sys.argv[1:]), ensure_ascii=False, default=str))
