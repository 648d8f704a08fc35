"""One process of the clue race (run by test_faults.py against a live data folder).

    python race_child.py setup                       -> {"clue": pk, "version": v, "users": [...]}
    python race_child.py act VERB CLUE USER VERSION -> {"result": "won"|"repeat"|"refused", ...}

Each ``act`` process sets Django up and connects first, prints "ready", then waits for a line on
stdin: the parent releases every process at once, so the writes really meet.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluedesk.settings")

import django  # noqa: E402

django.setup()


def setup(n_users: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model

    from cluedesk.clues.models import Clue
    from cluedesk.org.models import Division, Membership, Role, Unit

    county = Division.objects.filter(level=Division.Level.COUNTY).order_by("code").first()
    assert county is not None, "no divisions loaded"
    unit = Unit.objects.filter(division=county, name="race office").first() or Unit.objects.create(
        name="race office", division=county)
    users = []
    for i in range(n_users):
        name = f"race-reviewer-{i}"
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            user = get_user_model().objects.create_user(username=name, password=None)
            Membership.objects.create(user=user, unit=unit, role=Role.INTAKE_REVIEWER)
        users.append(user.pk)
    clue = Clue.objects.create(state=Clue.State.NEW, division=county)
    return {"clue": clue.pk, "public_id": clue.public_id, "version": clue.version, "users": users}


def act(verb: str, clue: int, user_pk: int, version: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from cluedesk.clues import services
    from cluedesk.clues.workflow import WorkflowError

    user = get_user_model().objects.get(pk=user_pk)
    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    t0 = time.time()
    try:
        if verb == "screen_valid":
            outcome = services.screen_valid(clue, acting_user=user, version=version)
        else:
            outcome = services.screen_invalid(clue, acting_user=user, reason="重复举报，已有线索在办", version=version)
    except WorkflowError as exc:
        return {"result": "refused", "state": exc.state, "message": exc.message, "at": t0}
    return {"result": "won" if outcome.changed else "repeat", "at": t0}


def enqueue(prefix: str, n: int, seconds: float) -> dict[str, object]:
    from cluedesk.ops import tasks

    ids = [str(tasks.sleep_then_mark.enqueue(f"{prefix}-{i}", seconds).id) for i in range(n)]
    return {"ids": ids}


def tasks_state(prefix: str, n: int) -> dict[str, object]:
    from django.core.cache import cache
    from django_tasks_db.models import DBTaskResult

    statuses: dict[str, int] = {}
    for status in DBTaskResult.objects.filter(task_path__endswith="sleep_then_mark").values_list("status", flat=True):
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    runs = [cache.get(f"cluedesk:drill:{prefix}-{i}:runs") or 0 for i in range(n)]
    done = [cache.get(f"cluedesk:drill:{prefix}-{i}:done") for i in range(n)]
    return {"statuses": statuses, "runs": runs, "done": [d is not None for d in done]}


if __name__ == "__main__":
    if sys.argv[1] == "enqueue":
        print(json.dumps(enqueue(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))))
    elif sys.argv[1] == "tasks":
        print(json.dumps(tasks_state(sys.argv[2], int(sys.argv[3]))))
    elif sys.argv[1] == "setup":
        print(json.dumps(setup(int(sys.argv[2]) if len(sys.argv) > 2 else 4)))
    else:
        _, _, verb, clue, user, version = sys.argv
        print(json.dumps(act(verb, int(clue), int(user), int(version))), flush=True)
