"""Settings for the fault drills' task workers: cluedesk's own, plus a pause inside triage.

The drills (test_triage_faults.py) start `cluedesk worker` with
``DJANGO_SETTINGS_MODULE=tests.reliability.drill_settings`` (and the checkout on PYTHONPATH). With
``CLUEDESK_DRILL_DIR`` a folder and ``CLUEDESK_DRILL_HOLD`` naming marks ("[tkill-00012]",
comma-separated), the first run of a marked report's triage stops inside ``attach_report``'s
transaction — its index rows, the clue and ``Report.clue`` written, the ledger event and COMMIT
not yet —, writes ``<dir>/inside-<pid>`` ("<report id> inside") and waits there, so the drill can
kill the worker in the middle. Marks in ``CLUEDESK_DRILL_HOLD_COMMITTED`` stop it just after the
COMMIT instead, still inside ``attach_report`` (its task not yet marked done): "<report id>
committed". A later run of the same report (the re-queued task) goes straight through. Without
those variables these are cluedesk's settings unchanged; nothing of this is in the production
code path (a ``report_triaged`` receiver, connected here).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.db import transaction

from cluedesk.settings import *  # noqa: F403
from cluedesk.triage.signals import report_triaged

HOLD_SECONDS = 120.0  # the drill kills the worker long before


def _marks(name: str) -> list[str]:
    return [m for m in os.environ.get(name, "").split(",") if m]


def _hold(folder: str, report_id: int, where: str) -> None:
    inside = Path(folder) / f"inside-{os.getpid()}"
    inside.with_suffix(".tmp").write_text(f"{report_id} {where}")
    inside.with_suffix(".tmp").rename(inside)
    time.sleep(HOLD_SECONDS)


def hold_inside_triage(sender: Any, report: Any, **kwargs: Any) -> None:
    folder, text = os.environ.get("CLUEDESK_DRILL_DIR", ""), report.text or ""
    inside = any(m in text for m in _marks("CLUEDESK_DRILL_HOLD"))
    committed = any(m in text for m in _marks("CLUEDESK_DRILL_HOLD_COMMITTED"))
    if not folder or not (inside or committed):
        return
    try:  # once per report: the re-run after the kill is not held
        os.close(os.open(Path(folder) / f"held-{report.pk}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return
    if inside:
        _hold(folder, report.pk, "inside")
    else:
        transaction.on_commit(lambda: _hold(folder, report.pk, "committed"))


report_triaged.connect(hold_inside_triage, dispatch_uid="drill.hold_inside_triage")
