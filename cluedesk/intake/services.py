"""Intake verbs: submitting a report, the messages around it, its public timeline.

Each verb validates first, does the slow work that needs no lock (sealing, type checks,
encrypting files to disk) outside the transaction, then writes its rows and exactly one ledger
event in one ``transaction.atomic()``. If anything fails, the rows roll back and the files
already written are deleted: nothing is half-kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.secret
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from cluedesk.deployment.intake_rules import identity_errors  # the deployment profile (issue 11)
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Division
from cluedesk.vault import content, sealing

from . import attachments, places, tracking
from .models import Attachment, Category, IdempotencyRecord, Message, PublicStep, Report, new_file_id
from .signals import report_submitted

LIMITS = {"place_text": 200, "when_text": 200, "who_text": 500, "name": 100, "contact": 200}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
CATEGORIES = frozenset(Category.values)


class InvalidReport(Exception):
    """Field errors for the person who sent the report: {field: [message, ...]}."""

    def __init__(self, errors: dict[str, list[Any]], code: str = "invalid") -> None:
        super().__init__(code)
        self.errors = errors
        self.code = code


class UnknownCode(Exception):
    """The code is wrong, malformed or unknown; always the same answer."""


class IdempotencyConflict(Exception):
    """The key was used before with a different body."""


class IdempotencyRace(Exception):
    """Another request with the same key committed first; call ``replay`` for its result."""


@dataclass(frozen=True)
class IdempotencyClaim:
    channel: str
    key: str
    body_hash: str


@dataclass
class Status:
    """What the reporter may see: public steps and the two-way messages."""

    report: Report
    steps: list[PublicStep] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)  # sent with the report itself


def clean_text(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def clean_line(value: Any) -> str:
    return " ".join(clean_text(value).split())


def validate_fields(*, text: Any, place_text: Any = "", when_text: Any = "", who_text: Any = "",
                    category: Any = "", name: Any = "", contact: Any = "") -> dict[str, str]:
    """The cleaned fields, or InvalidReport naming every field to fix."""
    cleaned = {
        "text": clean_text(text), "place_text": clean_line(place_text), "when_text": clean_line(when_text),
        "who_text": clean_text(who_text), "category": clean_line(category), "name": clean_line(name),
        "contact": clean_line(contact),
    }
    errors: dict[str, list[Any]] = {}
    limit = settings.CLUEDESK_MAX_TEXT_CHARS
    if not cleaned["text"]:
        errors["text"] = [_("Please describe what happened: this is the one field that is required.")]
    elif len(cleaned["text"]) > limit:
        errors["text"] = [_("The description is too long: at most %(limit)s characters, it has %(count)s. "
                            "Shorten it, or send the rest as a text file or add it later with your tracking code.")
                          % {"limit": number_format(limit, force_grouping=True),
                             "count": number_format(len(cleaned["text"]), force_grouping=True)}]
    for name, max_len in LIMITS.items():
        if len(cleaned[name]) > max_len:
            errors[name] = [_("Too long: at most %(limit)d characters.") % {"limit": max_len}]
    if cleaned["category"] and cleaned["category"] not in CATEGORIES:
        errors["category"] = [_("Choose a category from the list, or leave it empty.")]
    for name, messages in identity_errors(cleaned).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise InvalidReport(errors)
    return cleaned


def body_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False, default=str).encode()).hexdigest()


def upload_digest(upload: Any) -> str:
    """An uploaded file's bytes as one digest, for the idempotency hash: another file of the same
    name and size is another page, not the same one sent twice. Leaves the file at its start."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _response_box(secret: str) -> nacl.secret.SecretBox:
    key = hashlib.blake2b(secret.encode(), person=b"cd.idempotency", digest_size=32).digest()
    return nacl.secret.SecretBox(key)


def _seal_response(data: dict[str, Any]) -> bytes:
    return bytes(_response_box(settings.SECRET_KEY).encrypt(json.dumps(data).encode()))


def _open_response(blob: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_response_box(settings.SECRET_KEY).decrypt(bytes(blob)))
    return result


