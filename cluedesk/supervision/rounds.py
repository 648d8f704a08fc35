"""Inspection rounds: teams, the divisions they visit, clues handed to units with a deadline, and
the round's report (handed over, concluded, cases found, overdue). One ledger event per act."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluedesk.clues.conflicts import barred_unit_ids
from cluedesk.clues.models import Clue, Conclusion, has_outcome
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Division, Unit

from .models import Handover, InspectionRound, InspectionTeam
from .stats import CONCLUDED_STATES


class RoundError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(value: str | None, what: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise RoundError(_("%(what)s is required.") % {"what": what})
    if len(text) > limit:
        raise RoundError(_("%(what)s is too long (at most %(n)d characters).") % {"what": what, "n": limit})
    return text


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise RoundError(_("%(what)s must be a date (YEAR-MONTH-DAY).") % {"what": what}) from None


def create_round(*, user: Any, name: str, division: Division, starts: Any, ends: Any) -> InspectionRound:
    name = _text(name, _("A name"), 120)
    starts, ends = _date(starts, _("The first day")), _date(ends, _("The last day"))
    if ends < starts:
        raise RoundError(_("The round ends before it starts."))
    with transaction.atomic():
        r = InspectionRound.objects.create(name=name, division=division, starts=starts, ends=ends, created_by=user,
                                           created_at=timezone.now())
        record("round.create", actor=Actor.staff(user), subject_type="round", subject_id=r.pk,
               data={"division": division.code, "starts": str(starts), "ends": str(ends)})
        return r


def add_team(r: InspectionRound, *, user: Any, name: str, leader: str = "",
             divisions: list[Division] | None = None) -> InspectionTeam:
    name = _text(name, _("A team name"), 120)
    leader = _text(leader, _("The leader"), 120, required=False)
    divisions = divisions or []
    outside = [d.name for d in divisions if not d.path.startswith(r.division.path)]
    if outside:
        raise RoundError(_("%(names)s is outside the round's area.") % {"names": ", ".join(outside)})
    with transaction.atomic():
        try:
            with transaction.atomic():
                team = InspectionTeam.objects.create(round=r, name=name, leader=leader)
        except IntegrityError:
            raise RoundError(_("This round already has a team with that name.")) from None
        team.divisions.set(divisions)
        record("round.team", actor=Actor.staff(user), subject_type="round", subject_id=r.pk,
               data={"team": team.pk, "divisions": [d.code for d in divisions]})
        return team


def hand_over(r: InspectionRound, *, user: Any, team: InspectionTeam, clue: Clue, unit: Unit,
              days: Any) -> Handover:
    """Record that ``team`` handed ``clue`` to ``unit`` to verify within ``days`` days."""
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise RoundError(_("The deadline is a number of days.")) from None
    if not 1 <= days <= 365:
        raise RoundError(_("The deadline is between 1 and 365 days."))
    if team.round_id != r.pk:
        raise RoundError(_("That team belongs to another round."))
    if clue.division is None or not clue.division.path.startswith(r.division.path):
        raise RoundError(_("That clue is outside the round's area."))
    if unit.pk in barred_unit_ids(clue):
        raise RoundError(_("%(unit)s is implicated by this clue and may not receive it.") % {"unit": unit.name})
    with transaction.atomic():
        deadline = timezone.localdate() + dt.timedelta(days=days)
        try:
            with transaction.atomic():
                h = Handover.objects.create(round=r, team=team, clue=clue, unit=unit, deadline=deadline,
                                            handed_by=user, handed_at=timezone.now())
        except IntegrityError:
            raise RoundError(_("This clue was already handed over in this round.")) from None
        record("round.handover", actor=Actor.staff(user), subject_type="clue", subject_id=clue.public_id,
               data={"round": r.pk, "team": team.pk, "unit": unit.pk, "deadline": str(deadline)})
        return h


@dataclass
class RoundReport:
    handed_over: int
    concluded: int
    cases: int
    overdue: int
    by_team: list[tuple[InspectionTeam, int, int, int]]


def report(r: InspectionRound, today: dt.date | None = None) -> RoundReport:
    today = today or timezone.localdate()
    rows = list(r.handovers.select_related("clue", "team"))
    clue_ids = [h.clue_id for h in rows]
    cases = set(Conclusion.objects.filter(has_outcome(Conclusion.Outcome.CRIMINAL_CASE), clue_id__in=clue_ids,
                                          final=True, superseded=False).values_list("clue_id", flat=True))
    per_team: dict[int, list[int]] = {}
    totals = [0, 0, 0, 0]
    for h in rows:
        done = h.clue.state in CONCLUDED_STATES
        found = done and h.clue_id in cases
        late = not done and h.deadline < today
        vec = [1, int(done), int(found), int(late)]
        t = per_team.setdefault(h.team_id, [0, 0, 0, 0])
        for i, v in enumerate(vec):
            t[i] += v
            totals[i] += v
    teams = {t.pk: t for t in r.teams.all()}
    return RoundReport(handed_over=totals[0], concluded=totals[1], cases=totals[2], overdue=totals[3], by_team=[(teams[k], v[0], v[1], v[2]) for k, v in sorted(per_team.items())])
