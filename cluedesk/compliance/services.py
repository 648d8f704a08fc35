"""Compliance verbs: choosing the deployment profile, extending a feedback deadline, and the oral
report's record and minutes. Each validates first, then writes its rows and exactly one ledger
event in one transaction; a refused request writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from functools import lru_cache
from typing import Any

import nacl.exceptions
import nacl.secret
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cluedesk.ledger.services import Actor, record
from cluedesk.vault import sealing

from . import profiles
from .models import Deployment, MinutesVersion, OralRecord, ReportClock

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


# --- the deployment profile -------------------------------------------------------------------

def _snapshot(key: str, overrides: dict[str, Any]) -> dict[str, Any]:
    return {"profile": key, "overrides": profiles.encode_overrides(overrides)}


def set_profile(key: str, raw_overrides: dict[str, Any] | None = None, *, actor: Actor, acting_user: Any = None,
                replace_overrides: bool = True, now: dt.datetime | None = None) -> Deployment:
    """Choose the profile and its overrides. ``raw_overrides`` are field → value (strings as typed,
    or typed values); with ``replace_overrides`` False they are added to the overrides already
    stored for the same profile. Ledger: ``compliance.profile_set`` with before and after."""
    now = now or timezone.now()
    try:
        typed = profiles.parse_overrides(raw_overrides or {})
    except profiles.ProfileError as exc:
        raise ComplianceError(exc.errors) from None
    with transaction.atomic():
        row = Deployment.objects.select_for_update().filter(pk=1).first()
        before_key = row.profile_key if row else profiles.DEFAULT_PROFILE
        before_overrides = profiles.decode_overrides(row.overrides) if row else {}
        merged = typed
        if not replace_overrides and before_key == key:
            merged = {**before_overrides, **typed}
            if "retention_days" in before_overrides and "retention_days" in typed:
                merged["retention_days"] = {**before_overrides["retention_days"], **typed["retention_days"]}
        try:
            after, differs = profiles.resolve(key, merged)
        except profiles.ProfileError as exc:
            raise ComplianceError(exc.errors) from None
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


# --- extension of the feedback deadline -------------------------------------------------------

def extend_feedback(clock: ReportClock, reason: Any, *, acting_user: Any, now: dt.datetime | None = None) -> ReportClock:
    """Move the feedback deadline to the profile's extended period, for a reason given in writing
    (Directive 2019/1937 art. 11(2)(d): "in duly justified cases")."""
    from cluedesk.intake.services import clean_text

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
    from cluedesk.intake.services import clean_text

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


def record_oral(report: Any, *, kind: str, minutes: str = "", recording: Any = None, acting_user: Any,
                now: dt.datetime | None = None) -> OralRecord:
    """Keep the oral record of a report just entered (inside the entry's transaction, or its own)."""
    now = now or timezone.now()
    cleaned = validate_oral(kind, consent=True if kind == OralRecord.Kind.RECORDING else False, minutes=minutes,
                            has_recording=recording is not None)
    with transaction.atomic():
        if kind == OralRecord.Kind.RECORDING:
            row = OralRecord.objects.create(report=report, kind=kind, status=OralRecord.Status.RECORDED,
                                            consent_at=now, recording=recording, recorded_by=acting_user,
                                            created_at=now)
            data: dict[str, Any] = {"kind": kind, "recording": recording.public_id, "digest": recording.digest}
        else:
            row = OralRecord.objects.create(report=report, kind=kind, status=OralRecord.Status.AWAITING,
                                            recorded_by=acting_user, created_at=now)
            v = _version(row, 1, MinutesVersion.Author.STAFF, cleaned["minutes"], now)
            data = {"kind": kind, "version": 1, "sha256": v.sha256}
        record("compliance.oral_recorded", actor=Actor.staff(acting_user), subject_type="report",
               subject_id=report.pk, data=data)
    return row


def _check_code(report: Any, code: Any) -> None:
    """The reporter types the tracking code again to confirm or correct: it must be this report's."""
    from cluedesk.intake import tracking

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

