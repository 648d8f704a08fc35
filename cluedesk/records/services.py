"""Retention: purging a closed clue's personal data with a proof, legal holds, and the run.

A purge is one transaction per clue: it locks the clue, anonymises the reports (text, place,
time and people as told, the sealed identity), blanks message bodies and notes, deletes
attachment and evidence rows, strips the triage index of text features, writes the ``Purge``
row and its one ledger event (counts and keyed digests, never content), and queues the
encrypted files for deletion. The files are unlinked only after the commit; a crash in between
leaves ``PendingFileDeletion`` rows that the next run sweeps. A crash before the commit leaves the
clue untouched. What statistics need stays: the clue's category, division, dates, state and
outcome, and each report's channel, category, division and time — so the supervision facts do
not move.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluedesk.clues import search
from cluedesk.clues import services as clue_services
from cluedesk.clues.models import Clue, Evidence, Note
from cluedesk.intake.attachments import path_for
from cluedesk.intake.models import Attachment, Message, Report
from cluedesk.ledger.services import Actor, record
from cluedesk.triage.models import BandKey, ClueTriage, EntityKey, ReportIndex
from cluedesk.vault import content

from . import policy
from .models import LegalHold, PendingFileDeletion, Purge, RetentionRun
from .policy import Candidate, RetentionError

log = logging.getLogger("cluedesk.records")

# Files with no row that are younger than this are left alone: intake writes a file before the
# transaction that saves its row commits.
ORPHAN_AGE = dt.timedelta(days=1)
KINDS = ("identities", "report_texts", "messages", "attachments", "evidence", "notes", "index_entries")


def _digest(data: bytes | str) -> str:
    """What the proof keeps of an item: a keyed digest (BLAKE2b under the index key,
    ``content.digest``), never a plain SHA-256 that whoever holds the original text could confirm."""
    return content.digest(data)


def manifest(digests: Iterable[str]) -> str | None:
    """One keyed digest over the sorted per-item digests of a kind (None when nothing went)."""
    items = sorted(digests)
    return _digest("\n".join(items)) if items else None


def digest_key() -> dict[str, str]:
    """How the proof's digests were made, and under which key (by fingerprint, never the key)."""
    return {"algorithm": "BLAKE2b-256, keyed", "key": content.INDEX_KEY_FILE,
            "key_fingerprint": content.index_key_fingerprint(),
            "items": "content.digest (person cluedesk-dg); files: the plaintext, content.file_hasher "
                     "(person cluedesk-fd), as recorded at intake; ciphertext_sha256: plain SHA-256 of the "
                     "encrypted file"}


def file_digest(path: Path) -> str | None:
    if not path.exists():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _relative(path: Path) -> str:
    return str(path.relative_to(Path(settings.FILES_DIR)))


def attachment_path(public_id: str) -> Path:
    return path_for(public_id)


def evidence_path(file_id: str) -> Path:
    return clue_services.evidence_path(file_id)


# --- what a clue holds --------------------------------------------------------------------------

def personal_data_counts(clue_ids: list[int]) -> dict[str, int]:
    """How much personal data these clues still hold, per kind (for the dry run)."""
    reports = Report.objects.filter(clue_id__in=clue_ids)
    report_ids = list(reports.values_list("pk", flat=True))
    return {
        "reports": len(report_ids),
        "identities": reports.filter(sealed_identity__isnull=False).count(),
        "report_texts": reports.exclude(text="").count(),
        "messages": Message.objects.filter(report_id__in=report_ids).exclude(body="").count(),
        "attachments": Attachment.objects.filter(report_id__in=report_ids).count(),
        "evidence": Evidence.objects.filter(clue_id__in=clue_ids).count(),
        "notes": Note.objects.filter(clue_id__in=clue_ids).exclude(text="").count(),
        "index_entries": ReportIndex.objects.filter(report_id__in=report_ids).count(),
    }


# --- one clue -----------------------------------------------------------------------------------

def _hold_message(clue: Clue, hold: LegalHold) -> str:
    return _("Clue %(clue)s is under a legal hold (%(reason)s, placed %(when)s); it cannot be purged until the "
             "hold is released.") % {"clue": clue.public_id, "reason": hold.reason,
                                     "when": timezone.localtime(hold.placed_at).strftime("%Y-%m-%d")}