def replay(claim: IdempotencyClaim) -> tuple[Report, str] | None:
    """The first result for this key: (report, tracking code); None when the key is new.

    Raises IdempotencyConflict when the key was used with a different body.
    """
    rec = (IdempotencyRecord.objects.select_related("report")
           .filter(channel=claim.channel, key=claim.key).first())
    if rec is None:
        return None
    if rec.body_hash != claim.body_hash:
        raise IdempotencyConflict
    try:
        data = _open_response(bytes(rec.response))
    except (nacl.exceptions.CryptoError, ValueError):  # server secret changed since
        raise IdempotencyConflict from None
    assert rec.report is not None
    return rec.report, data["tracking_code"]


def _check_files(files: Iterable[Any]) -> list[attachments.CheckedFile]:
    files = list(files)
    if len(files) > settings.CLUEDESK_MAX_FILES:
        raise InvalidReport({"files": [_("Too many files: at most %(limit)d per report.")
                                       % {"limit": settings.CLUEDESK_MAX_FILES}]}, "too_many_files")
    checked, errors = [], []
    for upload in files:
        try:
            checked.append(attachments.check(upload))
        except attachments.FileRefused as exc:
            errors.append(exc.message)
            code = exc.code
    if errors:
        raise InvalidReport({"files": errors}, code)
    total = sum(c.size for c in checked)
    if total > settings.CLUEDESK_MAX_REPORT_BYTES:
        raise InvalidReport({"files": [_("The files are too large together: at most %(limit)s per report.")
                                       % {"limit": attachments.human_size(settings.CLUEDESK_MAX_REPORT_BYTES)}]},
                            "too_large")
    return checked


def _write_files(checked: Sequence[attachments.CheckedFile], written: list[Path]) -> list[Attachment]:
    """Encrypt each file to disk (outside the transaction); rows are saved by the caller."""
    rows = []
    for item in checked:
        public_id = new_file_id()
        path, digest, size = attachments.write_encrypted(item, public_id)
        written.append(path)
        rows.append(Attachment(public_id=public_id, mime=item.mime, size=size, digest=digest,
                               sealed_name=sealing.seal({"filename": item.name})))
    return rows


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@dataclass
class Draft:
    """A report checked and ready to keep: its unsaved row, its tracking code (shown once, never
    stored), its checked files, and once ``write_files`` ran, their rows and paths on disk."""

    report: Report
    code: str
    checked: list[attachments.CheckedFile]
    division_code: str | None
    rows: list[Attachment] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def draft_report(*, text: Any, place_text: Any = "", when_text: Any = "", who_text: Any = "",
                 category: Any = "", name: Any = "", contact: Any = "", files: Iterable[Any] = (),
                 channel: str, channel_ref: str = "", entered_by: Any = None) -> Draft:
    """Check a report and prepare its row, before any lock: InvalidReport naming every field to fix."""
    cleaned = validate_fields(text=text, place_text=place_text, when_text=when_text, who_text=who_text,
                              category=category, name=name, contact=contact)
    checked = _check_files(files)
    identity = {k: cleaned[k] for k in ("name", "contact") if cleaned[k]}
    sealed = sealing.seal(identity) if identity else None
    division_code = places.resolve_code(cleaned["place_text"])
    if division_code and not Division.objects.filter(pk=division_code).exists():
        # the place cache may name a division this database no longer has: keep the report, drop
        # the guess (a read, before BEGIN: a division is never deleted while reports point at it)
        division_code = None
    code = tracking.new_code()
    report = Report(
        tracking_hash=tracking.code_hash(code), channel=channel[:48], channel_ref=channel_ref[:48],
        text=cleaned["text"], place_text=cleaned["place_text"], division_id=division_code,
        when_text=cleaned["when_text"], who_text=cleaned["who_text"], category=cleaned["category"],
        sealed_identity=sealed, entered_by=entered_by,
    )
    return Draft(report=report, code=code, checked=checked, division_code=division_code)


def write_files(draft: Draft) -> None:
    """Encrypt the draft's files to disk, before the transaction. The caller removes them
    (``remove_files``) when the transaction does not commit."""
    draft.rows = _write_files(draft.checked, draft.written)


def remove_files(draft: Draft) -> None:
    _remove(draft.written)


