"""Supervision: the figures (facts table), the supervision ledger (flags and escalations), monthly
random checks, bulletins, and the worker's job state.

The facts table holds, per division and month, counts already rolled up the divisions tree: the
row for a province counts every clue in its cities and counties. A clue's own contribution is kept
in ``ClueStat`` so the refresh job can apply exact deltas (old contribution out, new one in) and
running it twice over the same clue changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The counters of a facts row, in display order. ``days_sum`` helps the mean; the median comes
# from ``FactDays`` (how many clues took exactly d days to conclude).
COUNTERS = ("reports", "clues", "valid", "dispatched", "concluded", "cases", "overdue", "umbrella",
            "repeat_reports", "repeated_clues", "days_sum")


class Fact(models.Model):
    division = models.ForeignKey("org.Division", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(help_text="first day of the month the clues (or reports) were received")
    level = models.PositiveSmallIntegerField()
    reports = models.PositiveIntegerField(default=0)
    clues = models.PositiveIntegerField(default=0)
    valid = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    concluded = models.PositiveIntegerField(default=0)
    cases = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    umbrella = models.PositiveIntegerField(default=0)
    repeat_reports = models.PositiveIntegerField(default=0)
    repeated_clues = models.PositiveIntegerField(default=0)
    days_sum = models.PositiveBigIntegerField(default=0)

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["division", "month"], name="one_fact_per_cell")]
        indexes = [models.Index(fields=["level", "month"]), models.Index(fields=["month", "division"])]

    def __str__(self) -> str:
        return f"{self.division_id} {self.month:%Y-%m}"


class FactDays(models.Model):
    """Concluded clues of a cell by whole days from receipt to conclusion (for the median)."""

    division = models.ForeignKey("org.Division", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    days = models.PositiveIntegerField()
    n = models.PositiveIntegerField(default=0)

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["division", "month", "days"], name="one_factdays_per_cell")]

    def __str__(self) -> str:
        return f"{self.division_id} {self.month:%Y-%m} {self.days}d×{self.n}"


class ClueStat(models.Model):
    """What one clue currently contributes to the facts (so a change is an exact delta)."""

    clue = models.OneToOneField("clues.Clue", primary_key=True, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=128)
    month = models.DateField()
    valid = models.BooleanField(default=False)
    dispatched = models.BooleanField(default=False)
    concluded = models.BooleanField(default=False)
    case = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False)
    umbrella = models.BooleanField(default=False)
    repeat_reports = models.PositiveIntegerField(default=0)
    days = models.IntegerField(null=True)

    def __str__(self) -> str:
        return f"stat of clue {self.clue_id}"


class SupervisionItem(models.Model):
    """One line of the supervision ledger: a clue under supervision for a reason (flag), and what
    was ordered (escalation)."""

    class Flag(models.TextChoices):
        OVERDUE = "overdue", _("overdue")
        LONG_OPEN = "long_open", _("long unconcluded")
        REPEATED = "repeated", _("reported repeatedly")
        REPEAT_AFTER = "repeat_after", _("reported again after conclusion")
        UMBRELLA = "umbrella", _("umbrella (protection) clue")

    class Action(models.TextChoices):
        UPGRADE = "upgrade", _("upgrade to the level above")
        OFFSITE = "offsite", _("off-site verification")
        TRACK = "track", _("full-process tracking")
        WATCH = "watch", _("watch")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    clue = models.ForeignKey("clues.Clue", on_delete=models.CASCADE, related_name="supervision_items")
    flag = models.CharField(max_length=16, choices=Flag.choices)
    action = models.CharField(max_length=12, choices=Action.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    target_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    help_text="the unit ordered to take the clue (upgrade, off-site)")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="who tracks the clue through every step")
    detail = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_field = "clue__division"
    scope_unit_field = "clue__unit"

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["clue", "flag"], condition=Q(status="open"),
                                               name="one_open_item_per_flag")]

    def __str__(self) -> str:
        return f"{self.clue_id} {self.flag} → {self.action}"


class Notification(models.Model):
    """An in-app notice to a unit (every member sees it on the supervision notices page)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(SupervisionItem, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    scope_field = None
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class SampleMonth(models.Model):
    """The monthly random check: a seed whose hash is published at the start of the month and
    which is revealed at the draw, so anyone can recompute which clues were picked."""

    month = models.DateField(unique=True)
    seed_hash = models.CharField(max_length=64)
    # Kept secret (never shown, never in the ledger) until the draw reveals it.
    seed = models.CharField(max_length=64)
    committed_at = models.DateTimeField()
    drawn_at = models.DateTimeField(null=True, blank=True)
    per_division = models.PositiveSmallIntegerField(default=3)
    level = models.PositiveSmallIntegerField(default=1)
    population = models.JSONField(default=list, blank=True)
    population_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"sample {self.month:%Y-%m}"

    @property
    def revealed(self) -> bool:
        return self.drawn_at is not None


class SampleItem(models.Model):
    sample = models.ForeignKey(SampleMonth, on_delete=models.CASCADE, related_name="items")
    clue = models.ForeignKey("clues.Clue", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()
    held_up = models.BooleanField(null=True)
    note = models.TextField(blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)

    scope_field = "clue__division"

    class Meta:
        ordering = ["group_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["sample", "clue"], name="one_sample_item_per_clue")]

    def __str__(self) -> str:
        return f"{self.sample} #{self.rank} {self.clue_id}"


class Bulletin(models.Model):
    """A bulletin issued for a month and a scope; its files are produced from the facts."""

    month = models.DateField()
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    digest = models.CharField(max_length=64, help_text="sha256 of the figures it printed")

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        ordering = ["-month", "division_id"]
        constraints = [models.UniqueConstraint(fields=["month", "division"], name="one_bulletin_per_scope")]

    def __str__(self) -> str:
        return f"bulletin {self.month:%Y-%m} {self.division_id}"


class JobState(models.Model):
    """A periodic job's progress (watermarks, the last period done) and, on SQLite, its lease."""

    name = models.CharField(max_length=40, primary_key=True)
    progress = models.JSONField(default=dict, blank=True)
    holder = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_started = models.DateTimeField(null=True, blank=True)
    last_finished = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class KeyRegionVersion(models.Model):
    """One version of the list of key divisions. Versions are never edited: every recomputation
    or manual change makes a new one, so the history of adjustments stays visible."""

    number = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    reason = models.CharField(max_length=300, blank=True, help_text="blank: recomputed from the indicators")
    start = models.DateField()
    end = models.DateField()
    level = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"key regions v{self.number}"


class KeyRegionEntry(models.Model):
    class Source(models.TextChoices):
        COMPUTED = "computed", _("computed from indicators")
        ADDED = "added", _("added by hand")

    version = models.ForeignKey(KeyRegionVersion, on_delete=models.CASCADE, related_name="entries")
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    reasons = models.JSONField(default=list, blank=True)

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        ordering = ["division_id"]
        constraints = [models.UniqueConstraint(fields=["version", "division"], name="one_entry_per_version")]

    def __str__(self) -> str:
        return f"{self.version} {self.division_id}"


class KeyRegionOverride(models.Model):
    """A manual addition or removal, in force until withdrawn."""

    class Kind(models.TextChoices):
        ADD = "add", _("add")
        REMOVE = "remove", _("remove")

    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["division"], condition=Q(active=True),
                                               name="one_active_override_per_division")]

    def __str__(self) -> str:
        return f"{self.kind} {self.division_id}"


class InspectionRound(models.Model):
    """A round of inspection: teams visit divisions between two dates and hand clues to units."""

    name = models.CharField(max_length=120)
    division = models.ForeignKey("org.Division", on_delete=models.PROTECT, related_name="+",
                                 help_text="the area the round covers")
    starts = models.DateField()
    ends = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    scope_field = "division"
    scope_clue_field = ""

    class Meta:
        ordering = ["-starts", "-id"]

    def __str__(self) -> str:
        return self.name


class InspectionTeam(models.Model):
    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)
    leader = models.CharField(max_length=120, blank=True)
    divisions = models.ManyToManyField("org.Division", related_name="+", blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="unique_team_name_per_round")]

    def __str__(self) -> str:
        return self.name


class Handover(models.Model):
    """A clue a team received during the round and handed to a unit, with a deadline."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="handovers")
    team = models.ForeignKey(InspectionTeam, on_delete=models.PROTECT, related_name="handovers")
    clue = models.ForeignKey("clues.Clue", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField()
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handed_at = models.DateTimeField()

    scope_field = "clue__division"

    class Meta:
        ordering = ["-handed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["round", "clue"], name="one_handover_per_clue_per_round")]

    def __str__(self) -> str:
        return f"{self.clue_id} → {self.unit_id}"
