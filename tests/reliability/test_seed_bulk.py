"""`seed-demo --reports N` above the bulk threshold: realistic rows in bulk (COPY on PostgreSQL),
consistent with each other and with the ledger."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum

pytestmark = pytest.mark.django_db(transaction=True)


def test_bulk_reports_are_realistic_consistent_and_verified() -> None:
    from cluedesk.clues import search
    from cluedesk.clues.models import Assignment, Clue, Conclusion
    from cluedesk.intake.models import Report
    from cluedesk.ledger.models import Event
    from cluedesk.ledger.services import verify

    out = io.StringIO()
    call_command("seed-demo", reports=1500, no_facts=True, stdout=out)
    assert ("COPY" if connection.vendor == "postgresql" else "batched inserts") in out.getvalue()
    assert Report.objects.count() == 1500
    assert not Report.objects.filter(clue__isnull=True).exists()
    # each clue's report_count is the number of its reports
    counted = dict(Report.objects.values("clue_id").annotate(n=Count("pk")).values_list("clue_id", "n"))
    assert all(counted.get(pk) == n for pk, n in Clue.objects.values_list("pk", "report_count"))
    assert Clue.objects.aggregate(s=Sum("report_count"))["s"] == 1500
    # real text with edits, not a placeholder; different reports read differently
    texts = list(Report.objects.values_list("text", flat=True)[:200])
    assert len(set(texts)) > 150 and all(len(t) >= 20 for t in texts)
    assert Report.objects.exclude(place_text="").count() == 1500
    # the valid clues are assigned, the concluded ones have a final conclusion
    valid = Clue.objects.exclude(state__in=[Clue.State.INVALID, Clue.State.TRANSFERRED])
    assert Assignment.objects.count() == valid.count() > 0
    assert Conclusion.objects.filter(final=True).count() == Clue.objects.filter(
        state__in=[Clue.State.CONCLUDED, Clue.State.REVIEWED]).count() > 0
    # one ledger event per bulk batch, naming the rows, and the chain verifies
    assert Event.objects.filter(verb="demo.import").count() >= 4
    assert verify().ok
    # the blind search index sees the bulk rows
    word = texts[0][5:9]
    assert Clue.objects.filter(search.matching(word)).exists()


def test_small_report_counts_keep_the_plain_demo_path(monkeypatch, settings) -> None:
    settings.DEMO = True  # the plain path is refused outside demo mode
    called = {}

    def fake(seed: int, reports: int) -> list[str]:
        called["reports"] = reports
        return ["ok"]

    monkeypatch.setattr("cluedesk.demo.seed.seed_demo_people", fake)
    call_command("seed-demo", reports=12, stdout=io.StringIO())
    assert called == {"reports": 12}
