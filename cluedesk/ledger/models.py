"""The append-only, hash-chained event ledger."""

from __future__ import annotations

from django.db import models


class Event(models.Model):
    """One state change: who did what to which subject, chained to the event before it."""

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=16)  # staff | reporter | channel | system
    actor_id = models.CharField(max_length=64, blank=True)
    verb = models.CharField(max_length=64, db_index=True)
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.subject_type}:{self.subject_id}"


class Head(models.Model):
    """The chain's last link; one row, locked by every writer so links never fork."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class Checkpoint(models.Model):
    """A signed statement "event #seq of the chain has hash ``hash``" (a signed tree head, as in
    Certificate Transparency). Each one is also appended to a log file beside the signing key, so
    deleting rows here is noticed; see cluedesk/ledger/checkpoints.py."""

    seq = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=100)  # Ed25519, base64

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"