def purge_clue(candidate: Candidate, *, now: dt.datetime, actor: Actor, run: RetentionRun | None = None,
               profile_key: str = "") -> Purge | None:
    """Purge one due clue; None when it was already purged (a repeat is a no-op).

    Raises RetentionError when the clue is held, no longer closed or not yet due."""
    paths: list[str] = []
    with transaction.atomic():
        clue = Clue.objects.select_for_update().filter(pk=candidate.clue_id).first()
        if clue is None or Purge.objects.filter(clue_id=candidate.clue_id).exists():
            return None
        hold = LegalHold.objects.filter(clue=clue, released_at__isnull=True).first()
        if hold is not None:
            raise RetentionError(_hold_message(clue, hold), "held")
        _profile, periods = policy.periods_in_force()
        fresh = policy.candidates(periods, Clue.objects.filter(pk=clue.pk))
        if not fresh or not fresh[0].is_due(now):
            raise RetentionError(_("Clue %(clue)s is not due for purging.") % {"clue": clue.public_id}, "not_due")
        current = fresh[0]

        reports = list(Report.objects.select_for_update().filter(clue=clue).order_by("pk"))
        report_ids = [r.pk for r in reports]
        identities = [_digest(bytes(r.sealed_identity)) for r in reports if r.sealed_identity]
        texts = [_digest("\x1f".join([r.text, r.place_text, r.when_text, r.who_text, r.channel_ref]))
                 for r in reports if any([r.text, r.place_text, r.when_text, r.who_text, r.channel_ref])]
        Report.objects.filter(pk__in=report_ids).update(text="", place_text="", when_text="", who_text="",
                                                        channel_ref="", sealed_identity=None)

        messages = list(Message.objects.filter(report_id__in=report_ids).exclude(body="").values_list("pk", "body"))
        Message.objects.filter(pk__in=[pk for pk, _b in messages]).update(body="")

        files: list[dict[str, Any]] = []
        attachments = list(Attachment.objects.filter(report_id__in=report_ids).order_by("pk"))
        for a in attachments:
            path = attachment_path(a.public_id)
            files.append({"kind": "attachment", "id": a.public_id, "digest": a.digest, "size": a.size,
                          "ciphertext_sha256": file_digest(path),
                          "sealed_name_digest": _digest(bytes(a.sealed_name)) if a.sealed_name else None})
            paths.append(_relative(path))
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()

        evidence = list(Evidence.objects.filter(clue=clue).order_by("pk"))
        for e in evidence:
            path = evidence_path(e.file_id)
            files.append({"kind": "evidence", "id": e.file_id, "digest": e.digest, "size": e.size,
                          "ciphertext_sha256": file_digest(path), "name_digest": _digest(e.name)})
            paths.append(_relative(path))
        Evidence.objects.filter(pk__in=[e.pk for e in evidence]).delete()

        notes = list(Note.objects.filter(clue=clue).exclude(text="").values_list("pk", "text"))
        Note.objects.filter(pk__in=[pk for pk, _t in notes]).update(text="")

        entries = list(ReportIndex.objects.filter(report_id__in=report_ids).values_list("pk", "signature", "entities"))
        entry_ids = [pk for pk, _s, _e in entries]
        bands = BandKey.objects.filter(entry_id__in=entry_ids).delete()[0]
        entity_keys = EntityKey.objects.filter(entry_id__in=entry_ids).delete()[0]
        ReportIndex.objects.filter(pk__in=entry_ids).update(signature=b"", entities={})
        implicated = sum(1 for t in ClueTriage.objects.filter(clue=clue) if t.implicated)
        ClueTriage.objects.filter(clue=clue).update(implicated=[])
        title_digest = _digest(clue.title) if clue.title else None
        Clue.objects.filter(pk=clue.pk).update(title="")
        search_grams = search.forget([clue.pk])

        counts = {
            "reports": len(reports), "identities": len(identities), "report_texts": len(texts),
            "messages": len(messages), "attachments": len(attachments),
            "attachment_bytes": sum(a.size for a in attachments), "evidence": len(evidence),
            "evidence_bytes": sum(e.size for e in evidence), "notes": len(notes),
            "index_entries": len(entries), "band_keys": bands, "entity_keys": entity_keys,
            "triage_implicated": implicated, "clue_title": int(title_digest is not None),
            "search_grams": search_grams,
        }
        digests = {
            "identities": manifest(identities),
            "report_texts": manifest(texts),
            "messages": manifest(_digest(b) for _pk, b in messages),
            "attachments": manifest(f["ciphertext_sha256"] or f["digest"] for f in files if f["kind"] == "attachment"),
            "evidence": manifest(f["ciphertext_sha256"] or f["digest"] for f in files if f["kind"] == "evidence"),
            "notes": manifest(_digest(t) for _pk, t in notes),
            "index_entries": manifest(_digest(bytes(s) + repr(sorted((e or {}).items())).encode())
                                      for _pk, s, e in entries),
            "clue_title": title_digest,
        }
        proof = {
            "clue": clue.public_id, "profile": profile_key, "outcome": current.outcome,
            "retention_days": current.days, "closed_at": current.closed_at.isoformat(),
            "due_at": current.due_at.isoformat() if current.due_at else None, "as_of": now.isoformat(),
            "run": run.pk if run else None, "counts": counts, "digests": digests,
            "digest_key": digest_key(), "files": files,
            "kept": ["clue state, category, industry, division, dates, outcome",
                     "report channel, category, division, time", "conclusion and signatures", "public steps"],
        }
        purge = Purge.objects.create(clue=clue, run=run, purged_at=timezone.now(), outcome=current.outcome,
                                     retention_days=current.days or 0, counts=counts, proof=proof)
        event = record("records.purged", actor=actor, subject_type="clue", subject_id=clue.public_id, data=proof)
        Purge.objects.filter(pk=purge.pk).update(event_seq=event.seq)
        created = timezone.now()
        PendingFileDeletion.objects.bulk_create(
            [PendingFileDeletion(path=p, purge=purge, created_at=created) for p in paths], ignore_conflicts=True)
        transaction.on_commit(lambda: remove_files(paths))
    return purge


