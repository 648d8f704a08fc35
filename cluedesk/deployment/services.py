"""Choosing the deployment profile: the one verb that writes the ``Deployment`` row. It validates
first, then writes the row and exactly one ledger event in one transaction; a refused request
writes nothing. (The ledger verb keeps the name it had under cluedesk.compliance.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cluedesk.ledger.services import Actor, record

from . import profiles
from .models import Deployment
from .profiles import ProfileError

__all__ = ["ProfileError", "set_profile"]


def _snapshot(key: str, overrides: dict[str, Any]) -> dict[str, Any]:
    return {"profile": key, "overrides": profiles.encode_overrides(overrides)}


def set_profile(key: str, raw_overrides: dict[str, Any] | None = None, *, actor: Actor, acting_user: Any = None,
                replace_overrides: bool = True, now: dt.datetime | None = None) -> Deployment:
    """Choose the profile and its overrides. ``raw_overrides`` are field → value (strings as typed,
    or typed values); with ``replace_overrides`` False they are added to the overrides already
    stored for the same profile. ProfileError (field → messages) when refused. Ledger:
    ``compliance.profile_set`` with before and after."""
    now = now or timezone.now()
    typed = profiles.parse_overrides(raw_overrides or {})
    with transaction.atomic():
        row = Deployment.objects.select_for_update().filter(pk=1).first()
        before_key = row.profile_key if row else profiles.DEFAULT_PROFILE
        before_overrides = profiles.decode_overrides(row.overrides) if row else {}
        merged = typed
        if not replace_overrides and before_key == key:
            merged = {**before_overrides, **typed}
            if "retention_days" in before_overrides and "retention_days" in typed:
                merged["retention_days"] = {**before_overrides["retention_days"], **typed["retention_days"]}
        after, differs = profiles.resolve(key, merged)
        before = profiles.get(before_key, before_overrides) if before_key in profiles.PROFILES else None
        if row is not None and before_key == key and profiles.encode_overrides(differs) == row.overrides:
            return row  # nothing changes: no event
        clocks_changed = before is None or any(getattr(before, f) != getattr(after, f)
                                               for f in ("acknowledge_days", "feedback_days"))
        if row is None:
            row = Deployment(pk=1, clocks_from=now)
        if clocks_changed and Deployment.objects.filter(pk=1).exists():
            row.clocks_from = now
        row.profile_key, row.overrides = key, profiles.encode_overrides(differs)
        row.changed_by, row.changed_at = acting_user, now
        row.save()
        record("compliance.profile_set", actor=actor, subject_type="deployment", subject_id="1", data={
            "before": _snapshot(before_key, before_overrides), "after": _snapshot(key, differs),
            "clocks_from": row.clocks_from.isoformat(),
        })
        transaction.on_commit(Deployment.forget_cached)
    Deployment.forget_cached()
    return row
