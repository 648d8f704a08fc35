"""Compliance verbs: extending a feedback deadline, the oral report's record and minutes, and the
staff entry of a phone call, meeting or letter. Each validates first, then writes its rows and exactly one ledger
event in one transaction; a refused request writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import nacl.exceptions
import nacl.secret
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cluedesk.deployment import profiles
from cluedesk.intake import services as intake_services
from cluedesk.intake import tracking
from cluedesk.intake.models import Attachment, Report
from cluedesk.intake.services import clean_text
from cluedesk.ledger.services import Actor, record
from cluedesk.vault import sealing

from .models import MinutesVersion, OralRecord, ReportClock

MINUTES_MAX_CHARS = 20000


class ComplianceError(Exception):
    """A refusal for the person who asked: {field: [message, ...]} in their language."""

    def __init__(self, errors: dict[str, list[Any]] | Any) -> None:
        if not isinstance(errors, dict):
            errors = {"__all__": [errors]}
        super().__init__("; ".join(str(m) for ms in errors.values() for m in ms))
        self.errors = errors

    @property
    def messages(self) -> list[str]:
        return [str(m) for ms in self.errors.values() for m in ms]


# --- extension of the feedback deadline -------------------------------------------------------

def extend_feedback(clock: ReportClock, reason: Any, *, acting_user: Any, now: dt.datetime | None = None) -> ReportClock:
    """Move the feedback deadline to the profile's extended period, for a reason given in writing
    (Directive 2019/1937 art. 11(2)(d): "in duly justified cases")."""
    now = now or timezone.now()
    text = clean_text(reason)
    profile = profiles.current()
    if profile.feedback_days_extended is None:
        raise ComplianceError({"reason": [_("The profile in force allows no extension of the feedback period.")]})
    if len(text) < 10:
        raise ComplianceError({"reason": [_("Say why this case justifies more time (at least 10 characters).")]})
    if len(text) > 2000:
        raise ComplianceError({"reason": [_("The reason is too long: at most 2,000 characters.")]})
    with transaction.atomic():
        clock = ReportClock.objects.select_for_update().get(pk=clock.pk)
        if clock.feedback_due is None:
            raise ComplianceError({"reason": [_("This report has no feedback clock to extend.")]})
        if clock.feedback_at is not None:
            raise ComplianceError({"reason": [_("Feedback was already given; there is nothing to extend.")]})
        if clock.extended_at is not None:
            raise ComplianceError({"reason": [_("The feedback period of this report was already extended once.")]})
        new_due = clock.received_at + dt.timedelta(days=profile.feedback_days_extended)
        if new_due <= clock.feedback_due:
            raise ComplianceError({"reason": [_("The extended period would not end later than the current deadline.")]})
        before = clock.feedback_due
        clock.feedback_due, clock.extended_at, clock.extended_by = new_due, now, acting_user
        clock.extension_reason = text
        clock.feedback_escalated_at = None if new_due > now else clock.feedback_escalated_at
        clock.feedback_reminded_at = None if new_due - dt.timedelta(days=profile.remind_before_days) > now \
            else clock.feedback_reminded_at
        clock.save()
        record("compliance.feedback_extended", actor=Actor.staff(acting_user), subject_type="report",
               subject_id=clock.report_id, data={"before": before.isoformat(), "after": new_due.isoformat(),
                                                 "reason_sha256": hashlib.sha256(text.encode()).hexdigest()})
    return clock


# --- minutes: encrypted at rest ---------------------------------------------------------------
# Minutes are what the reporter said, often with names: personal data. They are encrypted with a
# key derived from the deployment's file key (the one that encrypts attachments on disk, kept in
# the keys folder outside the database), so a copy of the database alone does not hold them in
# clear. They are not sealed to the custodian like the reporter's identity, because staff and
# the reporter (through the tracking code) must read them in the course of the work.

@lru_cache(maxsize=2)
def _box(file_key: bytes) -> nacl.secret.SecretBox:
    key = hashlib.blake2b(file_key, person=b"cd.minutes", digest_size=32).digest()
    return nacl.secret.SecretBox(key)


def seal_text(text: str) -> bytes:
    return bytes(_box(sealing.file_key()).encrypt(text.encode()))


def open_text(blob: bytes | memoryview) -> str:
    try:
        return bytes(_box(sealing.file_key()).decrypt(bytes(blob))).decode()
    except nacl.exceptions.CryptoError:
        return str(_("[these minutes cannot be opened with this server's file key]"))


def _clean_minutes(text: Any, field: str = "minutes") -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise ComplianceError({field: [_("Write the minutes: what the reporter said, in their words as far as "
                                         "possible.")]})
    if len(cleaned) > MINUTES_MAX_CHARS:
        raise ComplianceError({field: [_("The minutes are too long: at most %(limit)d characters.")
                                       % {"limit": MINUTES_MAX_CHARS}]})
    return cleaned


def _version(record_: OralRecord, number: int, author: str, text: str, now: dt.datetime) -> MinutesVersion:
    return MinutesVersion.objects.create(record=record_, number=number, author=author, sealed_text=seal_text(text),
                                         sha256=hashlib.sha256(text.encode()).hexdigest(), created_at=now)


def validate_oral(kind: Any, *, consent: Any = False, minutes: Any = "", has_recording: bool = False) -> dict[str, Any]:
    """Check an oral record before the report is saved: a recording needs the reporter's consent
    and the file; minutes need text. Returns the cleaned values."""
    if kind not in OralRecord.Kind.values:
        raise ComplianceError({"kind": [_("Say whether the call or meeting was recorded with consent or "
                                          "minutes were kept.")]})
    if kind == OralRecord.Kind.RECORDING:
        errors: dict[str, list[Any]] = {}
        if consent is not True:
            errors["consent"] = [_("A recording may be kept only when the reporter consented: tick the box "
                                   "once they have, or keep minutes instead.")]
        if not has_recording:
            errors["recording"] = [_("Attach the recording.")]
        if errors:
            raise ComplianceError(errors)
        return {"kind": kind}
    return {"kind": kind, "minutes": _clean_minutes(minutes)}


def _keep_oral(report: Any, *, kind: str, minutes: str, recording: Any, acting_user: Any,
               now: dt.datetime) -> tuple[OralRecord, dict[str, Any]]:
    """The oral record's rows (inside the caller's transaction) and what the ledger says of them."""
    if kind == OralRecord.Kind.RECORDING:
        row = OralRecord.objects.create(report=report, kind=kind, status=OralRecord.Status.RECORDED,
                                        consent_at=now, recording=recording, recorded_by=acting_user,
                                        created_at=now)
        return row, {"kind": kind, "recording": recording.public_id, "digest": recording.digest}
    row = OralRecord.objects.create(report=report, kind=kind, status=OralRecord.Status.AWAITING,
                                    recorded_by=acting_user, created_at=now)
    v = _version(row, 1, MinutesVersion.Author.STAFF, minutes, now)
    return row, {"kind": kind, "version": 1, "sha256": v.sha256}


def record_oral(report: Any, *, kind: str, minutes: str = "", recording: Any = None, acting_user: Any,
                now: dt.datetime | None = None) -> OralRecord:
    """Keep the oral record of a report already kept. (Staff entry keeps both at once: ``enter_report``.)"""
    now = now or timezone.now()
    cleaned = validate_oral(kind, consent=True if kind == OralRecord.Kind.RECORDING else False, minutes=minutes,
                            has_recording=recording is not None)
    with transaction.atomic():
        row, data = _keep_oral(report, kind=kind, minutes=cleaned.get("minutes", ""), recording=recording,
                               acting_user=acting_user, now=now)
        record("compliance.oral_recorded", actor=Actor.staff(acting_user), subject_type="report",
               subject_id=report.pk, data=data)
    return row


def enter_report(*, text: Any, place_text: Any = "", when_text: Any = "", who_text: Any = "", category: Any = "",
                 name: Any = "", contact: Any = "", files: Iterable[Any] = (), channel: str, oral_kind: str = "",
                 minutes: str = "", consent: bool = False, recording: Any = None, acting_user: Any,
                 now: dt.datetime | None = None) -> tuple[Report, str]:
    """A report received by phone, in a meeting or by letter, entered by staff (recorded as
    ``entered_by``), with its oral record when ``oral_kind`` says there is one: the ``recording`` kept
    with the reporter's ``consent`` (stored with the report's files) or the ``minutes`` the reporter
    will check. Returns the
    report and its tracking code.

    Refusals (InvalidReport from intake, ComplianceError) come before anything is written. The files
    are encrypted to disk first, then the rows and ONE ledger event (``report.submitted``, the oral
    record in its data) are written in one durable transaction, which no caller can fold into a
    larger one; if it does not commit, the files written are removed.
    """
    now = now or timezone.now()
    cleaned = (validate_oral(oral_kind, consent=consent, minutes=minutes,
                             has_recording=recording is not None) if oral_kind else {})
    uploads = [*files, *([recording] if recording is not None and oral_kind == OralRecord.Kind.RECORDING else [])]
    draft = intake_services.draft_report(
        text=text, place_text=place_text, when_text=when_text, who_text=who_text, category=category, name=name,
        contact=contact, files=uploads, channel=channel, entered_by=acting_user)
    try:
        intake_services.write_files(draft)
        with transaction.atomic(durable=True):
            data = intake_services.keep_report(draft)
            if oral_kind:
                kept = None
                if oral_kind == OralRecord.Kind.RECORDING:  # the last file is the recording
                    kept = Attachment.objects.get(public_id=draft.rows[-1].public_id)
                _row, data["oral"] = _keep_oral(draft.report, kind=oral_kind, minutes=cleaned.get("minutes", ""),
                                                recording=kept, acting_user=acting_user, now=now)
            record("report.submitted", actor=Actor.staff(acting_user), subject_type="report",
                   subject_id=draft.report.pk, data=data)
    except BaseException:
        intake_services.remove_files(draft)
        raise
    return draft.report, draft.code


def _check_code(report: Any, code: Any) -> None:
    """The reporter types the tracking code again to confirm or correct: it must be this report's."""
    normal = tracking.normalize(str(code or ""))
    if normal is None or not hmac.compare_digest(tracking.code_hash(normal), report.tracking_hash):
        raise ComplianceError({"code": [_("That is not the tracking code of this report. Type the 16 characters "
                                          "you were given, e.g. ABCD-EFGH-JKMN-PQRS. Nothing was changed.")]})


