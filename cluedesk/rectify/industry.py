"""Industry rectification (行业整改): industry authorities, clues transferred to and from them, and
the "three letters and one letter" (三书一函) with the recipient's feedback. One ledger event per act."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cluedesk.analysis.taxonomy import INDUSTRIES
from cluedesk.intake.services import submit_report
from cluedesk.ledger.services import record
from cluedesk.org.models import Unit

from .models import INDUSTRY_CODES, Feedback, IndustryAuthority, Letter, Transfer
from .services import RectifyError, covers, date, member_of, not_future, staff, text

K = Letter.Kind

# who issues which letter: a procuratorate the procuratorial recommendation, a court the judicial
# one, a discipline commission the supervisory one; any of them or an anti-gang office the 督办函
ISSUER_TYPES: dict[str, set[str]] = {
    K.PROCURATORIAL: {Unit.Type.PROCURATORATE},
    K.JUDICIAL: {Unit.Type.COURT},
    K.SUPERVISORY: {Unit.Type.DISCIPLINE},
    K.SUPERVISION_LETTER: {Unit.Type.ANTI_GANG_OFFICE, Unit.Type.PROCURATORATE, Unit.Type.COURT,
                           Unit.Type.DISCIPLINE, Unit.Type.PUBLIC_SECURITY},
}
ISSUER_WORDS = {
    K.PROCURATORIAL: gettext_lazy("A procuratorial recommendation is issued by a procuratorate."),
    K.JUDICIAL: gettext_lazy("A judicial recommendation is issued by a court."),
    K.SUPERVISORY: gettext_lazy("A supervisory recommendation is issued by a discipline inspection commission."),
    K.SUPERVISION_LETTER: gettext_lazy("A supervision letter is issued by an anti-gang office or a political "
                                       "and legal unit."),
}
RECIPIENT_ROLES = frozenset({"industry_liaison", "admin"})


def industry_name(code: str) -> str:
    """The industry's name in the reader's language (the code when unknown, a dash when empty)."""
    zh = (get_language() or "").startswith("zh")
    for c, en, cn, _kw in INDUSTRIES:
        if c == code:
            return cn if zh else en
    return code or "—"


def industry_choices() -> list[tuple[str, str]]:
    return [(c, industry_name(c)) for c, _en, _zh, _kw in INDUSTRIES]


def industry_of(unit: Unit) -> str:
    """The industry an authority governs; refuses a unit that is not an industry authority."""
    profile = IndustryAuthority.objects.filter(unit=unit).first()
    if unit.type != Unit.Type.INDUSTRY or profile is None:
        raise RectifyError(_("%(unit)s is not an industry authority.") % {"unit": unit.name})
    return profile.industry


def register_authority(*, acting_user: Any, unit: Unit, industry: Any) -> IndustryAuthority:
    """Say which industry an industry-authority unit governs (or change it)."""
    industry = str(industry or "").strip()
    if industry not in INDUSTRY_CODES:
        raise RectifyError(_("Choose an industry from the list."))
    if unit.type != Unit.Type.INDUSTRY:
        raise RectifyError(_("%(unit)s is not a unit of the type “industry authority”.") % {"unit": unit.name})
    with transaction.atomic():
        profile, created = IndustryAuthority.objects.update_or_create(unit=unit, defaults={"industry": industry})
        record("rectify.authority_registered", actor=staff(acting_user), subject_type="unit", subject_id=unit.pk,
               data={"industry": industry, "new": created})
        return profile


def transfer_to(*, acting_user: Any, clue: Any, authority: Unit, transferred_on: Any, reference: Any = "",
                note: Any = "", today: dt.date | None = None) -> Transfer:
    """Record that a clue was handed to an industry authority to deal with in its field."""
    today = today or timezone.localdate()
    industry = industry_of(authority)
    day = date(transferred_on, _("The date of transfer"))
    assert day is not None
    not_future(day, _("The date of transfer"), today)
    if day < timezone.localtime(clue.created_at).date():
        raise RectifyError(_("The date of transfer is before the clue was received."))
    reference = text(reference, _("The document number"), 64, required=False)
    note = text(note, _("The note"), 500, required=False)
    with transaction.atomic():
        t = Transfer.objects.create(direction=Transfer.Direction.TO_INDUSTRY, authority=authority, industry=industry,
                                    clue=clue, reference=reference, note=note, transferred_on=day,
                                    recorded_by=acting_user, recorded_at=timezone.now())
        record("rectify.transfer_to", actor=staff(acting_user), subject_type="clue", subject_id=clue.public_id,
               data={"transfer": t.pk, "authority": authority.pk, "industry": industry, "on": str(day)})
        return t


def transfer_from(*, acting_user: Any, authority: Unit, text_of_clue: Any, place: Any = "", transferred_on: Any,
                  reference: Any = "", today: dt.date | None = None) -> Transfer:
    """A clue an industry authority handed over: it enters intake as a report on the channel
    ``industry:<unit id>`` (triaged like any report) and the transfer is recorded with that report;
    its clue is filled in when triage has grouped the report (``clue_triaged`` in apps.py)."""
    today = today or timezone.localdate()
    industry = industry_of(authority)
    day = date(transferred_on, _("The date of transfer"))
    assert day is not None
    not_future(day, _("The date of transfer"), today)
    body = text(text_of_clue, _("What the clue says"), 5000)
    reference = text(reference, _("The document number"), 48, required=False)
    with transaction.atomic():
        report, _code = submit_report(text=body, place_text=str(place or ""), channel=f"industry:{authority.pk}",
                                      channel_ref=reference, actor=staff(acting_user), entered_by=acting_user)
        t = Transfer.objects.create(direction=Transfer.Direction.FROM_INDUSTRY, authority=authority, industry=industry,
                                    report=report, reference=reference, transferred_on=day,
                                    recorded_by=acting_user, recorded_at=timezone.now())
        record("rectify.transfer_from", actor=staff(acting_user), subject_type="report", subject_id=report.pk,
               data={"transfer": t.pk, "authority": authority.pk, "industry": industry, "on": str(day)})
        return t


def issue_letter(*, acting_user: Any, kind: Any, issuer: Unit, recipient: Unit, number: Any, issue: Any,
                 issued_on: Any, deadline: Any, today: dt.date | None = None) -> Letter:
    """Record a recommendation letter sent to an industry authority, with the date its answer is due."""
    today = today or timezone.localdate()
    kind = str(kind or "").strip()
    if kind not in K.values:
        raise RectifyError(_("Choose the kind of letter."))
    if issuer.type not in ISSUER_TYPES[kind]:
        raise RectifyError(str(ISSUER_WORDS[kind]))
    industry = industry_of(recipient)
    number = text(number, _("The letter's number"), 40)
    issue = text(issue, _("The problem the letter raises"), 4000)
    issued = date(issued_on, _("The date of issue"))
    due = date(deadline, _("The deadline for feedback"))
    assert issued is not None and due is not None
    not_future(issued, _("The date of issue"), today)
    if due <= issued:
        raise RectifyError(_("The deadline for feedback must be after the date of issue."))
    if due > issued + dt.timedelta(days=366):
        raise RectifyError(_("The deadline for feedback is more than a year after the date of issue."))
    if acting_user is not None and not covers(acting_user, issuer.division.path, "rectify_manage") \
            and not member_of(acting_user, issuer):
        raise RectifyError(_("You may record letters only for units in your area."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                letter = Letter.objects.create(number=number, kind=kind, issuer=issuer, recipient=recipient,
                                               industry=industry, issue=issue, issued_on=issued, deadline=due,
                                               created_by=acting_user, created_at=timezone.now())
        except IntegrityError:
            raise RectifyError(_("%(unit)s already has a letter numbered %(number)s.")
                               % {"unit": issuer.name, "number": number}) from None
        record("rectify.letter_issued", actor=staff(acting_user), subject_type="letter", subject_id=letter.pk,
               data={"kind": kind, "issuer": issuer.pk, "recipient": recipient.pk, "industry": industry,
                     "issued_on": str(issued), "deadline": str(due)})
        return letter


def answer_letter(letter: Letter, *, acting_user: Any, unit: Unit, answered_on: Any, text_of_answer: Any,
                  rectified: Any, today: dt.date | None = None) -> Feedback:
    """The recipient's feedback. Only the recipient unit answers; the date is neither before the
    letter (nor before its last answer) nor in the future; a rectified letter takes no more answers."""
    today = today or timezone.localdate()
    if unit.pk != letter.recipient_id:
        raise RectifyError(_("Only %(recipient)s, to whom the letter was sent, may answer it — not %(unit)s.")
                           % {"recipient": letter.recipient.name, "unit": unit.name})
    if acting_user is not None and not member_of(acting_user, unit, RECIPIENT_ROLES):
        raise RectifyError(_("Only the liaison or the admin of %(unit)s may answer for it.") % {"unit": unit.name})
    day = date(answered_on, _("The date of the answer"))
    assert day is not None
    not_future(day, _("The date of the answer"), today)
    body = text(text_of_answer, _("The answer"), 4000)
    done = str(rectified).lower() in {"1", "true", "yes", "on"}
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if letter.status == Letter.Status.RECTIFIED:
            raise RectifyError(_("This letter is already marked rectified."))
        if day < letter.issued_on:
            raise RectifyError(_("The answer is dated before the letter was issued (%(day)s).")
                               % {"day": letter.issued_on})
        last = letter.feedback.order_by("-answered_on").values_list("answered_on", flat=True).first()
        if last and day < last:
            raise RectifyError(_("The answer is dated before the previous answer (%(day)s).") % {"day": last})
        fb = Feedback.objects.create(letter=letter, unit=unit, answered_on=day, text=body, rectified=done,
                                     answered_by=acting_user, recorded_at=timezone.now())
        letter.answered_on = letter.answered_on or day
        letter.status = Letter.Status.RECTIFIED if done else Letter.Status.ANSWERED
        letter.rectified_on = day if done else None
        letter.save(update_fields=["answered_on", "status", "rectified_on"])
        record("rectify.letter_answered", actor=staff(acting_user), subject_type="letter", subject_id=letter.pk,
               data={"feedback": fb.pk, "on": str(day), "rectified": done})
        return fb