def keep_report(draft: Draft, *, idempotency: IdempotencyClaim | None = None) -> dict[str, Any]:
    """Save the drafted report and its files' rows and tell the apps above (``report_submitted``),
    inside the caller's transaction; return the data of its ``report.submitted`` ledger event,
    which the caller writes as the last statement before COMMIT."""
    report, rows = draft.report, draft.rows
    sealed_response = _seal_response({"tracking_code": draft.code}) if idempotency is not None else b""
    report.save(force_insert=True)
    if idempotency is not None:
        # right after the report: a replayed key fails here, cheaply
        IdempotencyRecord.objects.create(
            channel=idempotency.channel, key=idempotency.key, body_hash=idempotency.body_hash,
            report=report, response=sealed_response)
    for row in rows:
        row.report = report
    if rows:
        Attachment.objects.bulk_create(rows)
    report_submitted.send(sender=Report, report=report)
    return {"channel": report.channel, "channel_ref": report.channel_ref, "division": draft.division_code,
            "category": report.category,
            "files": [{"id": r.public_id, "mime": r.mime, "size": r.size, "digest": r.digest} for r in rows],
            "identity_sealed": report.sealed_identity is not None}


def submit_report(*, text: Any, place_text: Any = "", when_text: Any = "", who_text: Any = "",
                  category: Any = "", name: Any = "", contact: Any = "", files: Iterable[Any] = (),
                  channel: str, channel_ref: str = "", actor: Actor, entered_by: Any = None,
                  idempotency: IdempotencyClaim | None = None) -> tuple[Report, str]:
    """Keep a report and return it with its tracking code (shown once, never stored).

    The report has no clue yet when this returns (``report.clue`` is None: awaiting triage).

    With ``idempotency``, the key's record is written in the same transaction; when a concurrent
    request with the same key committed first, nothing is kept and IdempotencyRace is raised.
    """
    draft = draft_report(text=text, place_text=place_text, when_text=when_text, who_text=who_text,
                         category=category, name=name, contact=contact, files=files, channel=channel,
                         channel_ref=channel_ref, entered_by=entered_by)
    try:
        write_files(draft)
        # one short transaction: what makes the report safe and answerable, nothing more. Grouping,
        # labels and routing follow in a worker (triage's ``attach_report`` task, enqueued by the
        # ``report_submitted`` receiver in this same transaction), with their own ledger event.
        with transaction.atomic():
            data = keep_report(draft, idempotency=idempotency)
            # the ledger append is the last statement before COMMIT: the head's lock is held briefly
            record("report.submitted", actor=actor, subject_type="report", subject_id=draft.report.pk, data=data)
    except IntegrityError:
        remove_files(draft)
        if idempotency is not None and IdempotencyRecord.objects.filter(
                channel=idempotency.channel, key=idempotency.key).exists():
            raise IdempotencyRace from None
        raise
    except BaseException:
        remove_files(draft)
        raise
    return draft.report, draft.code


def find_report(raw_code: str) -> Report:
    """The report for a code as typed; UnknownCode for anything else, always the same way."""
    code = tracking.normalize(raw_code)
    digest = tracking.code_hash(code if code is not None else "0" * tracking.LENGTH)
    report = Report.objects.filter(tracking_hash=digest).first() if code is not None else None
    if report is None:
        raise UnknownCode
    return report


def status_of(report: Report) -> Status:
    """The reporter's view. The "received" step is the report itself (no row of its own:
    one insert fewer on the submission path)."""
    steps = PublicStep.objects.filter(Q(report=report) | Q(clue_id=report.clue_id) if report.clue_id
                                      else Q(report=report)).order_by("created_at", "pk")
    received = PublicStep(report=report, kind=PublicStep.Kind.RECEIVED, created_at=report.created_at)
    messages = report.messages.prefetch_related("attachments").order_by("created_at", "pk")
    files = report.attachments.filter(message__isnull=True).order_by("created_at", "pk")
    return Status(report=report, steps=[received, *steps], messages=list(messages), files=list(files))


