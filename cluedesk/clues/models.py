"""A clue: one matter, reported one or more times."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_public_id() -> str:
    return "C" + secrets.token_hex(6).upper()


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

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEW, db_index=True)
    division = models.ForeignKey("org.Division", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=32, blank=True)
    industry = models.CharField(max_length=32, blank=True)
    umbrella = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.public_id