def remove_files(paths: Iterable[str]) -> int:
    """Unlink files whose rows went in a committed purge, then forget them."""
    root = Path(settings.FILES_DIR)
    done: list[str] = []
    for rel in paths:
        try:
            (root / rel).unlink(missing_ok=True)
            done.append(rel)
        except OSError:
            log.exception("could not remove %s; the next sweep retries", rel)
    if done:
        PendingFileDeletion.objects.filter(path__in=done).delete()
    return len(done)


def sweep_files(now: dt.datetime | None = None) -> dict[str, int]:
    """Finish deletions a crash interrupted, and remove encrypted files no row refers to."""
    now = now or timezone.now()
    pending = remove_files(list(PendingFileDeletion.objects.values_list("path", flat=True)))
    root = Path(settings.FILES_DIR)
    orphans = 0
    if root.exists():
        cutoff = (now - ORPHAN_AGE).timestamp()
        for folder in root.iterdir():
            if not folder.is_dir():
                continue
            is_evidence = folder.name == "evidence"
            if not is_evidence and len(folder.name) != 2:
                continue
            names = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
            if not names:
                continue
            ids = {p.name for p in names}
            known = set((Evidence.objects.filter(file_id__in=ids).values_list("file_id", flat=True)) if is_evidence
                        else Attachment.objects.filter(public_id__in=ids).values_list("public_id", flat=True))
            for p in names:
                if p.name not in known:
                    p.unlink(missing_ok=True)
                    orphans += 1
    return {"pending": pending, "orphans": orphans}


# --- the run ------------------------------------------------------------------------------------

@dataclass
class RunResult:
    as_of: dt.datetime
    profile: str
    dry_run: bool
    due: list[Candidate] = field(default_factory=list)
    held: list[Candidate] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "profile": self.profile, "dry_run": self.dry_run,
            "run": self.run_id,
            "due": [{"clue": c.public_id, "outcome": c.outcome, "closed_at": c.closed_at.isoformat(),
                     "retention_days": c.days, "due_at": c.due_at.isoformat() if c.due_at else None}
                    for c in self.due],
            "held": [{"clue": c.public_id, "hold": c.hold_id, "reason": c.hold_reason} for c in self.held],
            "purged": self.purged, "failed": [{"clue": c, "error": e} for c, e in self.failed],
            "counts": self.counts, "files": self.files,
        }


