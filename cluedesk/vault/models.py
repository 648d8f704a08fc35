"""Identity disclosure requests. No identity is ever stored here in clear (see docs/threat-model.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DisclosureRequest(models.Model):
    """A verifier's request to learn who reported (one report of a clue), decided by a custodian.

    On approval the identity is sealed to ``ephemeral_public``, whose private half exists only in
    a cookie in the requester's browser; after one viewing (or the time limit) the sealed copy is
    wiped. The database alone, even with the server's secrets, can never open it.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", _("awaiting a custodian")
        APPROVED = "approved", _("approved, not yet viewed")
        REFUSED = "refused", _("refused")
        VIEWED = "viewed", _("viewed")
        EXPIRED = "expired", _("expired unviewed")

    clue = models.ForeignKey("clues.Clue", on_delete=models.PROTECT, related_name="disclosure_requests")
    report_pk = models.BigIntegerField(help_text="the report (intake.Report) whose identity is asked for")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.REQUESTED, db_index=True)
    ephemeral_public = models.BinaryField(max_length=32)
    sealed_for_requester = models.BinaryField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_field = "clue__division"

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["requester", "report_pk"], condition=Q(state="requested"),
                                    name="one_open_disclosure_request"),
        ]

    def __str__(self) -> str:
        return f"disclosure request {self.pk} ({self.state})"
