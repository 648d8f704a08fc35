"""A clue (one matter, reported one or more times) and everything its verification leaves behind.

The lifecycle itself lives in ``workflow.py`` (the transitions table) and ``services.py`` (the
verbs). Rows here are written only by those services.
"""

from __future__ import annotations

import secrets
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cluedesk.org.access import visible_to
from cluedesk.org.actions import Role
from cluedesk.vault.fields import EncryptedTextField


def new_public_id() -> str:
    return "C" + secrets.token_hex(6).upper()


def new_file_id() -> str:
    return secrets.token_urlsafe(18)


class ClueQuerySet(models.QuerySet["Clue"]):
    def visible_to(self, user: Any, action: str = "view") -> ClueQuerySet:
        """The one entry point for staff queries on clues: the organization's scoping (territory,
        the unit the clue is handed to, and the conflict-of-interest bar on implicated units)."""
        return cast(ClueQuerySet, visible_to(user, self, action))


class Clue(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("new")
        SCREENED = "screened", _("screened")
        ASSIGNED = "assigned", _("assigned")
        VERIFYING = "verifying", _("in verification")
        DRAFTED = "drafted", _("conclusion drafted")
        SIGNED = "signed", _("signed")
        CONCLUDED = "concluded", _("concluded")
        REVIEWED = "reviewed", _("reviewed")
        INVALID = "invalid", _("closed as invalid")
        TRANSFERRED = "transferred", _("transferred")
        MERGED = "merged", _("merged")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")
        URGENT = "urgent", _("urgent")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEW, db_index=True)
    division = models.ForeignKey("org.Division", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=32, blank=True)
    industry = models.CharField(max_length=32, blank=True)
    umbrella = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A short staff-side title (never shown to the public), sealed like the reports' text.
    title = EncryptedTextField(max_length=200, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    # Incremented by every verb: forms carry it, and a form built on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    last_verb = models.CharField(max_length=32, blank=True)

    screening_reason = EncryptedTextField(blank=True)
    transferred_to = models.CharField(max_length=200, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from")

    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="clues",
                             help_text="the responsible (verifying) unit while assigned")
    mode = models.CharField(max_length=12, blank=True)
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    # When someone who handles the clue last opened it: a reporter's message after this is unread.
    replies_seen_at = models.DateTimeField(null=True, blank=True)

    objects = ClueQuerySet.as_manager()

    # for cluedesk.org.access.visible_to: territory by division, plus the unit it is handed to
    scope_field = "division"
    scope_unit_field = "unit"

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit", "state"])]

    def __str__(self) -> str:
        return self.public_id

    @property
    def mode_label(self) -> str:
        return str(dict(Assignment.Mode.choices).get(self.mode, self.mode))

    @property
    def active_assignment(self) -> Assignment | None:
        return self.assignments.filter(active=True).first()

    @property
    def current_conclusion(self) -> Conclusion | None:
        return self.conclusions.filter(superseded=False).order_by("-id").first()


class ImplicatedUnit(models.Model):
    """A unit this clue implicates (e.g. an officer shielding the gang works there). The unit and
    every unit below it may never be assigned the clue, see it, or sign its conclusion."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="implicated")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    official = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clue", "unit"], name="unique_implicated_unit")]

    def __str__(self) -> str:
        return f"{self.clue_id} implicates unit {self.unit_id}"


class Assignment(models.Model):
    class Mode(models.TextChoices):
        LOCAL = "local", _("local")
        OFFSITE = "offsite", _("off-site")
        UPGRADED = "upgraded", _("upgraded")

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="assignments")
    mode = models.CharField(max_length=12, choices=Mode.choices)
    deadline = models.DateTimeField()
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["clue"], condition=Q(active=True),
                                               name="one_active_assignment")]

    def __str__(self) -> str:
        return f"{self.clue_id} → unit {self.unit_id} ({self.mode})"


class Note(models.Model):
    """Internal working notes and interview records. Never shown to the reporter."""

    class Kind(models.TextChoices):
        NOTE = "note", _("note")
        INTERVIEW = "interview", _("interview")

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NOTE)
    text = EncryptedTextField()
    token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["clue", "token"], condition=~Q(token=""),
                                               name="unique_note_token")]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.clue_id}"


class Evidence(models.Model):
    """A file gathered during verification, stored encrypted under FILES_DIR/evidence/<file_id>."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="evidence")
    file_id = models.CharField(max_length=32, unique=True, default=new_file_id)
    name = EncryptedTextField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    # keyed BLAKE2b-256 of the plaintext under the index key (``content.file_hasher``), never an
    # unkeyed hash; blank when the file was gone when older rows were rehashed (migration 0004)
    digest = models.CharField(max_length=64, blank=True)
    description = EncryptedTextField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["clue", "token"], condition=~Q(token=""),
                                               name="unique_evidence_token")]

    def __str__(self) -> str:
        return f"evidence {self.file_id}"


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField()
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["clue"], condition=Q(status="pending"),
                                               name="one_pending_extension")]

    def __str__(self) -> str:
        return f"extension {self.pk} ({self.status})"


