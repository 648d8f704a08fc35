"""Supervision verbs: the escalation scan, notices, monthly random checks, auditors' checks,
bulletin issue. Each verb runs in one transaction and writes one ledger event.

Escalation does not move the clue itself: the clue's verbs (``cluedesk.clues.services``) are acts
of a named dispatcher, and a scheduled job is not one. An escalation is an *order* recorded in the
supervision ledger (upgrade to the unit above, off-site to a named unit, or full-process tracking
by a named supervisor), announced to the units concerned in the app and by e-mail; the dispatcher
carries it out with the clue's own ``reassign`` verb, and the scan closes the item when the clue
no longer meets the flag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cluedesk.clues.conflicts import barred_unit_ids
from cluedesk.clues.models import Clue
from cluedesk.intake.models import Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Division, Membership, Role, Unit

from . import notice_wording
from .models import Notification, SampleItem, SampleMonth, SupervisionItem
from .stats import CONCLUDED_STATES, OPEN_DISPATCHED, add_months, ancestors

F_ = SupervisionItem.Flag
A = SupervisionItem.Action

DEFAULT_POLICY: dict[str, Any] = {
    "long_open_days": 60,      # dispatched and still not concluded this many days after receipt
    "repeat_reports": 3,       # reported this many times or more
    "actions": {
        F_.OVERDUE: A.UPGRADE,
        F_.LONG_OPEN: A.TRACK,
        F_.REPEATED: A.OFFSITE,
        F_.REPEAT_AFTER: A.TRACK,
        F_.UMBRELLA: A.UPGRADE,
    },
}


def policy() -> dict[str, Any]:
    custom = settings.CLUEDESK_SUPERVISION_POLICY
    merged = {**DEFAULT_POLICY, **custom}
    merged["actions"] = {**DEFAULT_POLICY["actions"], **custom.get("actions", {})}
    return merged


class SupervisionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- flags ------------------------------------------------------------------------------------

def flagged(now: dt.datetime) -> dict[str, set[int]]:
    """Clue ids meeting each flag now."""
    p = policy()
    open_dispatched = Clue.objects.filter(state__in=OPEN_DISPATCHED)
    closed = (Clue.State.INVALID, Clue.State.TRANSFERRED, Clue.State.MERGED)
    later_report = Report.objects.filter(clue=OuterRef("pk"), created_at__gt=OuterRef("concluded_at"))
    return {
        F_.OVERDUE: set(open_dispatched.filter(deadline__lt=now).values_list("pk", flat=True)),
        F_.LONG_OPEN: set(open_dispatched.filter(
            created_at__lt=now - dt.timedelta(days=int(p["long_open_days"]))).values_list("pk", flat=True)),
        F_.REPEATED: set(Clue.objects.exclude(state__in=(*closed, *CONCLUDED_STATES))
                         .filter(report_count__gte=int(p["repeat_reports"])).values_list("pk", flat=True)),
        F_.REPEAT_AFTER: set(Clue.objects.filter(state__in=CONCLUDED_STATES, concluded_at__isnull=False)
                             .filter(Exists(later_report)).values_list("pk", flat=True)),
        F_.UMBRELLA: set(Clue.objects.filter(umbrella=True).exclude(state__in=(*closed, *CONCLUDED_STATES))
                         .values_list("pk", flat=True)),
    }


def _unit_above(clue: Clue) -> Unit | None:
    barred = barred_unit_ids(clue)
    unit = clue.unit
    while unit is not None and unit.parent is not None:
        unit = unit.parent
        if unit.active and unit.pk not in barred:
            return unit
    if clue.division is not None:  # not assigned: the office of the division above
        for code in reversed(ancestors(clue.division.path)[:-1]):
            candidate = Unit.objects.filter(division_id=code, active=True).exclude(pk__in=barred).order_by("pk").first()
            if candidate is not None:
                return candidate
    return None


def _offsite_unit(clue: Clue) -> Unit | None:
    """An active unit of a sibling division (same parent, another division), not barred."""
    if clue.division is None or clue.division.parent_id is None:
        return None
    barred = barred_unit_ids(clue)
    return (Unit.objects.filter(active=True, division__parent_id=clue.division.parent_id)
            .exclude(division_id=clue.division_id).exclude(pk__in=barred).order_by("division_id", "pk").first())


def _tracking_supervisor(clue: Clue) -> Any:
    """A named supervisor in the nearest unit above the clue's (or its division's) office."""
    barred = barred_unit_ids(clue)
    codes = list(reversed(ancestors(clue.division.path))) if clue.division else []
    for code in codes[1:] or codes:
        m = (Membership.objects.filter(role=Role.SUPERVISOR, unit__division_id=code, unit__active=True)
             .exclude(unit_id__in=barred).select_related("user").order_by("unit_id", "user_id").first())
        if m is not None:
            return m.user
    return None


@dataclass
class ScanResult:
    escalated: list[SupervisionItem] = field(default_factory=list)
    closed: int = 0


def scan(now: dt.datetime | None = None) -> ScanResult:
    """Open an item (and escalate) for each clue newly meeting a flag; close items whose clue no
    longer meets it. Each item is its own transaction, so a crash part-way loses nothing and a
    rerun repeats nothing (one open item per clue and flag)."""
    now = now or timezone.now()
    result = ScanResult()
    current = flagged(now)
    actions = policy()["actions"]
    for flag, ids in current.items():
        already = set(SupervisionItem.objects.filter(flag=flag, status="open").values_list("clue_id", flat=True))
        for clue_id in sorted(ids - already):
            item = escalate(clue_id, flag, actions.get(flag, A.WATCH), now=now)
            if item is not None:
                result.escalated.append(item)
        for item_id in SupervisionItem.objects.filter(flag=flag, status="open").exclude(
                clue_id__in=ids).values_list("pk", flat=True):
            if close_item(item_id, now=now):
                result.closed += 1
    return result


def escalate(clue_id: int, flag: str, action: str, *, now: dt.datetime | None = None) -> SupervisionItem | None:
    now = now or timezone.now()
    with transaction.atomic():
        clue = Clue.objects.select_for_update(of=("self",)).select_related("division", "unit").filter(pk=clue_id).first()
        if clue is None or SupervisionItem.objects.filter(clue=clue, flag=flag, status="open").exists():
            return None
        target = supervisor = None
        if action == A.UPGRADE:
            target = _unit_above(clue)
        elif action == A.OFFSITE:
            target = _offsite_unit(clue)
        if action in (A.TRACK, A.UPGRADE, A.OFFSITE):
            supervisor = _tracking_supervisor(clue)
        if action in (A.UPGRADE, A.OFFSITE) and target is None:
            action = A.TRACK  # nowhere to send it: track it closely instead
        item = SupervisionItem.objects.create(clue=clue, flag=flag, action=action, target_unit=target,
                                              supervisor=supervisor, opened_at=now)
        record("supervision.escalate", actor=Actor.system("escalation-scan"), subject_type="clue",
               subject_id=clue.public_id, data={"item": item.pk, "flag": flag, "action": action,
                                                "target_unit": target.pk if target else None,
                                                "supervisor": supervisor.pk if supervisor else None})
        _notify(item)
        return item


def close_item(item_id: int, *, now: dt.datetime | None = None) -> bool:
    with transaction.atomic():
        item = SupervisionItem.objects.select_for_update().select_related("clue").filter(pk=item_id, status="open").first()
        if item is None:
            return False
        item.status, item.closed_at = SupervisionItem.Status.CLOSED, now or timezone.now()
        item.save(update_fields=["status", "closed_at"])
        record("supervision.close", actor=Actor.system("escalation-scan"), subject_type="clue",
               subject_id=item.clue.public_id, data={"item": item.pk, "flag": item.flag, "state": item.clue.state})
        return True


def _notify(item: SupervisionItem) -> None:
    """In-app notice to the units concerned, and e-mail to their members (after commit)."""
    clue = item.clue
    units = [u for u in (clue.unit, item.target_unit) if u is not None]
    if not units and clue.division is not None:
        units = list(Unit.objects.filter(division=clue.division, active=True)[:1])
    flag = str(dict(SupervisionItem.Flag.choices)[item.flag])
    action = str(dict(SupervisionItem.Action.choices)[item.action])
    subject = _("Supervision: clue %(clue)s — %(flag)s") % {"clue": clue.public_id, "flag": flag}
    lines = [_("Clue %(clue)s was put under supervision: %(flag)s.") % {"clue": clue.public_id, "flag": flag},
             _("Ordered: %(action)s.") % {"action": action}]
    if item.target_unit is not None:
        lines.append(_("Unit to take it: %(unit)s.") % {"unit": item.target_unit.name})
    if item.supervisor is not None:
        lines.append(_("Tracked by: %(name)s.") % {"name": item.supervisor.get_full_name() or item.supervisor.username})
    lines.append(f"{settings.SITE_URL}/staff/clues/{clue.public_id}/")
    body = "\n".join(lines)
    recipients: set[str] = set()
    for unit in dict.fromkeys(units):
        Notification.objects.create(unit=unit, item=item, subject=subject[:200], body=body, created_at=item.opened_at)
        recipients |= set(get_user_model().objects.filter(memberships__unit=unit, is_active=True)
                          .exclude(email="").values_list("email", flat=True))
    if item.supervisor is not None and item.supervisor.email:
        recipients.add(item.supervisor.email)
    if recipients:
        to = sorted(recipients)
        mail_subject, mail_body = in_every_language(subject, body)
        transaction.on_commit(lambda: send_mail(mail_subject, mail_body, None, to, fail_silently=True))


def in_every_language(subject: str, body: str) -> tuple[str, str]:
    """A notice for e-mail: it is sent once to people who each read their own language, and
    no one's language is known when it leaves (the escalation scan writes in the site's), so the
    subject and the body carry every language the site offers, the site's own first."""
    codes = sorted((code for code, _name in settings.LANGUAGES),
                   key=lambda code: code != settings.LANGUAGE_CODE)
    subjects: list[str] = []
    bodies: list[str] = []
    for code in codes:
        with translation.override(code):
            for out, text in ((subjects, subject), (bodies, body)):
                worded = notice_wording.localize(text)
                if worded not in out:
                    out.append(worded)
    return " / ".join(subjects), "\n\n".join(bodies)


