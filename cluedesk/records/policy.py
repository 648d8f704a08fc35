"""What the retention policy says: the periods in force, their limits, and which clues are due.

The periods come from the deployment profile (``cluedesk.deployment.profiles``): days after a
clue is closed, per conclusion outcome, ``None`` meaning keep. A clue is *closed* when it is
concluded or reviewed (measured from ``concluded_at``, outcome of its final conclusion), closed
as invalid (outcome ``default``) or transferred (outcome ``transferred``), the last two measured
from the ledger event that closed them. Merged clues have no data of their own (their reports
moved) and are never candidates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from cluedesk.clues.models import Clue, Conclusion, split_outcomes
from cluedesk.deployment import profiles
from cluedesk.ledger.models import Event

# A conclusion may be reviewed and reopened, and a reporter may ask for feedback for up to six
# months (EU directive art. 11(2)(d)); nothing is deleted sooner.
MIN_RETENTION_DAYS = 180
MAX_RETENTION_DAYS = 36500
OUTCOME_KEYS = (*Conclusion.Outcome.values, "default")

S = Clue.State
CONCLUDED = (S.CONCLUDED, S.REVIEWED)
CLOSING_VERBS = {S.INVALID: "clue.screen_invalid", S.TRANSFERRED: "clue.transfer"}


class RetentionError(ValueError):
    """A refusal a person can act on; ``message`` is in their language. A ValueError, as the
    registry's ``profile_validators`` raise."""

    def __init__(self, message: Any, code: str = "invalid") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


def outcome_label(key: str) -> str:
    if key == "default":
        return _("any other closed clue (invalid, no final outcome)")
    return str(dict(Conclusion.Outcome.choices).get(key, key))


def validate_periods(table: dict[str, Any]) -> dict[str, int | None]:
    """Check a retention table (outcome → days or None); raise RetentionError naming the first
    impossible value."""
    clean: dict[str, int | None] = {}
    for key, value in table.items():
        if key not in OUTCOME_KEYS:
            raise RetentionError(_("Unknown outcome “%(key)s” in the retention periods.") % {"key": key}, "outcome")
        if value is None or value == "":
            clean[key] = None
            continue
        try:
            if isinstance(value, bool | float):
                raise ValueError
            days = int(str(value).strip())
        except (TypeError, ValueError):
            raise RetentionError(_("The retention period for “%(outcome)s” must be a whole number of days.")
                                 % {"outcome": outcome_label(key)}, "not_a_number") from None
        if days < 0:
            raise RetentionError(_("The retention period for “%(outcome)s” cannot be negative (%(days)d days).")
                                 % {"outcome": outcome_label(key), "days": days}, "negative")
        if days < MIN_RETENTION_DAYS:
            raise RetentionError(_("The retention period for “%(outcome)s” is %(days)d days, shorter than the "
                                   "minimum of %(min)d days after closing.")
                                 % {"outcome": outcome_label(key), "days": days, "min": MIN_RETENTION_DAYS},
                                 "below_minimum")
        if days > MAX_RETENTION_DAYS:
            raise RetentionError(_("The retention period for “%(outcome)s” is longer than %(max)d days; leave it "
                                   "empty to keep without limit.") % {"outcome": outcome_label(key),
                                                                      "max": MAX_RETENTION_DAYS}, "too_long")
        clean[key] = days
    return clean


def check_profile(profile: profiles.Profile) -> None:
    """The retention job's own rule (a legal minimum), checked before an admin's overrides are
    stored: registered in the registry's ``profile_validators`` (RecordsConfig.ready)."""
    validate_periods(dict(profile.retention_days))


def periods_in_force() -> tuple[profiles.Profile, dict[str, int | None]]:
    """The profile in force and its checked periods (RetentionError when they are impossible)."""
    profile = profiles.current()
    return profile, validate_periods(dict(profile.retention_days))


def days_for(periods: dict[str, int | None], outcome: str) -> int | None:
    return periods[outcome] if outcome in periods else periods.get("default")


