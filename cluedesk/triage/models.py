"""Triage tables: the indexes for same-matter lookup (LSH band keys, entity keys), what triage
found on each clue, the editable taxonomy, and the labelled data staff produce by correcting it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cluedesk.vault.fields import EncryptedJSONField


class Category(models.Model):
    """A crime type of the product taxonomy (editable by admins)."""

    code = models.SlugField(max_length=32, primary_key=True)
    name = models.CharField(max_length=64)
    name_zh = models.CharField(max_length=64, blank=True)
    keywords = models.TextField(blank=True, help_text=_("one keyword per line; a tip naming one gets this category"))
    order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    """An industry of the product taxonomy (editable by admins)."""

    code = models.SlugField(max_length=32, primary_key=True)
    name = models.CharField(max_length=64)
    name_zh = models.CharField(max_length=64, blank=True)
    keywords = models.TextField(blank=True, help_text=_("one keyword per line"))
    order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return self.name


class ReportIndex(models.Model):
    """What triage keeps about one report to compare later reports with it.

    ``report_id`` is the intake report's key, kept without a foreign key so that the evaluation
    and the benchmark can index tips that are not stored reports."""

    report_id = models.BigIntegerField(null=True, blank=True, unique=True)
    clue = models.ForeignKey("clues.Clue", on_delete=models.CASCADE, related_name="+")
    signature = models.BinaryField()
    shingles = models.PositiveIntegerField(default=0)
    length = models.PositiveIntegerField(default=0)
    entities = models.JSONField(default=dict, blank=True)
    charge = models.CharField(max_length=64, blank=True)
    charge_scores = models.JSONField(default=dict, blank=True)
    division_code = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"index of report {self.report_id}"


class BandKey(models.Model):
    """One MinHash LSH band key of one report."""

    key = models.BigIntegerField()
    entry = models.ForeignKey(ReportIndex, on_delete=models.CASCADE, related_name="bands")

    class Meta:
        indexes = [models.Index(fields=["key", "entry"], name="triage_band_key")]

    def __str__(self) -> str:
        return f"{self.key} → {self.entry_id}"


class EntityKey(models.Model):
    """One entity key of one report: an identifier, or a person with a month, year or place."""

    key = models.BigIntegerField()
    entry = models.ForeignKey(ReportIndex, on_delete=models.CASCADE, related_name="entity_keys")

    class Meta:
        indexes = [models.Index(fields=["key", "entry"], name="triage_entity_key")]

    def __str__(self) -> str:
        return f"{self.key} → {self.entry_id}"


class ClueTriage(models.Model):
    """What triage found on a clue beyond the fields the clue itself carries."""

    clue = models.OneToOneField("clues.Clue", on_delete=models.CASCADE, primary_key=True, related_name="triage")
    charge = models.CharField(max_length=64, blank=True)
    charge_scores = models.JSONField(default=dict, blank=True)
    division_code = models.CharField(max_length=12, blank=True)
    # officials the reports implicate: {"who", "unit_type", "unit"} (older rows: unit names); sealed
    implicated = EncryptedJSONField(default=list, blank=True)
    umbrella_probability = models.FloatField(null=True, blank=True)  # the umbrella model's, on the latest report
    evidence = models.JSONField(default=list, blank=True)  # keywords the category rests on (taxonomy words)
    repeat_after_conclusion = models.BooleanField(default=False, db_index=True)
    suggested_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    corrected = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"triage of {self.clue_id}"


class PairLabel(models.Model):
    """Labelled data from staff: two reports are (or are not) about the same matter."""

    first = models.ForeignKey(ReportIndex, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(ReportIndex, on_delete=models.CASCADE, related_name="+")
    same = models.BooleanField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.first_id}{'=' if self.same else '≠'}{self.second_id}"


class LabelCorrection(models.Model):
    """Labelled data from staff: the category or industry a clue really has."""

    clue = models.ForeignKey("clues.Clue", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=16)
    old = models.CharField(max_length=64, blank=True)
    new = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"