class Conclusion(models.Model):
    class Finding(models.TextChoices):
        SUBSTANTIATED = "substantiated", _("substantiated")
        PARTLY = "partly", _("partly substantiated")
        UNSUBSTANTIATED = "unsubstantiated", _("unsubstantiated")
        UNVERIFIABLE = "unverifiable", _("could not be verified")

    class Outcome(models.TextChoices):
        CRIMINAL_CASE = "criminal_case", _("criminal case opened")
        ADMIN_PENALTY = "admin_penalty", _("administrative penalty")
        DISCIPLINE = "discipline", _("discipline referral")
        TRANSFERRED = "transferred", _("transferred")
        NO_ACTION = "no_action", _("no action")

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="conclusions")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    drafter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finding = models.CharField(max_length=20, choices=Finding.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # further outcomes of the same matter beside the main one (a criminal case and a discipline
    # referral), stored ",discipline," so that a plain LIKE finds one on every database
    also_outcomes = models.CharField(max_length=100, blank=True, default="")
    case_number = models.CharField(max_length=64, blank=True)
    summary = EncryptedTextField(help_text="internal: what was verified and how")
    public_wording = EncryptedTextField(help_text="shown to the reporter")
    # Bumped by every edit; signatures count only for the revision they were given on.
    revision = models.PositiveIntegerField(default=1)
    returned_reason = EncryptedTextField(blank=True)
    superseded = models.BooleanField(default=False)
    final = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"conclusion {self.pk} r{self.revision}"

    @property
    def outcomes(self) -> list[str]:
        """The main outcome, then the further ones."""
        return [self.outcome, *split_outcomes(self.also_outcomes)]

    @property
    def outcome_labels(self) -> list[str]:
        labels = dict(Conclusion.Outcome.choices)
        return [str(labels.get(o, o)) for o in self.outcomes]

    def valid_signatures(self) -> models.QuerySet[Signature]:
        return self.signatures.filter(revision=self.revision, voided=False)


def split_outcomes(stored: str) -> list[str]:
    return [o for o in (stored or "").split(",") if o]


def join_outcomes(outcomes: list[str]) -> str:
    return f",{','.join(outcomes)}," if outcomes else ""


def has_outcome(outcome: str) -> Q:
    """Conclusions whose main or a further outcome is ``outcome`` (a filter on Conclusion)."""
    return Q(outcome=outcome) | Q(also_outcomes__contains=f",{outcome},")


class Signature(models.Model):
    conclusion = models.ForeignKey(Conclusion, on_delete=models.CASCADE, related_name="signatures")
    revision = models.PositiveIntegerField()
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    voided = models.BooleanField(default=False)
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["conclusion", "revision", "role"], condition=Q(voided=False),
                                    name="one_signature_per_role"),
            models.UniqueConstraint(fields=["conclusion", "revision", "signer"], condition=Q(voided=False),
                                    name="one_signature_per_signer"),
        ]

    def __str__(self) -> str:
        return f"{self.role} by {self.signer_id} on {self.conclusion_id} r{self.revision}"

    @property
    def role_label(self) -> str:
        return str(dict(Role.choices).get(self.role, self.role))


class Review(models.Model):
    class Outcome(models.TextChoices):
        KEPT = "kept", _("kept")
        REOPENED = "reopened", _("reopened")

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="reviews")
    conclusion = models.ForeignKey(Conclusion, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"review {self.pk} ({self.outcome})"


class Accountability(models.Model):
    """A record that handling was improper: who (unit, official), what went wrong, what follows."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="accountability")
    review = models.ForeignKey(Review, null=True, on_delete=models.PROTECT, related_name="accountability")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    official = models.CharField(max_length=120, blank=True)
    finding = models.TextField()
    measure = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"accountability {self.pk}"


class SearchGram(models.Model):
    """One key of a clue's blind search index (``clues.search``): a keyed hash of a bigram or
    trigram of its title or reports. Written and read with plain SQL; the model is here so that
    Django knows the table (flush, the schema)."""

    pk = models.CompositePrimaryKey("key", "clue")
    key = models.IntegerField()
    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "clues_searchgram"
        indexes = [models.Index(fields=["clue"], name="clues_searchgram_clue")]

    def __str__(self) -> str:
        return f"{self.key} → {self.clue_id}"

