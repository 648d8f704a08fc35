"""Reports from the public and from channels, their files, public timeline and messages.

Nothing here holds a reporter's identity in clear: name and contact are sealed with the
custodian's public key (``sealed_identity``), tracking codes are kept only as an HMAC, and an
attachment's original file name is sealed too (a file name often carries a person's name).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cluedesk.vault.fields import EncryptedTextField


def new_file_id() -> str:
    return secrets.token_urlsafe(18)  # 144 bits, URL-safe, never an integer key


class Channel(models.TextChoices):
    """Fixed channels; integrations add ``api:<name>`` (see ChannelToken)."""

    WEB = "web", _("web form")
    QR = "qr", _("QR code poster")
    PHONE = "phone", _("phone call")
    MEETING = "meeting", _("meeting in person")
    LETTER = "letter", _("letter")
    WECHAT = "wechat", _("WeChat")
    WEIBO = "weibo", _("Weibo")


class Category(models.TextChoices):
    """What the reporter says the matter is about (optional; triage classifies on its own)."""

    VIOLENCE = "violence", _("Violence, threats or intimidation")
    LENDING = "illegal_lending", _("Loan sharks, illegal lending or violent debt collection")
    VICE = "gambling_drugs", _("Gambling, drugs or prostitution")
    MARKET = "market_control", _("Controlling a market, rigging bids or forcing deals")
    RESOURCES = "resources", _("Illegal mining or sand dredging, seizing land")
    VILLAGE = "village_tyrant", _("Village tyrants or clan gangs")
    UMBRELLA = "umbrella", _("Officials shielding a gang (a “protective umbrella”)")
    FRAUD = "fraud", _("Telecom or online fraud")
    TRAFFICKING = "trafficking", _("Human trafficking or pyramid selling")
    OTHER = "other", _("Something else")


class Report(models.Model):
    tracking_hash = models.CharField(max_length=64, unique=True)
    clue = models.ForeignKey("clues.Clue", null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    channel = models.CharField(max_length=48, db_index=True)
    channel_ref = models.CharField(max_length=48, blank=True)
    text = EncryptedTextField()
    place_text = EncryptedTextField(max_length=200, blank=True)
    division = models.ForeignKey("org.Division", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    when_text = EncryptedTextField(max_length=200, blank=True)
    who_text = EncryptedTextField(max_length=500, blank=True)
    category = models.CharField(max_length=32, blank=True, choices=Category.choices)
    sealed_identity = models.BinaryField(null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.channel})"


class Message(models.Model):
    class Direction(models.TextChoices):
        FROM_REPORTER = "in", _("from the reporter")
        TO_REPORTER = "out", _("to the reporter")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    body = EncryptedTextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.direction})"


class Attachment(models.Model):
    """A file, stored encrypted under ``FILES_DIR/<public_id[:2]>/<public_id>``."""

    public_id = models.CharField(max_length=32, unique=True, default=new_file_id)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    mime = models.CharField(max_length=128)
    size = models.BigIntegerField()
    # keyed BLAKE2b-256 of the plaintext under the index key (``content.file_hasher``), never an
    # unkeyed hash; blank when the file was gone when older rows were rehashed (migration 0006)
    digest = models.CharField(max_length=64, db_index=True, blank=True)
    sealed_name = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.mime})"


class PublicStep(models.Model):
    """One step of the timeline a reporter sees, in public wording only.

    A step belongs to a report, or to a clue (then every report of that clue shows it).
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        UNDER_REVIEW = "under_review", _("Under review")
        VERIFYING = "verifying", _("Being verified")
        CONCLUDED = "concluded", _("Concluded")

    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="public_steps")
    clue = models.ForeignKey("clues.Clue", null=True, blank=True, on_delete=models.CASCADE, related_name="public_steps")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    outcome = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(report__isnull=False) | models.Q(clue__isnull=False),
                                   name="public_step_has_subject"),
        ]

    def __str__(self) -> str:
        return self.kind


class ChannelToken(models.Model):
    """A bearer token for one channel integration; only its SHA-256 is kept."""

    name = models.CharField(max_length=40, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(models.Model):
    """The first answer to (channel, key); written in the submission's own transaction.

    ``response`` is encrypted with a key derived from the server secret because it holds the
    tracking code, which is otherwise never stored.
    """

    channel = models.CharField(max_length=48)
    key = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    response = models.BinaryField()
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.key}"


class RateCount(models.Model):
    """One rate-limit counter (throttle.py) when Redis is not configured: one row per hashed
    (scope, client, window) key, counted with a single atomic upsert. Expired rows are pruned."""

    key = models.CharField(max_length=48, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.FloatField(db_index=True)  # UNIX time

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