def add_reporter_message(code: str | Report, body: Any, files: Iterable[Any] = (), *,
                         actor: Actor | None = None) -> Message:
    """The reporter adds information or files to their report, found by its code (or already found)."""
    report = code if isinstance(code, Report) else find_report(code)
    text = clean_text(body)
    files = list(files)
    if not text and not files:
        raise InvalidReport({"body": [_("Write something or attach a file before sending.")]}, "empty")
    if len(text) > settings.CLUEDESK_MAX_TEXT_CHARS:
        raise InvalidReport({"body": [_("The message is too long: at most %(limit)d characters.")
                                      % {"limit": settings.CLUEDESK_MAX_TEXT_CHARS}]}, "too_long")
    existing = report.attachments.count()
    if existing + len(files) > settings.CLUEDESK_MAX_FILES * 3:
        raise InvalidReport({"files": [_("This report already has too many files.")]}, "too_many_files")
    checked = _check_files(files)
    written: list[Path] = []
    try:
        rows = _write_files(checked, written)
        with transaction.atomic():
            message = Message.objects.create(report=report, direction=Message.Direction.FROM_REPORTER, body=text)
            for row in rows:
                row.report, row.message = report, message
            if rows:
                Attachment.objects.bulk_create(rows)
            record("report.message_added", actor=actor or Actor.reporter(), subject_type="report",
                   subject_id=report.pk, data={
                       "message": message.pk,
                       "files": [{"id": r.public_id, "mime": r.mime, "size": r.size, "digest": r.digest} for r in rows],
                   })
    except BaseException:
        _remove(written)
        raise
    return message


def post_staff_message(report: Report, body: Any, *, acting_user: Any) -> Message:
    """A staff member writes to the reporter (shown on the status page)."""
    text = clean_text(body)
    if not text:
        raise InvalidReport({"body": [_("Write a message before sending.")]}, "empty")
    if len(text) > settings.CLUEDESK_MAX_TEXT_CHARS:
        raise InvalidReport({"body": [_("The message is too long: at most %(limit)d characters.")
                                      % {"limit": settings.CLUEDESK_MAX_TEXT_CHARS}]}, "too_long")
    with transaction.atomic():
        message = Message.objects.create(report=report, direction=Message.Direction.TO_REPORTER, body=text,
                                         author=acting_user)
        record("report.message_posted", actor=Actor.staff(acting_user), subject_type="report",
               subject_id=report.pk, data={"message": message.pk})
    return message


def record_public_step(*, kind: str, outcome: str = "", report: Report | None = None, clue: Any = None,
                       acting_user: Any = None, actor: Actor | None = None) -> PublicStep:
    """Add a step to the reporter-visible timeline of one report, or of every report of a clue.

    ``outcome`` is public wording (shown as is); give it for the concluded step.
    """
    if (report is None) == (clue is None):
        raise ValueError("give exactly one of report or clue")
    if kind not in PublicStep.Kind.values:
        raise ValueError(f"unknown public step {kind!r}")
    who = actor or (Actor.staff(acting_user) if acting_user is not None else Actor.system("intake"))
    with transaction.atomic():
        step = PublicStep.objects.create(report=report, clue=clue, kind=kind, outcome=clean_text(outcome))
        subject_type, subject_id = ("report", report.pk) if report is not None else ("clue", clue.public_id)
        record("public_step.recorded", actor=who, subject_type=subject_type, subject_id=subject_id,
               data={"step": step.pk, "kind": kind, "digest": content.digest(step.outcome)})
    return step


def prune_idempotency(older_than: timedelta = timedelta(days=2)) -> int:
    """Forget idempotency keys (and with them the encrypted tracking codes) after a while.

    Housekeeping, not a state change anyone audits: no ledger event.
    """
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def create_channel_token(name: str, *, actor: Actor, replace: bool = False) -> str:
    """A new bearer token for channel ``name``; returned once, only its hash is kept."""
    import secrets

    from .models import ChannelToken

    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", name):
        raise ValueError("a channel name is 1-40 of a-z, 0-9, - and _, starting with a letter or digit")
    token = "cdt_" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    with transaction.atomic():
        existing = ChannelToken.objects.select_for_update().filter(name=name).first()
        if existing is not None and not replace:
            raise ValueError(f"channel {name!r} already has a token (use --replace to issue a new one)")
        if existing is not None:
            existing.token_hash, existing.active = digest, True
            existing.save(update_fields=["token_hash", "active"])
        else:
            ChannelToken.objects.create(name=name, token_hash=digest)
        record("channel_token.issued", actor=actor, subject_type="channel", subject_id=name,
               data={"replaced": replace and existing is not None})
    return token


def revoke_channel_token(name: str, *, actor: Actor) -> bool:
    from .models import ChannelToken

    with transaction.atomic():
        changed = ChannelToken.objects.filter(name=name, active=True).update(active=False)
        if changed:
            record("channel_token.revoked", actor=actor, subject_type="channel", subject_id=name, data={})
    return bool(changed)