def run_retention(*, now: dt.datetime | None = None, dry_run: bool = False, user: Any = None,
                  trigger: str = "command", clues: Any = None, only: str | None = None) -> RunResult:
    """Purge every due, unheld clue (of ``clues``, a Clue queryset; or just the clue ``only``).

    A dry run writes nothing and lists what would go, with counts per kind. Impossible retention
    settings refuse the whole run before anything is written."""
    now = now or timezone.now()
    profile, periods = policy.periods_in_force()
    scope = clues if clues is not None else Clue.objects.all()
    if only:
        target = scope.filter(public_id=only.strip().upper()).first()
        if target is None:
            raise RetentionError(_("No clue %(clue)s.") % {"clue": only}, "unknown_clue")
        scope = Clue.objects.filter(pk=target.pk)
        hold = LegalHold.objects.filter(clue=target, released_at__isnull=True).first()
        if hold is not None:
            raise RetentionError(_hold_message(target, hold), "held")
        if Purge.objects.filter(clue=target).exists():
            raise RetentionError(_("Clue %(clue)s was already purged.") % {"clue": target.public_id}, "purged")
    due = policy.due(periods, now, scope)
    if only and not due:
        raise RetentionError(_("Clue %(clue)s is not due for purging.") % {"clue": only.strip().upper()}, "not_due")
    result = RunResult(as_of=now, profile=profile.key, dry_run=dry_run,
                       due=[c for c in due if not c.held], held=[c for c in due if c.held])
    result.counts = personal_data_counts([c.clue_id for c in result.due])
    if dry_run:
        return result
    if not result.due:  # nothing to purge: a run writes nothing (the worker runs it daily)
        result.files = sweep_files(now)
        return result
    actor = Actor.staff(user) if user is not None else Actor.system("retention")
    files_before = sweep_files(now)
    run = RetentionRun.objects.create(as_of=now, started_at=timezone.now(), trigger=trigger, started_by=user,
                                      profile=profile.key)
    result.run_id = run.pk
    files_deleted = 0
    for c in result.due:
        try:
            purge = purge_clue(c, now=now, actor=actor, run=run, profile_key=profile.key)
            if purge is not None:
                result.purged.append(c.public_id)
                files_deleted += len(purge.proof.get("files", []))
        except RetentionError as exc:
            if exc.code == "held":
                result.held.append(c)
            else:
                result.failed.append((c.public_id, str(exc.message)))
        except Exception as exc:  # one clue failing must not stop the others; it stays untouched
            log.exception("purge of %s failed", c.public_id)
            result.failed.append((c.public_id, f"{type(exc).__name__}: {exc}"))
    files_after = sweep_files(now)
    result.files = {"pending_removed": files_before["pending"] + files_after["pending"],
                    "orphans_removed": files_before["orphans"] + files_after["orphans"]}
    with transaction.atomic():
        RetentionRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), purged=len(result.purged), held=len(result.held), failed=len(result.failed),
            files_deleted=files_deleted,
            error="; ".join(f"{c}: {e}" for c, e in result.failed)[:2000])
        record("records.retention_run", actor=actor, subject_type="retention_run", subject_id=run.pk, data={
            "as_of": now.isoformat(), "profile": profile.key, "trigger": trigger, "purged": result.purged,
            "held": [c.public_id for c in result.held], "failed": [c for c, _e in result.failed],
            "files": result.files})
    return result


# --- legal holds --------------------------------------------------------------------------------

def _clean_reason(value: Any, label: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise RetentionError(_("%(what)s is required.") % {"what": label}, "required")
    if len(text) > 300:
        raise RetentionError(_("%(what)s is at most 300 characters.") % {"what": label}, "too_long")
    return text


def place_hold(clue: Clue, *, reason: Any, user: Any, now: dt.datetime | None = None) -> LegalHold:
    reason = _clean_reason(reason, _("The reason for the hold"))
    with transaction.atomic():
        locked = Clue.objects.select_for_update().get(pk=clue.pk)
        if Purge.objects.filter(clue=locked).exists():
            raise RetentionError(_("Clue %(clue)s was already purged; there is nothing left to hold.")
                                 % {"clue": locked.public_id}, "purged")
        existing = LegalHold.objects.filter(clue=locked, released_at__isnull=True).first()
        if existing is not None:
            raise RetentionError(_("Clue %(clue)s is already under a legal hold (%(reason)s).")
                                 % {"clue": locked.public_id, "reason": existing.reason}, "already_held")
        hold = LegalHold.objects.create(clue=locked, reason=reason, placed_by=user, placed_at=now or timezone.now())
        record("records.hold_placed", actor=Actor.staff(user), subject_type="clue", subject_id=locked.public_id,
               data={"hold": hold.pk, "reason": reason})
    return hold


def release_hold(hold_id: Any, *, reason: Any, user: Any, holds: Any = None,
                 now: dt.datetime | None = None) -> LegalHold:
    """Release an active hold (``holds``: the queryset the person may act on)."""
    reason = _clean_reason(reason, _("The reason for the release"))
    qs = holds if holds is not None else LegalHold.objects.all()
    try:
        pk = int(hold_id)
    except (TypeError, ValueError):
        pk = 0
    with transaction.atomic():
        hold = qs.select_for_update().filter(pk=pk).select_related("clue").first() if pk else None
        if hold is None:
            raise RetentionError(_("There is no legal hold number %(id)s.") % {"id": hold_id}, "no_hold")
        if hold.released_at is not None:
            raise RetentionError(_("Legal hold %(id)s on clue %(clue)s was already released.")
                                 % {"id": hold.pk, "clue": hold.clue.public_id}, "released")
        hold.released_at = now or timezone.now()
        hold.released_by = user
        hold.release_reason = reason
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        record("records.hold_released", actor=Actor.staff(user), subject_type="clue",
               subject_id=hold.clue.public_id, data={"hold": hold.pk, "reason": reason})
    return hold


def job_retention(now: dt.datetime) -> dict[str, Any]:
    """The worker's daily job (registered in cluedesk/records/periodic.py)."""
    result = run_retention(now=now, trigger="worker")
    return {"purged": len(result.purged), "held": len(result.held), "failed": len(result.failed)}
