"""Demo data for this register: a few rows for the plain demo, the seeds' figures for --calibrated."""

from __future__ import annotations

import datetime as dt
import random


def seed_demo(rng: random.Random) -> list[str]:
    return []


def seed_calibrated(*, seed: int, scale: float, end_month: dt.date) -> str | None:
    return None
