"""Demo data for this app (called by cluedesk.web.bootstrap.seed_demo_people)."""

from __future__ import annotations

import random


def seed_demo(rng: random.Random) -> list[str]:
    return []
