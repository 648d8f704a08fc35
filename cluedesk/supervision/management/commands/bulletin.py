"""`cluedesk bulletin YEAR-MONTH [--division CODE] [--xlsx F] [--pdf F] [--html F] [--issue]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from cluedesk.org.models import ROOT_CODE, Division
from cluedesk.supervision import bulletins, stats


class Command(BaseCommand):
    help = "Produce the supervision bulletin for a month (or a period) as HTML, XLSX and/or PDF"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help="YEAR-MONTH (or the first month with --to)")
        parser.add_argument("--to", help="last month of the period, YEAR-MONTH")
        parser.add_argument("--division", default=ROOT_CODE, help="scope: a division code (default: the nation)")
        parser.add_argument("--language", default="en", choices=["en", "zh-hans"])
        parser.add_argument("--xlsx", type=Path)
        parser.add_argument("--pdf", type=Path)
        parser.add_argument("--html", type=Path)
        parser.add_argument("--issue", action="store_true", help="record the bulletin as issued (ledger event)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start = stats.parse_month(options["month"])
            end = stats.parse_month(options["to"]) if options["to"] else start
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        division = Division.objects.filter(code=options["division"]).first()
        if division is None:
            raise CommandError(f"unknown division {options['division']!r}")
        with translation.override(options["language"]):
            data = bulletins.build(division, start, end)
            if options["html"]:
                options["html"].write_text(bulletins.html(data), encoding="utf-8")
            if options["xlsx"]:
                options["xlsx"].write_bytes(bulletins.xlsx(data))
            if options["pdf"]:
                options["pdf"].write_bytes(bulletins.pdf(data))
            if options["issue"]:
                bulletins.issue(division, start)
        t = data.total
        self.stdout.write(f"{division.name} {data.period}: reports {t.reports}, valid {t.valid}, dispatched "
                          f"{t.dispatched}, concluded {t.concluded}, cases {t.cases}, verification rate "
                          f"{(t.verification_rate or 0) * 100:.1f}%, case rate {(t.case_rate or 0) * 100:.1f}%")
