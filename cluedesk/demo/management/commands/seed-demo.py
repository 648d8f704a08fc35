"""`cluedesk seed-demo [--calibrated] [--reports N]`.

Without flags: demo units, staff and a few reports (``cluedesk.demo.seed.seed_demo_people``);
refused (exit code 2) unless CLUEDESK_DEMO is on, as these people have passwords printed here.
With ``--reports N`` above 1,000: N reports in bulk (up to millions), realistic text from the
evaluation tips with random edits, their clues, assignments and conclusions, a half-year like
``--calibrated`` — COPY on PostgreSQL, batched inserts on SQLite, one ``demo.import`` ledger event
per batch so ``cluedesk ledger verify`` passes.
With ``--calibrated``: half a year of national data shaped like the published figures (about
100,000 reports, 5,100 valid clues all dispatched, 357 cases at a case rate of 15.3%), loaded in
bulk as imported history, then the facts table is rebuilt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from cluedesk.demo import cases, rectify, seed, supervision
from cluedesk.demo.mode import refuse_unless_demo
from cluedesk.supervision import stats

BULK_FROM = 1000
MAX_REPORTS = 5_000_000

# Registers filled by --calibrated after the clues: each ``(seed, scale, end_month) -> str | None``.
CALIBRATED_EXTRAS: list[Callable[..., str | None]] = [
    cases.seed_calibrated,
    rectify.seed_calibrated,
]


class Command(BaseCommand):
    help = "Load demo data: people and a few reports, or (--calibrated) a half-year of national figures"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calibrated", action="store_true")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", type=float, default=1.0, help="multiply every count (calibrated only)")
        parser.add_argument("--end-month", help="last month of the half-year, YEAR-MONTH (default: last month)")
        parser.add_argument("--no-reports", action="store_true", help="clues only (benchmarks)")
        parser.add_argument("--reports", type=int, default=12,
                            help=f"how many demo reports; above {BULK_FROM:,} loaded in bulk (COPY on PostgreSQL)")
        parser.add_argument("--no-facts", action="store_true", help="bulk: skip rebuilding the statistics facts")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["calibrated"] and options["reports"] > BULK_FROM:
            return self.bulk(options)
        if not options["calibrated"]:
            refuse_unless_demo("seed-demo", why="it makes demo people with known passwords")
            for line in seed.seed_demo_people(options["seed"], options["reports"]):
                self.stdout.write(line)
            return
        if options["scale"] <= 0 or options["scale"] > 50:
            raise CommandError("--scale must be above 0 and at most 50")
        end_month = None
        if options["end_month"]:
            try:
                end_month = stats.parse_month(options["end_month"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        t0 = time.perf_counter()
        result = supervision.seed_calibrated(seed=options["seed"], scale=options["scale"], end_month=end_month,
                                             with_reports=not options["no_reports"],
                                             progress=lambda m: self.stdout.write(f"  … {m}") if options["verbosity"] > 1 else None)
        for extra in CALIBRATED_EXTRAS:  # the registers, shaped like the seeds' published figures
            summary = extra(seed=options["seed"], scale=options["scale"], end_month=result.last_month)
            if summary:
                self.stdout.write(summary)
        t1 = time.perf_counter()
        rebuilt = stats.rebuild()
        t2 = time.perf_counter()
        self.stdout.write(
            f"calibrated half-year {result.first_month:%Y-%m} – {result.last_month:%Y-%m}: {result.reports} reports, "
            f"{result.clues} clues, {result.valid} valid (all dispatched), {result.concluded} concluded, "
            f"{result.cases} cases (case rate {result.cases / max(1, result.concluded) * 100:.1f}%) "
            f"loaded in {t1 - t0:.1f} s; facts rebuilt from {rebuilt['clues']} clues in {t2 - t1:.1f} s")

    def bulk(self, options: dict[str, Any]) -> None:
        n = options["reports"]
        if n > MAX_REPORTS:
            raise CommandError(f"--reports: at most {MAX_REPORTS:,}")
        t0 = time.perf_counter()
        result = supervision.seed_calibrated(seed=options["seed"], n_reports=n, realistic_text=True,
                                             progress=lambda m: self.stdout.write(f"  … {m}") if options["verbosity"] > 1 else None)
        t1 = time.perf_counter()
        rebuilt = {"clues": 0} if options["no_facts"] else stats.rebuild()
        t2 = time.perf_counter()
        how = "COPY" if connection.vendor == "postgresql" else "batched inserts"
        self.stdout.write(
            f"{result.reports} reports, {result.clues} clues, {result.valid} valid (assigned), {result.concluded} "
            f"concluded, {result.cases} cases, {result.first_month:%Y-%m} – {result.last_month:%Y-%m}: loaded with "
            f"{how} in {t1 - t0:.1f} s ({result.reports / max(t1 - t0, 1e-9):,.0f} reports/s); facts rebuilt from "
            f"{rebuilt['clues']} clues in {t2 - t1:.1f} s")
