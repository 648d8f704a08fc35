"""Verification: starting it, notes and interview records, evidence files, deadline extensions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluedesk.vault import content
from cluedesk.vault.sealing import encrypt_stream

from ..models import Assignment, Clue, Evidence, ExtensionRequest, Note
from ..workflow import MAX_EXTENSION_DAYS, InvalidInput, NotAllowed
from .framing import Outcome, _begin, _digest, _finish, _optional, _required


def start_verification(clue_ref: Clue | int | str, *, acting_user: Any, version: int | None = None) -> Outcome:
    with transaction.atomic(durable=True):
        clue, t, _m = _begin("start_verification", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        return _finish(clue, t, acting_user, {"unit": clue.unit_id})


def add_note(clue_ref: Clue | int | str, *, acting_user: Any, text: str, kind: str = Note.Kind.NOTE,
             token: str = "") -> Outcome:
    """An internal note or interview record. ``token`` (from the form) makes a resend a no-op."""
    token = (token or "")[:64]

    def same(c: Clue) -> bool:
        return bool(token) and Note.objects.filter(clue=c, token=token).exists()

    with transaction.atomic(durable=True):
        clue, t, _m = _begin("add_note", clue_ref, acting_user, None, same)
        if t is None:
            return Outcome(clue, False)
        if kind not in Note.Kind.values:
            raise InvalidInput(_("Choose a kind of note."))
        note = Note.objects.create(clue=clue, author=acting_user, kind=kind, token=token,
                                   text=_required(text, _("The note"), 20000))
        return _finish(clue, t, acting_user, {"note": note.pk, "kind": kind, "digest": _digest(note.text)})


def evidence_path(file_id: str) -> Path:
    return Path(settings.FILES_DIR) / "evidence" / file_id


def add_evidence(clue_ref: Clue | int | str, *, acting_user: Any, upload: Any, description: str = "",
                 token: str = "") -> Outcome:
    """Store a file encrypted (vault file key) and list it on the clue."""
    token = (token or "")[:64]

    def same(c: Clue) -> bool:
        return bool(token) and Evidence.objects.filter(clue=c, token=token).exists()

    if upload is None:
        raise InvalidInput(_("Choose a file."))
    limit = settings.CLUEDESK_MAX_FILE_BYTES
    if getattr(upload, "size", 0) > limit:
        raise InvalidInput(_("The file is too large (at most %(mb)d MB).") % {"mb": limit // (1024 * 1024)})
    path: Path | None = None
    try:
        with transaction.atomic():
            clue, t, _m = _begin("add_evidence", clue_ref, acting_user, None, same)
            if t is None:
                return Outcome(clue, False)
            ev = Evidence(clue=clue, uploaded_by=acting_user, token=token,
                          name=_required(getattr(upload, "name", "") or "", _("The file name"), 200),
                          content_type=(getattr(upload, "content_type", "") or "")[:100],
                          description=_optional(description, _("The description"), 300), size=0, digest="")
            path = evidence_path(ev.file_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            digest = content.file_hasher()  # keyed: the original file does not confirm it

            def chunks() -> Any:
                for chunk in upload.chunks():
                    digest.update(chunk)
                    yield chunk

            with open(path, "xb") as out:
                ev.size = encrypt_stream(chunks(), out)
            if ev.size == 0:
                raise InvalidInput(_("The file is empty."))
            if ev.size > limit:
                raise InvalidInput(_("The file is too large (at most %(mb)d MB).") % {"mb": limit // (1024 * 1024)})
            ev.digest = digest.hexdigest()
            ev.save()
            return _finish(clue, t, acting_user, {"evidence": ev.file_id, "size": ev.size, "digest": ev.digest})
    except BaseException:
        if path is not None and path.exists():
            path.unlink()
        raise


def request_extension(clue_ref: Clue | int | str, *, acting_user: Any, days: int | str, reason: str) -> Outcome:
    try:
        n = int(days)
    except (TypeError, ValueError):
        n = 0
    reason_text = (reason or "").strip()

    def same(c: Clue) -> bool:
        return ExtensionRequest.objects.filter(clue=c, status=ExtensionRequest.Status.PENDING, days=n,
                                               reason=reason_text, requested_by=acting_user).exists()

    with transaction.atomic(durable=True):
        clue, t, _m = _begin("request_extension", clue_ref, acting_user, None, same)
        if t is None:
            return Outcome(clue, False)
        if not 1 <= n <= MAX_EXTENSION_DAYS:
            raise InvalidInput(_("Ask for between 1 and %(n)d days.") % {"n": MAX_EXTENSION_DAYS})
        if ExtensionRequest.objects.filter(clue=clue, status=ExtensionRequest.Status.PENDING).exists():
            raise InvalidInput(_("An extension request is already waiting for a decision."))
        req = ExtensionRequest.objects.create(clue=clue, requested_by=acting_user, days=n,
                                              reason=_required(reason_text, _("A reason")))
        return _finish(clue, t, acting_user, {"request": req.pk, "days": n})


def decide_extension(clue_ref: Clue | int | str, *, acting_user: Any, approve: bool, reason: str = "",
                     version: int | None = None) -> Outcome:
    status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED

    def same(c: Clue) -> bool:
        last = ExtensionRequest.objects.filter(clue=c).first()
        return (c.last_verb == "decide_extension" and last is not None and last.status == status
                and not ExtensionRequest.objects.filter(clue=c, status=ExtensionRequest.Status.PENDING).exists())

    with transaction.atomic(durable=True):
        clue, t, _m = _begin("decide_extension", clue_ref, acting_user, version, same)
        if t is None:
            return Outcome(clue, False)
        req = ExtensionRequest.objects.select_for_update().filter(
            clue=clue, status=ExtensionRequest.Status.PENDING).first()
        if req is None:
            raise InvalidInput(_("There is no extension request waiting for a decision."))
        if req.requested_by_id == acting_user.pk:
            raise NotAllowed(_("You may not decide on your own request."), state=clue.state)
        req.status, req.decided_by, req.decided_at = status, acting_user, timezone.now()
        req.decision_reason = _optional(reason, _("A reason"))
        if not approve and not req.decision_reason:
            raise InvalidInput(_("Say why the extension is refused."))
        req.save()
        data: dict[str, Any] = {"request": req.pk, "decision": status}
        if approve and clue.deadline is not None:
            clue.deadline = clue.deadline + deadline_delta_days(req.days)
            Assignment.objects.filter(clue=clue, active=True).update(deadline=clue.deadline)
            data["deadline"] = clue.deadline.isoformat()
        return _finish(clue, t, acting_user, data)


def deadline_delta_days(days: int) -> timedelta:
    return timedelta(days=days)
