"""Key regions: divisions that need the national office's attention, computed from indicators
over the facts table, adjusted by hand, and versioned.

Indicators, per division at ``level`` (default: city) over the last ``months`` months:

* ``density``: clues received at least twice the median of its peers;
* ``low_verification``: verification rate at least 10 points below the national rate (with at
  least 5 clues dispatched);
* ``overdue``: overdue clues are at least a fifth of its dispatched clues;
* ``umbrella``: umbrella clues are at least a tenth of its valid clues.

A division meeting two or more indicators is on the computed list; manual additions and removals
(``KeyRegionOverride``) apply on top. Every recomputation or adjustment makes a new version with
one ledger event; the page shows what changed from one version to the next.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import ROOT_CODE, Division

from . import stats
from .models import Fact, KeyRegionEntry, KeyRegionOverride, KeyRegionVersion

INDICATORS = {
    "density": gettext_lazy("many clues (at least twice the median of its peers)"),
    "low_verification": gettext_lazy("verification rate 10 points or more below the national rate"),
    "overdue": gettext_lazy("overdue clues are at least a fifth of those dispatched"),
    "umbrella": gettext_lazy("umbrella clues are at least a tenth of the valid ones"),
}


class KeyRegionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def indicators(start: dt.date, end: dt.date, level: int = 2) -> dict[str, list[str]]:
    """Division code → the indicators it meets."""
    sums: dict[str, dict[str, int]] = {}
    keys = ("clues", "valid", "dispatched", "concluded", "overdue", "umbrella")
    for code, *values in Fact.objects.filter(level=level, month__gte=start, month__lte=end).values_list(
            "division_id", *keys):
        cell = sums.setdefault(code, {})
        for k, v in zip(keys, values, strict=True):
            cell[k] = cell.get(k, 0) + v
    if not sums:
        return {}
    nation = stats.one(Division.objects.get(code=ROOT_CODE), start, end)
    national_rate = nation.verification_rate or 0.0
    median = statistics.median([c["clues"] for c in sums.values()]) or 0
    out: dict[str, list[str]] = {}
    for code, c in sums.items():
        met = []
        if median and c["clues"] >= 2 * median:
            met.append("density")
        if c["dispatched"] >= 5 and c["concluded"] / c["dispatched"] <= national_rate - 0.10:
            met.append("low_verification")
        if c["dispatched"] and c["overdue"] / c["dispatched"] >= 0.20:
            met.append("overdue")
        if c["valid"] and c["umbrella"] / c["valid"] >= 0.10:
            met.append("umbrella")
        if met:
            out[code] = met
    return out


def current() -> KeyRegionVersion | None:
    return KeyRegionVersion.objects.order_by("-number").first()


def _new_version(reason: str, user: Any, start: dt.date, end: dt.date, level: int) -> KeyRegionVersion:
    found = indicators(start, end, level)
    needed = settings.CLUEDESK_KEY_REGION_MIN_INDICATORS
    computed = {code for code, met in found.items() if len(met) >= needed}
    overrides = {o.division_id: o.kind for o in KeyRegionOverride.objects.filter(active=True)}
    chosen = (computed | {c for c, k in overrides.items() if k == "add"}) - {c for c, k in overrides.items()
                                                                             if k == "remove"}
    number = (KeyRegionVersion.objects.aggregate(m=Max("number"))["m"] or 0) + 1
    version = KeyRegionVersion.objects.create(number=number, created_at=timezone.now(), created_by=user,
                                              reason=reason[:300], start=start, end=end, level=level)
    KeyRegionEntry.objects.bulk_create([
        KeyRegionEntry(version=version, division_id=code,
                       source=KeyRegionEntry.Source.COMPUTED if code in computed else KeyRegionEntry.Source.ADDED,
                       reasons=found.get(code, []))
        for code in sorted(chosen)])
    previous = KeyRegionVersion.objects.filter(number=number - 1).first()
    before = set(previous.entries.values_list("division_id", flat=True)) if previous else set()
    record("keyregions.version", actor=Actor.staff(user) if user else Actor.system("key-regions"),
           subject_type="keyregions", subject_id=number,
           data={"reason": reason[:300], "from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}", "level": level,
                 "divisions": sorted(chosen), "added": sorted(chosen - before), "removed": sorted(before - chosen)})
    return version


def recompute(*, user: Any = None, months: int = 3, level: int = 2, end: dt.date | None = None,
              reason: str = "") -> KeyRegionVersion:
    end = end or stats.add_months(stats.month_of(timezone.now()), -1)
    start = stats.add_months(end, -(months - 1))
    with transaction.atomic():
        return _new_version(reason, user, start, end, level)  # blank: shown as "recomputed from the indicators"


def adjust(division: Division, kind: str, *, user: Any, reason: str) -> KeyRegionVersion:
    """Add a division to the list by hand, remove it, or withdraw the manual change (``kind`` "clear")."""
    reason = (reason or "").strip()
    if kind not in ("add", "remove", "clear"):
        raise KeyRegionError(_("Choose add, remove or withdraw."))
    if not reason:
        raise KeyRegionError(_("Say why the list is adjusted."))
    if len(reason) > 300:
        raise KeyRegionError(_("The reason is too long (at most 300 characters)."))
    with transaction.atomic():
        base = current()
        start, end, level = (base.start, base.end, base.level) if base else (
            stats.add_months(stats.month_of(timezone.now()), -3), stats.add_months(stats.month_of(timezone.now()), -1), 2)
        KeyRegionOverride.objects.filter(division=division, active=True).update(active=False)
        if kind != "clear":
            KeyRegionOverride.objects.create(division=division, kind=kind, reason=reason, created_by=user,
                                             created_at=timezone.now())
        label = {"add": _("added %(name)s by hand: %(reason)s"), "remove": _("removed %(name)s by hand: %(reason)s"),
                 "clear": _("withdrew the manual change on %(name)s: %(reason)s")}[kind]
        return _new_version(label % {"name": division.name, "reason": reason}, user, start, end, level)


def diff(version: KeyRegionVersion) -> tuple[list[str], list[str]]:
    previous = KeyRegionVersion.objects.filter(number=version.number - 1).first()
    now = set(version.entries.values_list("division_id", flat=True))
    before = set(previous.entries.values_list("division_id", flat=True)) if previous else set()
    names = dict(Division.objects.filter(code__in=now ^ before).values_list("code", "name"))
    return sorted(names[c] for c in now - before), sorted(names[c] for c in before - now)
