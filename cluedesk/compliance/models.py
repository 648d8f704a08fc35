"""Models of cluedesk.compliance: the legal clocks of each report, and the records of oral reports
(phone calls, meetings) with their minutes. (The deployment's profile is cluedesk.deployment's.)

Rows here are written only by ``services.py`` and ``clocks.py``; each write carries one ledger event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportClock(models.Model):
    """The acknowledgment and feedback deadlines of one report, and what became of them.

    Deadlines are fixed when the clock starts (from the profile then in force); ``feedback_due``
    moves only through a justified extension. ``acknowledged_at``/``feedback_at`` are the first
    moments the reporter could see an acknowledgment / feedback (see docs/compliance.md).
    """

    report = models.OneToOneField("intake.Report", on_delete=models.CASCADE, related_name="clock")
    received_at = models.DateTimeField(db_index=True)
    division = models.ForeignKey("org.Division", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text="the unit answerable for the clock (the clue's unit, else its division's office)")
    profile_key = models.CharField(max_length=40)
    ack_due = models.DateTimeField(null=True, blank=True)
    feedback_due = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    ack_reminded_at = models.DateTimeField(null=True, blank=True)
    ack_escalated_at = models.DateTimeField(null=True, blank=True)
    feedback_reminded_at = models.DateTimeField(null=True, blank=True)
    feedback_escalated_at = models.DateTimeField(null=True, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    extension_reason = models.TextField(blank=True)

    scope_field = "division"
    scope_unit_field = "unit"
    scope_clue_field = "report__clue"

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["acknowledged_at", "ack_due"]),
                   models.Index(fields=["feedback_at", "feedback_due"])]

    def __str__(self) -> str:
        return f"clock of report {self.report_id}"

    @property
    def open(self) -> bool:
        return (self.ack_due is not None and self.acknowledged_at is None) or (
            self.feedback_due is not None and self.feedback_at is None)


class OralRecord(models.Model):
    """A report made by phone or in a meeting: either the reporter consented to a recording (kept as
    an attachment of the report) or staff kept minutes, which the reporter checks with the
    tracking code. The minutes themselves are in ``MinutesVersion`` (encrypted)."""

    class Kind(models.TextChoices):
        RECORDING = "recording", _("recording, with the reporter's consent")
        MINUTES = "minutes", _("minutes")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("recording kept")
        AWAITING = "awaiting", _("awaiting the reporter's check")
        CORRECTED = "corrected", _("corrected by the reporter")
        CONFIRMED = "confirmed", _("confirmed by the reporter")

    report = models.OneToOneField("intake.Report", on_delete=models.CASCADE, related_name="oral_record")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    consent_at = models.DateTimeField(null=True, blank=True)
    recording = models.ForeignKey("intake.Attachment", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    scope_field = "report__clue__division"
    scope_unit_field = "report__clue__unit"
    scope_clue_field = "report__clue"
    scope_awaiting = ("report__clue", "report__division")  # before triage: the report's own place

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"oral record of report {self.report_id} ({self.kind})"


class MinutesVersion(models.Model):
    """One version of the minutes: staff's first text, then each correction by the reporter.
    The text is encrypted at rest (``services.seal_text``); ``sha256`` of the plain text lets the
    ledger prove which version was confirmed without holding the words."""

    class Author(models.TextChoices):
        STAFF = "staff", _("staff")
        REPORTER = "reporter", _("reporter")

    record = models.ForeignKey(OralRecord, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.CharField(max_length=10, choices=Author.choices)
    sealed_text = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="unique_minutes_version")]

    def __str__(self) -> str:
        return f"minutes v{self.number} of {self.record_id}"
