"""The one row saying which profile this deployment runs, with the admin's overrides.

Written only by ``services.set_profile`` (one ledger event per change). The table keeps the name
it had when the row lived in cluedesk.compliance (``compliance_deployment``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models

# How long a process keeps the profile it read before reading the row again. A change made in
# this process clears it at once; other processes pick it up within this many seconds.
PROFILE_TTL_SECONDS = 10.0
_cache: dict[str, Any] = {}
T = TypeVar("T")


class Deployment(models.Model):
    """The one row saying which profile this deployment runs and the admin's overrides."""

    profile_key = models.CharField(max_length=40)
    overrides = models.JSONField(default=dict, blank=True)
    # When the clock settings in force took effect: reports received before are not clocked
    # by a newly switched-on clock (their clocks, if any, keep the deadlines they started with).
    clocks_from = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        db_table = "compliance_deployment"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_deployment_row")]

    def __str__(self) -> str:
        return self.profile_key

    @classmethod
    def cached(cls, build: Callable[[Deployment | None], T]) -> T:
        """``build(row)`` for the stored row (None before a choice is stored), kept for
        PROFILE_TTL_SECONDS (``profiles.current`` builds the profile in force with it)."""
        hit = _cache.get("profile")
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]  # type: ignore[no-any-return]
        value = build(cls.objects.filter(pk=1).first())
        _cache["profile"] = (time.monotonic() + PROFILE_TTL_SECONDS, value)
        return value

    @staticmethod
    def forget_cached() -> None:
        _cache.pop("profile", None)
