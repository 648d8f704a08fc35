"""Retention (purges with their proof, legal holds, runs) and published statistics snapshots.

Rows here are written only by ``services.py`` (retention and holds) and ``publishing.py``
(snapshots), each in one transaction with its ledger event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LegalHold(models.Model):
    """A named clue that must not be purged (litigation, an open inquiry, a request by a court).

    A hold is active until released; releasing keeps the row (who, when, why) for the record."""

    clue = models.ForeignKey("clues.Clue", on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.CharField(max_length=300)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=300, blank=True)

    scope_field = "clue__division"

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["clue"], condition=Q(released_at__isnull=True),
                                               name="one_active_hold_per_clue")]

    def __str__(self) -> str:
        return f"hold {self.pk} on {self.clue_id}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class RetentionRun(models.Model):
    """One run of the retention job (the command, the worker or the staff page)."""

    as_of = models.DateTimeField(help_text="the moment retention was measured against")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=16)  # command | worker | staff
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    profile = models.CharField(max_length=40)
    purged = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    files_deleted = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention run {self.pk}"


class Purge(models.Model):
    """A clue whose personal data is gone: what went (counts) and the digests that prove it.

    ``proof`` is exactly what the ledger event ``records.purged`` carries (no content)."""

    clue = models.OneToOneField("clues.Clue", on_delete=models.PROTECT, related_name="purge")
    run = models.ForeignKey(RetentionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="purges")
    purged_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, blank=True)
    retention_days = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)
    proof = models.JSONField(default=dict)
    event_seq = models.BigIntegerField(null=True)

    scope_field = "clue__division"

    class Meta:
        ordering = ["-purged_at", "-id"]

    def __str__(self) -> str:
        return f"purge of {self.clue_id}"


class PendingFileDeletion(models.Model):
    """A file whose row went in a committed purge and which is removed from disk after the commit.

    Written in the purge's transaction; a crash between the commit and the unlink leaves the row,
    and the next run's sweep removes the file."""

    path = models.CharField(max_length=300, unique=True, help_text="relative to FILES_DIR")
    purge = models.ForeignKey(Purge, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.path


class StatisticsSnapshot(models.Model):
    """A year's published statistics, frozen when an admin publishes them."""

    year = models.PositiveSmallIntegerField(unique=True)
    min_cell = models.PositiveSmallIntegerField()
    data = models.JSONField()
    sha256 = models.CharField(max_length=64)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"statistics {self.year}"


class StatisticsMonth(models.Model):
    """A closed month's exact counts (reports by region; clues and concluded verifications by region,
    category and outcome), frozen once, shortly after the month ends. Never served: the published
    figures of the month, its quarter and its year are computed from these, so they never change
    and always add up (``statistics.freeze_month``)."""

    month = models.DateField(unique=True)
    computed_at = models.DateTimeField()
    counts = models.JSONField()

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"statistics {self.month:%Y-%m}"


class StatisticsEdition(models.Model):
    """One suppression of a year's whole lattice (its closed months, quarters and the year), run
    when a month has been frozen; ledgered with the SHA-256 of every page it publishes."""

    year = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField()
    through = models.DateField(help_text="the last month included")
    computed_at = models.DateTimeField()
    periods = models.JSONField(default=list)
    min_cell = models.PositiveSmallIntegerField()
    min_scope = models.PositiveSmallIntegerField()
    sha256 = models.CharField(max_length=64)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-year", "-number"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="records_edition_once")]

    def __str__(self) -> str:
        return f"statistics {self.year} edition {self.number}"


class StatisticsPage(models.Model):
    """A published page (period × region: its tables, shown values only, hidden ones as null) or a
    refusal, as the latest edition of its year left it. ``division_code`` "~CODE" is what is placed
    at CODE itself (no page; kept so later editions treat it the same way)."""

    class Status(models.TextChoices):
        PUBLISHED = "published"
        SMALL = "small"            # fewer reports than the minimum
        COMPLEMENT = "complement"  # refused so that a smaller page cannot be worked out by subtraction

    period = models.CharField(max_length=7)
    division_code = models.CharField(max_length=13)
    year = models.PositiveSmallIntegerField(db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(help_text="when its period's figures were first computed")
    edition = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "division_code"], name="records_page_once")]

    def __str__(self) -> str:
        return f"statistics {self.period} {self.division_code}"


__all__ = ["LegalHold", "RetentionRun", "Purge", "PendingFileDeletion", "StatisticsSnapshot", "StatisticsMonth",
           "StatisticsEdition", "StatisticsPage"]