def reporter_confirm(record_: OralRecord, code: Any, *, now: dt.datetime | None = None) -> OralRecord:
    """The reporter confirms the latest version of the minutes."""
    now = now or timezone.now()
    _check_code(record_.report, code)
    with transaction.atomic():
        row = OralRecord.objects.select_for_update().get(pk=record_.pk)
        if row.kind != OralRecord.Kind.MINUTES:
            raise ComplianceError(_("There are no minutes to confirm for this report."))
        if row.status == OralRecord.Status.CONFIRMED:
            return row  # confirmed twice: the same answer, no second event
        latest = row.versions.order_by("-number").first()
        assert latest is not None
        row.status, row.confirmed_at = OralRecord.Status.CONFIRMED, now
        row.save(update_fields=["status", "confirmed_at"])
        record("compliance.minutes_confirmed", actor=Actor.reporter(), subject_type="report",
               subject_id=row.report_id, data={"version": latest.number, "sha256": latest.sha256})
    return row


def reporter_correct(record_: OralRecord, code: Any, text: Any, *, now: dt.datetime | None = None) -> MinutesVersion:
    """The reporter submits corrected minutes: a new version; earlier versions stay."""
    now = now or timezone.now()
    _check_code(record_.report, code)
    cleaned = _clean_minutes(text, "text")
    with transaction.atomic():
        row = OralRecord.objects.select_for_update().get(pk=record_.pk)
        if row.kind != OralRecord.Kind.MINUTES:
            raise ComplianceError(_("There are no minutes to correct for this report."))
        if row.status == OralRecord.Status.CONFIRMED:
            raise ComplianceError({"text": [_("You confirmed these minutes already; to add something, send a "
                                              "message from your status page.")]})
        latest = row.versions.order_by("-number").first()
        assert latest is not None
        digest = hashlib.sha256(cleaned.encode()).hexdigest()
        if digest == latest.sha256:
            raise ComplianceError({"text": [_("The text is the same as the current minutes: change what is "
                                              "wrong, or confirm them as they are.")]})
        v = _version(row, latest.number + 1, MinutesVersion.Author.REPORTER, cleaned, now)
        row.status = OralRecord.Status.CORRECTED
        row.save(update_fields=["status"])
        record("compliance.minutes_corrected", actor=Actor.reporter(), subject_type="report",
               subject_id=row.report_id, data={"version": v.number, "sha256": v.sha256, "previous": latest.sha256})
    return v


def versions_of(record_: OralRecord) -> list[dict[str, Any]]:
    return [{"number": v.number, "author": v.author, "author_label": v.get_author_display(),
             "created_at": v.created_at, "sha256": v.sha256, "text": open_text(v.sealed_text)}
            for v in record_.versions.order_by("number")]

