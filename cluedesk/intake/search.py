"""Finding reports by words in their text, with the database's own index.

SQLite answers from the FTS5 trigram table (migration 0002); a word shorter than three
characters — a two-character Chinese name — cannot use trigrams and falls back to a scan.
PostgreSQL answers ``icontains`` from the trigram index on UPPER(text).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from .models import Report


def fts_phrase(word: str) -> str:
    """One FTS5 string literal: the word matched as a phrase, whatever characters it holds."""
    return '"' + word.replace('"', '""') + '"'


def reports_matching(word: str) -> QuerySet[Report]:
    if connection.vendor == "sqlite" and len(word) >= 3:
        return Report.objects.filter(pk__in=RawSQL(
            "SELECT rowid FROM intake_report_fts WHERE intake_report_fts MATCH %s", [fts_phrase(word)]))
    return Report.objects.filter(text__icontains=word)
