"""Models of cluedesk.rectify: the problem lists of special supervision (特派督导问题清单), industry
rectification (行业整改: industry authorities, clue transfers, the "three letters and one letter"
三书一函 with feedback) and the year's key tasks (十件实事).

Scoping (cluedesk.org.access): each row reaches a division through the unit it belongs to
(``owner``, ``recipient`` or ``authority``), and the members of that unit see it wherever it is.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cluedesk.analysis.taxonomy import INDUSTRIES

INDUSTRY_CODES = [code for code, _en, _zh, _kw in INDUSTRIES]


def new_file_id() -> str:
    return secrets.token_hex(16)


class IndustryAuthority(models.Model):
    """An org.Unit of type "industry authority" and the industry it governs."""

    unit = models.OneToOneField("org.Unit", primary_key=True, on_delete=models.CASCADE, related_name="industry_profile")
    industry = models.CharField(max_length=32)

    scope_field = "unit__division"
    scope_unit_field = "unit"
    scope_clue_field = ""

    class Meta:
        ordering = ["industry", "unit__name"]

    def __str__(self) -> str:
        return f"{self.unit} ({self.industry})"


# --- special supervision lists ----------------------------------------------------------------

class ProblemItem(models.Model):
    """One problem a supervision round found, to be rectified by its owner unit."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("rectification status", "open")
        RECTIFYING = "rectifying", pgettext_lazy("rectification status", "rectifying")
        SUBMITTED = "submitted", pgettext_lazy("rectification status", "submitted for verification")
        VERIFIED = "verified", pgettext_lazy("rectification status", "verified rectified")
        REOPENED = "reopened", pgettext_lazy("rectification status", "reopened")

    round = models.ForeignKey("supervision.InspectionRound", on_delete=models.PROTECT, related_name="problem_items")
    number = models.PositiveIntegerField(help_text="the item's number in its round's list")
    owner = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    problem = models.TextField()
    measures = models.TextField(blank=True)
    time_limit = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()

    scope_field = "owner__division"
    scope_unit_field = "owner"
    scope_clue_field = ""

    class Meta:
        ordering = ["-round__starts", "round_id", "number"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="rectify_item_number_per_round")]
        indexes = [models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return f"{self.round_id}-{self.number}"


class ItemEvidence(models.Model):
    """Evidence of rectification submitted by the owner unit: a note and, optionally, a file stored
    encrypted like report attachments (cluedesk.intake.attachments)."""

    item = models.ForeignKey(ProblemItem, on_delete=models.CASCADE, related_name="evidence")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    file_id = models.CharField(max_length=32, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    scope_field = "item__owner__division"
    scope_unit_field = "item__owner"
    scope_clue_field = ""

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"evidence {self.pk} for {self.item_id}"


# --- industry rectification ------------------------------------------------------------------

class Transfer(models.Model):
    """A clue handed to an industry authority, or received from one (then it also entered intake
    as a report on the channel ``industry:<unit id>``)."""

    class Direction(models.TextChoices):
        TO_INDUSTRY = "to", _("to the industry authority")
        FROM_INDUSTRY = "from", _("from the industry authority")

    direction = models.CharField(max_length=4, choices=Direction.choices)
    authority = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    industry = models.CharField(max_length=32, db_index=True)
    clue = models.ForeignKey("clues.Clue", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # a transfer from an authority: the report it entered intake as (its clue follows triage)
    report = models.ForeignKey("intake.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=64, blank=True, help_text="the other side's document number")
    note = models.CharField(max_length=500, blank=True)
    transferred_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    scope_field = "authority__division"
    scope_unit_field = "authority"
    scope_clue_field = "clue"

    class Meta:
        ordering = ["-transferred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.authority_id}"


class Letter(models.Model):
    """A recommendation letter (三书一函) sent to an industry authority, which must answer."""

    class Kind(models.TextChoices):
        PROCURATORIAL = "procuratorial", _("procuratorial recommendation")
        JUDICIAL = "judicial", _("judicial recommendation")
        SUPERVISORY = "supervisory", _("supervisory recommendation")
        SUPERVISION_LETTER = "supervision_letter", _("supervision letter")

    class Status(models.TextChoices):
        ISSUED = "issued", pgettext_lazy("rectification status", "awaiting feedback")
        ANSWERED = "answered", pgettext_lazy("rectification status", "answered, rectifying")
        RECTIFIED = "rectified", pgettext_lazy("rectification status", "rectified")

    number = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    issuer = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    industry = models.CharField(max_length=32, db_index=True)
    issue = models.TextField()
    issued_on = models.DateField(db_index=True)
    deadline = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True)
    answered_on = models.DateField(null=True, blank=True)
    rectified_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()

    scope_field = "recipient__division"
    scope_unit_field = "recipient"
    scope_clue_field = ""

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["issuer", "number"], name="rectify_letter_number_per_issuer")]
        indexes = [models.Index(fields=["industry", "status"])]

    def __str__(self) -> str:
        return self.number


class Feedback(models.Model):
    """The recipient's answer to a letter; several while rectification goes on, the last may say
    "rectified"."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="feedback")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    answered_on = models.DateField()
    text = models.TextField()
    rectified = models.BooleanField(default=False)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    scope_field = "letter__recipient__division"
    scope_unit_field = "letter__recipient"
    scope_clue_field = ""

    class Meta:
        ordering = ["answered_on", "id"]

    def __str__(self) -> str:
        return f"feedback {self.pk} on {self.letter_id}"


# --- annual key tasks ------------------------------------------------------------------------

class KeyTask(models.Model):
    """One of a year's key tasks (十件实事), owned by a unit."""

    year = models.PositiveSmallIntegerField(db_index=True)
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()

    scope_field = "owner__division"
    scope_unit_field = "owner"
    scope_clue_field = ""

    class Meta:
        ordering = ["-year", "owner_id", "number"]
        constraints = [models.UniqueConstraint(fields=["owner", "year", "number"], name="rectify_task_number")]

    def __str__(self) -> str:
        return f"{self.year}-{self.number} {self.title}"


class Milestone(models.Model):
    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    """A target read from live figures: e.g. verification rate ≥ 90% in the owner's division."""

    class Metric(models.TextChoices):
        VERIFICATION_RATE = "verification_rate", _("verification rate (%)")
        CASE_RATE = "case_rate", _("case rate (%)")
        CONCLUDED = "concluded", _("clues concluded")
        CASES = "cases", _("cases opened")
        ITEMS_VERIFIED = "items_verified", _("supervision items verified rectified (%)")
        LETTERS_RECTIFIED = "letters_rectified", _("letters rectified (%)")

    class Op(models.TextChoices):
        AT_LEAST = "ge", "≥"
        AT_MOST = "le", "≤"

    task = models.ForeignKey(KeyTask, on_delete=models.CASCADE, related_name="indicators")
    metric = models.CharField(max_length=24, choices=Metric.choices)
    op = models.CharField(max_length=2, choices=Op.choices, default=Op.AT_LEAST)
    target = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.target}"