def mark_read(notice: Notification) -> None:
    Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())


# --- monthly random checks --------------------------------------------------------------------

def _month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def seed_hash(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def order_key(seed: str, public_id: str) -> str:
    """The draw's ordering: HMAC-SHA256 keyed by the revealed seed over the clue's number."""
    return hmac.new(seed.encode(), public_id.encode(), hashlib.sha256).hexdigest()


def select(seed: str, population: list[list[str]], per_division: int) -> list[tuple[str, str, int]]:
    """(public_id, group code, rank) picked from ``population`` ([public_id, group code] pairs)."""
    groups: dict[str, list[str]] = {}
    for public_id, group in population:
        groups.setdefault(group, []).append(public_id)
    picked = []
    for group in sorted(groups):
        ordered = sorted(groups[group], key=lambda pid: order_key(seed, pid))
        picked += [(pid, group, rank) for rank, pid in enumerate(ordered[:per_division], start=1)]
    return picked


def population_digest(population: list[list[str]]) -> str:
    return hashlib.sha256(json.dumps(population, separators=(",", ":")).encode()).hexdigest()


def commit_seed(month: dt.date, *, per_division: int | None = None, level: int | None = None) -> SampleMonth:
    """Publish the hash of a fresh secret seed for ``month`` (idempotent)."""
    month = dt.date(month.year, month.month, 1)
    with transaction.atomic():
        existing = SampleMonth.objects.select_for_update().filter(month=month).first()
        if existing is not None:
            return existing
        seed = secrets.token_hex(32)
        sample = SampleMonth.objects.create(
            month=month, seed=seed, seed_hash=seed_hash(seed), committed_at=timezone.now(),
            per_division=per_division or settings.CLUEDESK_SAMPLE_PER_DIVISION,
            level=level if level is not None else settings.CLUEDESK_SAMPLE_LEVEL)
        record("sample.commit", actor=Actor.system("sample"), subject_type="sample", subject_id=_month_key(month),
               data={"seed_hash": sample.seed_hash, "per_division": sample.per_division, "level": sample.level})
        return sample


def _population(month: dt.date, level: int) -> list[list[str]]:
    start = timezone.make_aware(dt.datetime(month.year, month.month, 1))
    nxt = add_months(month, 1)
    end = timezone.make_aware(dt.datetime(nxt.year, nxt.month, 1))
    rows = (Clue.objects.filter(state__in=CONCLUDED_STATES, concluded_at__gte=start, concluded_at__lt=end)
            .values_list("public_id", "division__path").order_by("public_id"))
    out = []
    for public_id, path in rows:
        codes = ancestors(path or "")
        out.append([public_id, codes[min(level, len(codes) - 1)]])
    return out


def draw(month: dt.date, *, now: dt.datetime | None = None, early: bool = False) -> SampleMonth:
    """Reveal the seed and pick the sample from the clues concluded in ``month``."""
    month = dt.date(month.year, month.month, 1)
    now = now or timezone.now()
    with transaction.atomic():
        sample = SampleMonth.objects.select_for_update().filter(month=month).first()
        if sample is None:
            raise SupervisionError(_("No seed was committed for %(month)s: a draw needs a seed published in "
                                     "advance.") % {"month": _month_key(month)})
        if sample.revealed:
            return sample
        month_end = timezone.make_aware(dt.datetime.combine(add_months(month, 1), dt.time()))
        if now < month_end and not early:
            raise SupervisionError(_("%(month)s has not ended yet; the draw happens after the month.")
                                   % {"month": _month_key(month)})
        population = _population(month, sample.level)
        picked = select(sample.seed, population, sample.per_division)
        ids = dict(Clue.objects.filter(public_id__in=[p[0] for p in picked]).values_list("public_id", "pk"))
        SampleItem.objects.bulk_create([SampleItem(sample=sample, clue_id=ids[pid], group_id=group, rank=rank)
                                        for pid, group, rank in picked])
        sample.population, sample.population_hash = population, population_digest(population)
        sample.drawn_at = now
        sample.save(update_fields=["population", "population_hash", "drawn_at"])
        record("sample.draw", actor=Actor.system("sample"), subject_type="sample", subject_id=_month_key(month),
               data={"seed": sample.seed, "population_hash": sample.population_hash,
                     "population": len(population), "picked": [p[0] for p in picked]})
        return sample


@dataclass
class VerifyReport:
    ok: bool
    lines: list[str]


def verify_sample(month: dt.date) -> VerifyReport:
    """Recompute the draw from the ledger's published values and compare with what was recorded."""
    key = _month_key(month)
    lines: list[str] = []
    sample = SampleMonth.objects.filter(month=month).first()
    commit_ev = Event.objects.filter(subject_type="sample", subject_id=key, verb="sample.commit").first()
    draw_ev = Event.objects.filter(subject_type="sample", subject_id=key, verb="sample.draw").first()
    if sample is None or commit_ev is None:
        return VerifyReport(False, [_("No seed was committed for %(month)s.") % {"month": key}])
    if draw_ev is None:
        return VerifyReport(False, [_("%(month)s has not been drawn yet; the seed is still secret.") % {"month": key}])
    ok = True
    seed = str(draw_ev.data.get("seed", ""))
    if seed_hash(seed) != commit_ev.data.get("seed_hash"):
        ok = False
        lines.append(_("The revealed seed does not match the hash published at #%(seq)d.") % {"seq": commit_ev.seq})
    else:
        lines.append(_("Seed matches the hash published at #%(seq)d on %(at)s.")
                     % {"seq": commit_ev.seq, "at": f"{commit_ev.created_at:%Y-%m-%d %H:%M}"})
    if commit_ev.created_at > timezone.make_aware(dt.datetime.combine(month, dt.time())) + dt.timedelta(days=1):
        lines.append(_("Note: the seed was committed after the first day of the month."))
    population = sample.population
    if population_digest(population) != draw_ev.data.get("population_hash"):
        ok = False
        lines.append(_("The recorded population differs from the one hashed in the ledger."))
    per = int(commit_ev.data.get("per_division", sample.per_division))
    expected = [p[0] for p in select(seed, population, per)]
    recorded_ledger = list(draw_ev.data.get("picked", []))
    recorded_items = [pid for pid in sample.items.order_by("group_id", "rank").values_list("clue__public_id", flat=True)]
    if expected != recorded_ledger:
        ok = False
        lines.append(_("The recomputed sample differs from the one written in the ledger."))
    if sorted(expected) != sorted(recorded_items):
        ok = False
        lines.append(_("The sample items stored differ from the recomputed sample."))
    if ok:
        lines.append(_("Recomputed %(n)d picks from %(pop)d concluded clues: identical.")
                     % {"n": len(expected), "pop": len(population)})
    current = _population(month, int(commit_ev.data.get("level", sample.level)))
    if current != population:
        lines.append(_("For information: %(n)d clues concluded in that month have changed state since the draw.")
                     % {"n": len({tuple(p) for p in population} ^ {tuple(p) for p in current})})
    return VerifyReport(ok, lines)


def record_check(item: SampleItem, *, acting_user: Any, held_up: str | bool, note: str = "") -> SampleItem:
    """An auditor's finding on a sampled conclusion (repeatable until the finding changes)."""
    if isinstance(held_up, str):
        if held_up not in ("yes", "no"):
            raise SupervisionError(_("Say whether the conclusion held up: yes or no."))
        held_up = held_up == "yes"
    note = (note or "").strip()
    if not held_up and not note:
        raise SupervisionError(_("Say what did not hold up."))
    if len(note) > 5000:
        raise SupervisionError(_("The note is too long (at most 5000 characters)."))
    with transaction.atomic():
        locked = SampleItem.objects.select_for_update().select_related("clue", "sample").get(pk=item.pk)
        if locked.held_up == held_up and locked.note == note:
            return locked
        locked.held_up, locked.note = held_up, note
        locked.checked_by, locked.checked_at = acting_user, timezone.now()
        locked.save(update_fields=["held_up", "note", "checked_by", "checked_at"])
        record("sample.check", actor=Actor.staff(acting_user), subject_type="clue", subject_id=locked.clue.public_id,
               data={"sample": _month_key(locked.sample.month), "held_up": held_up,
                     "note_sha256": hashlib.sha256(note.encode()).hexdigest()})
        return locked


def sample_months_due(now: dt.datetime) -> tuple[dt.date, dt.date]:
    this = dt.date(timezone.localtime(now).year, timezone.localtime(now).month, 1)
    return this, add_months(this, -1)


__all__ = ["scan", "escalate", "close_item", "commit_seed", "draw", "verify_sample", "record_check", "select",
           "order_key", "SupervisionError", "policy", "F", "Division"]
