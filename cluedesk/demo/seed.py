"""The plain demo: people, reports, clues walked through the lifecycle, then a few rows of every
register — run by the first `cluedesk serve` in demo mode (cluedesk/ops/bootstrap.py) and by plain
``cluedesk seed-demo``."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction

from cluedesk.demo import cases, clues, compliance, intake, org, records, rectify
from cluedesk.triage.services import triage_waiting

# Other apps' demo data, added after the people, reports and lifecycle: each ``(rng) -> lines to
# print`` writes a few rows so every page has something to show.
DEMO_EXTRAS: list[Callable[[random.Random], list[str]]] = [
    cases.seed_demo,
    rectify.seed_demo,
    compliance.seed_demo,
    records.seed_demo,
]


def seed_demo_people(seed: int | None = None, reports: int = 12) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    with transaction.atomic():
        people = org.seed_org(rng)
    intake.seed_reports(reports, rng=rng)
    # demo loading triages here and now (the queued tasks then find the reports done): the
    # lifecycle walk below needs the clues
    triage_waiting()
    walked = clues.run_demo_lifecycle()
    extras = [line for extra in DEMO_EXTRAS for line in extra(rng)]
    triage_waiting()
    lines = ["Demo staff accounts (passwords shown once; first sign-in enrols a TOTP authenticator;",
             "without an authenticator app, `cluedesk demo-totp USERNAME` prints the current code):"]
    for username, password, roles, unit in people:
        lines.append(f"  {username:<24} {password:<22} {', '.join(roles):<40} {unit}")
    lines.append(f"Demo reports: {reports}; demo clues walked through the verification lifecycle: {len(walked)}.")
    return lines + extras
