"""Every change to the registers: one function each, one transaction, one ledger event.

Each verb checks its input first and raises ``CaseError`` (a message in the person's language)
before anything is written. Dates are calendar dates in the deployment's time zone; none may lie
in the future (``today`` can be passed for tests and imports).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Division, Unit
from cluedesk.supervision.models import Notification
from cluedesk.vault import sealing

from .models import (
    OPTIONAL_STAGES,
    STAGE_ORDER,
    CaseStage,
    Counter,
    Fugitive,
    MajorCase,
    Official,
    Stage,
    Suspect,
    UmbrellaCase,
)

# the letter after the year in a register's numbers: 430181-2026-0007 (case), -U0007, -F0007
PREFIX = {"case": "", "umbrella": "U", "fugitive": "F"}


class CaseError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _not_future(value: dt.date | None, label: str, today: dt.date) -> None:
    if value is not None and value > today:
        raise CaseError(_("%(what)s cannot be in the future.") % {"what": label})


def _actor(user: Any) -> Actor:
    return Actor.staff(user) if user is not None else Actor.system("cases")


def _text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def next_number(kind: str, division: Division, year: int) -> str:
    """The next number in this register for the division and year; call inside a transaction.
    The counter row is locked, so two people opening cases at once get different numbers."""
    counter = Counter.objects.select_for_update().filter(kind=kind, division=division, year=year).first()
    if counter is None:
        counter = Counter.objects.create(kind=kind, division=division, year=year)
        counter = Counter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{division.code}-{year}-{PREFIX[kind]}{counter.last:04d}"


# --- major cases ------------------------------------------------------------------------------

def open_case(*, acting_user: Any, division: Division, title: str, opened_on: dt.date,
              level: str = MajorCase.Level.CITY, listed: bool = False, listed_on: dt.date | None = None,
              units: Iterable[Unit] = (), clues: Iterable[Any] = (), summary: str = "",
              today: dt.date | None = None) -> MajorCase:
    """Open a major case, directly or from clues (which must lie inside the case's division)."""
    today = _today(today)
    title = _text(title, 200)
    if not title:
        raise CaseError(_("Give the case a title."))
    if level not in MajorCase.Level.values:
        raise CaseError(_("Unknown supervising level."))
    _not_future(opened_on, _("The opening date"), today)
    if listed:
        listed_on = listed_on or opened_on
        _not_future(listed_on, _("The listing date"), today)
        if listed_on < opened_on:
            raise CaseError(_("A case cannot be listed for supervision before it was opened."))
    else:
        listed_on = None
    clues = list(clues)
    for clue in clues:
        if clue.division is None or not clue.division.path.startswith(division.path):
            raise CaseError(_("Clue %(clue)s lies outside the case's division.") % {"clue": clue.public_id})
    units = list(units)
    now = timezone.now()
    with transaction.atomic():
        case = MajorCase.objects.create(
            number=next_number("case", division, opened_on.year), title=title, summary=summary.strip(),
            division=division, opened_on=opened_on, level=level, listed=listed, listed_on=listed_on,
            created_by=acting_user, created_at=now, updated_at=now)
        case.units.set(units)
        case.clues.set(clues)
        record("case.opened", actor=_actor(acting_user), subject_type="major_case", subject_id=case.number,
               data={"division": division.code, "level": level, "listed": listed,
                     "listed_on": listed_on, "opened_on": opened_on, "units": [u.pk for u in units],
                     "clues": [c.public_id for c in clues]})
    return case


def update_listing(case: MajorCase, *, acting_user: Any, level: str, listed: bool,
                   listed_on: dt.date | None = None, today: dt.date | None = None) -> bool:
    """Change the supervising level or the listing. A repeated request changes nothing (False)."""
    today = _today(today)
    if level not in MajorCase.Level.values:
        raise CaseError(_("Unknown supervising level."))
    if listed:
        listed_on = listed_on or today
        _not_future(listed_on, _("The listing date"), today)
        if listed_on < case.opened_on:
            raise CaseError(_("A case cannot be listed for supervision before it was opened."))
    else:
        listed_on = None
    with transaction.atomic():
        locked = MajorCase.objects.select_for_update().get(pk=case.pk)
        before = {"level": locked.level, "listed": locked.listed, "listed_on": locked.listed_on}
        after = {"level": level, "listed": listed, "listed_on": listed_on}
        if before == after:
            return False
        MajorCase.objects.filter(pk=case.pk).update(**after, updated_at=timezone.now())
        record("case.listing_changed", actor=_actor(acting_user), subject_type="major_case",
               subject_id=locked.number, data={"from": before, "to": after})
    case.level, case.listed, case.listed_on = level, listed, listed_on
    return True


def link_clues(case: MajorCase, *, acting_user: Any, clues: Iterable[Any], units: Iterable[Unit] = ()) -> bool:
    """Add clues (from the case's division) and responsible units to a case."""
    clues = [c for c in clues if not case.clues.filter(pk=c.pk).exists()]
    units = [u for u in units if not case.units.filter(pk=u.pk).exists()]
    for clue in clues:
        if clue.division is None or not clue.division.path.startswith(case.division.path):
            raise CaseError(_("Clue %(clue)s lies outside the case's division.") % {"clue": clue.public_id})
    if not clues and not units:
        return False
    with transaction.atomic():
        MajorCase.objects.select_for_update().filter(pk=case.pk).first()
        case.clues.add(*clues)
        case.units.add(*units)
        MajorCase.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        record("case.linked", actor=_actor(acting_user), subject_type="major_case", subject_id=case.number,
               data={"clues": [c.public_id for c in clues], "units": [u.pk for u in units]})
    return True


def start_stage(case: MajorCase, *, acting_user: Any, stage: str, started_on: dt.date,
                deadline: dt.date | None = None, today: dt.date | None = None) -> CaseStage:
    """Begin the next stage. Stages follow the fixed order (only the appeal may be skipped); the
    stage before must be completed, and no later than this one starts."""
    today = _today(today)
    if stage not in STAGE_ORDER:
        raise CaseError(_("Unknown stage."))
    _not_future(started_on, _("The start date"), today)
    if deadline is not None and deadline < started_on:
        raise CaseError(_("The deadline cannot be before the start date."))
    if started_on < case.opened_on:
        raise CaseError(_("A stage cannot start before the case was opened."))
    with transaction.atomic():
        MajorCase.objects.select_for_update().filter(pk=case.pk).first()
        stages = list(CaseStage.objects.filter(case=case).order_by("position"))
        position = STAGE_ORDER.index(stage)
        if any(s.stage == stage for s in stages):
            raise CaseError(_("This stage has already been recorded for the case."))
        last = stages[-1] if stages else None
        expected = 0 if last is None else last.position + 1
        skippable = {i for i in range(expected, position) if STAGE_ORDER[i] in OPTIONAL_STAGES}
        if position < expected or set(range(expected, position)) - skippable:
            wanted = Stage(STAGE_ORDER[expected]).label if expected < len(STAGE_ORDER) else "—"
            raise CaseError(_("Stages follow a fixed order: the next stage of this case is “%(stage)s”.")
                            % {"stage": wanted})
        if last is not None and last.completed_on is None:
            raise CaseError(_("Complete the stage “%(stage)s” before starting the next one.")
                            % {"stage": last.get_stage_display()})
        if last is not None and last.completed_on is not None and started_on < last.completed_on:
            raise CaseError(_("A stage cannot start before the stage before it was completed."))
        row = CaseStage.objects.create(case=case, stage=stage, position=position, started_on=started_on,
                                       deadline=deadline)
        MajorCase.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        record("case.stage_started", actor=_actor(acting_user), subject_type="major_case", subject_id=case.number,
               data={"stage": stage, "started_on": started_on, "deadline": deadline})
    return row


def complete_stage(case: MajorCase, *, acting_user: Any, completed_on: dt.date,
                   today: dt.date | None = None) -> CaseStage:
    """Complete the case's current stage."""
    today = _today(today)
    _not_future(completed_on, _("The completion date"), today)
    with transaction.atomic():
        MajorCase.objects.select_for_update().filter(pk=case.pk).first()
        current = CaseStage.objects.filter(case=case).order_by("-position").first()
        if current is None:
            raise CaseError(_("The case has no stage to complete yet."))
        if current.completed_on is not None:
            raise CaseError(_("The stage “%(stage)s” is already completed.") % {"stage": current.get_stage_display()})
        if completed_on < current.started_on:
            raise CaseError(_("A stage cannot be completed before it started."))
        current.completed_on = completed_on
        current.save(update_fields=["completed_on"])
        MajorCase.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        record("case.stage_completed", actor=_actor(acting_user), subject_type="major_case",
               subject_id=case.number, data={"stage": current.stage, "completed_on": completed_on})
    return current


def add_suspect(case: MajorCase, *, acting_user: Any, name: str, role: str = Suspect.Role.MEMBER,
                is_reporter: bool = False, note: str = "") -> Suspect:
    """Add a suspect. A suspect who is also a reporter has the name sealed to the custodian's key
    (the server cannot read it back); only "reporter (sealed)" and a running number stay in clear."""
    name = _text(name, 64)
    if not name:
        raise CaseError(_("Give the suspect's name."))
    if role not in Suspect.Role.values:
        raise CaseError(_("Unknown role in the gang."))
    sealed = sealing.seal({"name": name}) if is_reporter else None  # slow work before the lock
    with transaction.atomic():
        MajorCase.objects.select_for_update().filter(pk=case.pk).first()
        n = Suspect.objects.filter(case=case).count() + 1
        suspect = Suspect.objects.create(case=case, name="" if is_reporter else name, role=role,
                                         is_reporter=is_reporter, sealed_identity=sealed, note=_text(note, 200))
        record("case.suspect_added", actor=_actor(acting_user), subject_type="major_case", subject_id=case.number,
               data={"suspect": suspect.pk, "n": n, "role": role, "sealed": is_reporter})
    return suspect


def discipline_unit_above(division: Division) -> Unit | None:
    """The nearest active discipline inspection commission in a division above this one."""
    codes = [c for c in division.path.split("/") if c][:-1]
    for code in reversed(codes):
        unit = Unit.objects.filter(division_id=code, type=Unit.Type.DISCIPLINE, active=True).order_by("pk").first()
        if unit is not None:
            return unit
    return None


def flag_no_umbrella(case: MajorCase, *, acting_user: Any, on: dt.date | None = None,
                     today: dt.date | None = None) -> Unit:
    """Flag "a gang, but no umbrella found" (有黑无伞) and remind the discipline body above."""
    today = _today(today)
    on = on or today
    _not_future(on, _("The date of the flag"), today)
    if on < case.opened_on:
        raise CaseError(_("The flag cannot be dated before the case was opened."))
    unit = discipline_unit_above(case.division)
    if unit is None:
        raise CaseError(_("No discipline inspection commission is registered above %(division)s; "
                          "register one before raising the reminder.") % {"division": case.division.name})
    with transaction.atomic():
        locked = MajorCase.objects.select_for_update().get(pk=case.pk)
        if locked.no_umbrella:
            raise CaseError(_("The case is already flagged; the reminder was sent on %(date)s.")
                            % {"date": locked.no_umbrella_on})
        MajorCase.objects.filter(pk=case.pk).update(no_umbrella=True, no_umbrella_on=on, updated_at=timezone.now())
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Gang without umbrella found: case %(number)s") % {"number": case.number}
            body = _("Case %(number)s (%(title)s, %(division)s) has found a gang but no protective umbrella. "
                     "Please pay close attention to the investigation of the umbrella behind it.") % {
                "number": case.number, "title": case.title, "division": case.division.name}
        Notification.objects.create(unit=unit, subject=subject[:200], body=body, created_at=timezone.now())
        record("case.no_umbrella_flagged", actor=_actor(acting_user), subject_type="major_case",
               subject_id=case.number, data={"on": on, "reminded_unit": unit.pk})
    case.no_umbrella, case.no_umbrella_on = True, on
    return unit


def escalate(case: MajorCase, *, acting_user: Any, units: Iterable[Unit], on: dt.date | None = None,
             today: dt.date | None = None) -> bool:
    """Send a joint working group: record the member units (added to any already there)."""
    today = _today(today)
    on = on or today
    _not_future(on, _("The escalation date"), today)
    if on < case.opened_on:
        raise CaseError(_("A case cannot be escalated before it was opened."))
    units = list(units)
    if not units:
        raise CaseError(_("Choose the member units of the joint working group."))
    with transaction.atomic():
        locked = MajorCase.objects.select_for_update().get(pk=case.pk)
        have = set(locked.working_group.values_list("pk", flat=True))
        new = [u for u in units if u.pk not in have]
        if not new:
            return False
        locked.working_group.add(*new)
        first = locked.escalated_on or on
        MajorCase.objects.filter(pk=case.pk).update(escalated_on=first, updated_at=timezone.now())
        record("case.escalated", actor=_actor(acting_user), subject_type="major_case", subject_id=case.number,
               data={"on": on, "units": [u.pk for u in new]})
    case.escalated_on = first
    return True


# --- umbrella investigations ------------------------------------------------------------------

def open_umbrella(*, acting_user: Any, division: Division, title: str, opened_on: dt.date,
                  handling_unit: Unit | None = None, cases: Iterable[MajorCase] = (), clues: Iterable[Any] = (),
                  summary: str = "", today: dt.date | None = None) -> UmbrellaCase:
    today = _today(today)
    title = _text(title, 200)
    if not title:
        raise CaseError(_("Give the investigation a title."))
    _not_future(opened_on, _("The opening date"), today)
    cases, clues = list(cases), list(clues)
    for c in cases:
        if not c.division.path.startswith(division.path) and not division.path.startswith(c.division.path):
            raise CaseError(_("Case %(number)s is not in this division or above it.") % {"number": c.number})
    with transaction.atomic():
        inv = UmbrellaCase.objects.create(
            number=next_number("umbrella", division, opened_on.year), title=title, division=division,
            handling_unit=handling_unit, opened_on=opened_on, summary=summary.strip(), created_by=acting_user,
            created_at=timezone.now())
        inv.cases.set(cases)
        inv.clues.set(clues)
        record("umbrella.opened", actor=_actor(acting_user), subject_type="umbrella_case", subject_id=inv.number,
               data={"division": division.code, "opened_on": opened_on, "cases": [c.number for c in cases],
                     "clues": [c.public_id for c in clues]})
    return inv


def add_official(inv: UmbrellaCase, *, acting_user: Any, name: str, position: str, organisation: str,
                 division: Division | None = None, unit: Unit | None = None) -> Official:
    name, position, organisation = _text(name, 64), _text(position, 120), _text(organisation, 120)
    if not name or not position or not organisation:
        raise CaseError(_("Give the official's name, position and organisation."))
    division = division or inv.division
    if not division.path.startswith(inv.division.path):
        raise CaseError(_("The official's division must lie inside the investigation's division."))
    with transaction.atomic():
        UmbrellaCase.objects.select_for_update().filter(pk=inv.pk).first()
        official = Official.objects.create(case=inv, name=name, position=position, organisation=organisation,
                                           unit=unit, division=division)
        record("umbrella.official_added", actor=_actor(acting_user), subject_type="umbrella_case",
               subject_id=inv.number, data={"official": official.pk, "position": position,
                                            "organisation": organisation, "division": division.code})
    return official


OUTCOMES = ("discipline", "sanction", "transfer")


def record_outcome(official: Official, *, acting_user: Any, kind: str, on: dt.date, detail: str = "",
                   today: dt.date | None = None) -> Official:
    """Record one outcome for an official: party discipline, an administrative sanction, or the
    transfer to judicial organs. Each outcome is recorded once."""
    today = _today(today)
    if kind not in OUTCOMES:
        raise CaseError(_("Unknown outcome."))
    _not_future(on, _("The date of the outcome"), today)
    detail = _text(detail, 120)
    with transaction.atomic():
        locked = Official.objects.select_for_update().select_related("case").get(pk=official.pk)
        if on < locked.case.opened_on:
            raise CaseError(_("An outcome cannot be dated before the investigation was opened."))
        field = {"discipline": "discipline_on", "sanction": "sanction_on", "transfer": "transferred_on"}[kind]
        if getattr(locked, field) is not None:
            raise CaseError(_("This outcome was already recorded on %(date)s.") % {"date": getattr(locked, field)})
        if kind in ("discipline", "sanction") and not detail:
            raise CaseError(_("Say which discipline or sanction was imposed."))
        setattr(locked, field, on)
        if kind == "discipline":
            locked.discipline = detail
        elif kind == "sanction":
            locked.sanction = detail
        locked.save()
        record("umbrella.outcome_recorded", actor=_actor(acting_user), subject_type="umbrella_case",
               subject_id=locked.case.number, data={"official": locked.pk, "kind": kind, "on": on, "detail": detail})
    return locked


# --- fugitives --------------------------------------------------------------------------------

def list_fugitive(*, acting_user: Any, case: MajorCase, name: str, at_large_since: dt.date,
                  listed_on: dt.date | None = None, division: Division | None = None, id_number: str = "",
                  sex: str = "", birth_year: int | None = None, residence: str = "", household: str = "",
                  abroad: bool = False, today: dt.date | None = None) -> Fugitive:
    """Put a person on the target list. The ID number is sealed to the custodian's key; only its
    last four characters stay in clear, to tell people apart."""
    today = _today(today)
    name = _text(name, 64)
    if not name:
        raise CaseError(_("Give the fugitive's name."))
    listed_on = listed_on or today
    _not_future(at_large_since, _("The date since when the person is at large"), today)
    _not_future(listed_on, _("The listing date"), today)
    if listed_on < at_large_since:
        raise CaseError(_("A person cannot be listed as a target before being at large."))
    if birth_year is not None and not (1900 <= birth_year <= today.year):
        raise CaseError(_("The year of birth is not plausible."))
    if sex not in ("", "m", "f"):
        raise CaseError(_("Unknown sex."))
    division = division or case.division
    if not division.path.startswith(case.division.path) and not case.division.path.startswith(division.path):
        raise CaseError(_("The fugitive's division must be the case's division, above it or inside it."))
    id_number = "".join((id_number or "").split()).upper()
    sealed = sealing.seal({"id_number": id_number}) if id_number else None
    with transaction.atomic():
        fugitive = Fugitive.objects.create(
            number=next_number("fugitive", division, listed_on.year), case=case, division=division, name=name,
            sex=sex, birth_year=birth_year, sealed_identity=sealed, id_hint=id_number[-4:],
            at_large_since=at_large_since, listed_on=listed_on, residence=_text(residence, 120),
            household=_text(household, 120), abroad=abroad, created_at=timezone.now())
        record("fugitive.listed", actor=_actor(acting_user), subject_type="fugitive", subject_id=fugitive.number,
               data={"case": case.number, "division": division.code, "at_large_since": at_large_since,
                     "listed_on": listed_on, "abroad": abroad, "id_sealed": sealed is not None})
    return fugitive


def change_status(fugitive: Fugitive, *, acting_user: Any, status: str, on: dt.date,
                  today: dt.date | None = None) -> Fugitive:
    """Record that a target was arrested, surrendered, persuaded to return or died. Every one of
    these ends the pursuit: a second change is refused (a person is not caught twice)."""
    today = _today(today)
    if status not in Fugitive.Status.values or status == Fugitive.Status.AT_LARGE:
        raise CaseError(_("Choose what happened: arrested, surrendered, persuaded to return or deceased."))
    _not_future(on, _("The date"), today)
    with transaction.atomic():
        locked = Fugitive.objects.select_for_update().get(pk=fugitive.pk)
        if locked.status != Fugitive.Status.AT_LARGE:
            if locked.caught and status in Fugitive.CAUGHT:
                raise CaseError(_("%(name)s was already caught (%(status)s on %(date)s).") % {
                    "name": locked.name, "status": locked.get_status_display(), "date": locked.status_on})
            raise CaseError(_("The pursuit of %(name)s is closed (%(status)s on %(date)s); the status cannot change.")
                            % {"name": locked.name, "status": locked.get_status_display(), "date": locked.status_on})
        if on < locked.at_large_since:
            raise CaseError(_("The date cannot be before the person was at large."))
        before = locked.status
        locked.status, locked.status_on = status, on
        locked.save(update_fields=["status", "status_on"])
        record("fugitive.status_changed", actor=_actor(acting_user), subject_type="fugitive",
               subject_id=locked.number, data={"from": before, "to": status, "on": on})
    return locked