@dataclass
class Candidate:
    clue_id: int
    public_id: str
    division_id: str | None
    state: str
    outcome: str
    closed_at: dt.datetime
    days: int | None
    due_at: dt.datetime | None
    hold_id: int | None = None
    hold_reason: str = ""

    @property
    def held(self) -> bool:
        return self.hold_id is not None

    def is_due(self, now: dt.datetime) -> bool:
        return self.due_at is not None and self.due_at <= now

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome)


def final_outcomes(clue_ids: list[int], periods: dict[str, int | None] | None = None) -> dict[int, str]:
    """Each clue's final conclusion's main outcome; with ``periods``, of its outcomes (a case and a
    discipline referral) the one kept longest, so that no outcome's retention is cut short."""
    latest: dict[int, tuple[int, str]] = {}
    for start in range(0, len(clue_ids), 2000):
        chunk = clue_ids[start:start + 2000]
        for clue_id, pk, outcome, also in Conclusion.objects.filter(
                clue_id__in=chunk, final=True, superseded=False).values_list("clue_id", "pk", "outcome",
                                                                             "also_outcomes"):
            if clue_id not in latest or pk > latest[clue_id][0]:
                if periods is not None and also:
                    outcome = _kept_longest(periods, [outcome, *split_outcomes(also)])
                latest[clue_id] = (pk, outcome)
    return {cid: outcome for cid, (_pk, outcome) in latest.items()}


def _kept_longest(periods: dict[str, int | None], outcomes: list[str]) -> str:
    def days(outcome: str) -> float:
        n = days_for(periods, outcome)
        return float("inf") if n is None else n

    return max(outcomes, key=days)  # the first of equals: the main outcome


def candidates(periods: dict[str, int | None], clues: Any = None) -> list[Candidate]:
    """Every closed, not yet purged clue (of ``clues``, a Clue queryset, by default all), with
    its outcome, when it closed, its period, when it falls due and its active hold."""
    from .models import LegalHold

    qs = clues if clues is not None else Clue.objects.all()
    qs = qs.filter(state__in=[*CONCLUDED, S.INVALID, S.TRANSFERRED], purge__isnull=True)
    closing = Event.objects.filter(subject_type="clue", subject_id=OuterRef("public_id"),
                                   verb__in=list(CLOSING_VERBS.values())).values("subject_id").annotate(
        at=Max("created_at")).values("at")
    rows = list(qs.annotate(closing_event_at=Subquery(closing)).values_list(
        "pk", "public_id", "division_id", "state", "concluded_at", "closing_event_at").order_by("pk"))
    outcomes = final_outcomes([r[0] for r in rows if r[3] in CONCLUDED], periods)
    holds = dict(LegalHold.objects.filter(released_at__isnull=True, clue_id__in=[r[0] for r in rows])
                 .values_list("clue_id", "pk")) if rows else {}
    reasons = dict(LegalHold.objects.filter(pk__in=list(holds.values())).values_list("pk", "reason")) if holds else {}
    out: list[Candidate] = []
    for pk, public_id, division_id, state, concluded_at, closing_at in rows:
        if state in CONCLUDED:
            outcome, closed_at = outcomes.get(pk, "default"), concluded_at
        elif state == S.TRANSFERRED:
            outcome, closed_at = "transferred", closing_at
        else:
            outcome, closed_at = "default", closing_at
        if closed_at is None:
            continue  # no moment to measure from: kept (never guessed)
        days = days_for(periods, outcome)
        due_at = closed_at + dt.timedelta(days=days) if days is not None else None
        hold = holds.get(pk)
        out.append(Candidate(pk, public_id, division_id, state, outcome, closed_at, days, due_at, hold,
                             reasons.get(hold, "") if hold else ""))
    return out


def due(periods: dict[str, int | None], now: dt.datetime, clues: Any = None) -> list[Candidate]:
    return [c for c in candidates(periods, clues) if c.is_due(now)]
