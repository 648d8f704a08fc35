"""The verbs of a clue's lifecycle. Each one: lock the clue (``select_for_update``), ask the
transitions table (``workflow.check``), change rows, write exactly one ledger event, and add a
public step for the reporter when the change is public — all in one transaction.

A verb repeated after it already happened (a double click, a retried request) returns
``Outcome(changed=False)`` and writes nothing. A form built on an older version of the clue is
refused with ``StaleForm`` naming the current state. Every refusal is a ``WorkflowError`` whose
message is in the actor's language, and leaves nothing written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, record
from cluedesk.org.models import Division, Membership, Unit
from cluedesk.vault import content

from . import reporter_loop, search
from .conflicts import barred_unit_ids
from .models import (
    Accountability,
    Assignment,
    Clue,
    Conclusion,
    Evidence,
    ExtensionRequest,
    ImplicatedUnit,
    Note,
    Review,
    Signature,
    join_outcomes,
    split_outcomes,
)
from .workflow import (
    MAX_EXTENSION_DAYS,
    SIGNATORY_ROLES,
    TRANSITIONS,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
    StaleForm,
    Transition,
    WorkflowError,
    check,
    deadline_delta,
    division_ancestors,
    qualifying_memberships,
    sources,
    state_label,
)

S = Clue.State
M = Assignment.Mode

__all__ = [
    "Outcome", "WorkflowError", "IllegalTransition", "StaleForm", "NotAllowed", "InvalidInput",
    "screen_valid", "screen_invalid", "transfer", "merge", "flag_implicated", "assign", "reassign",
    "start_verification", "add_note", "add_evidence", "request_extension", "decide_extension",
    "draft_conclusion", "edit_conclusion", "sign", "refuse_signature", "conclude", "review_keep",
    "review_reopen", "record_accountability", "assignment_options",
]


@dataclass
class Outcome:
    clue: Clue
    changed: bool
    event: Event | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --- the frame every verb runs in -------------------------------------------------------------

def _lock(clue_ref: Clue | int | str) -> Clue:
    if isinstance(clue_ref, Clue):
        lookup: dict[str, Any] = {"pk": clue_ref.pk}
    elif isinstance(clue_ref, int):
        lookup = {"pk": clue_ref}
    else:
        lookup = {"public_id": clue_ref}
    clue = Clue.objects.select_for_update().filter(**lookup).first()
    if clue is None:
        raise InvalidInput(_("This clue does not exist."))
    return clue


def _required(value: str | None, what: str, limit: int = 5000) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(what)s is required.") % {"what": what})
    if len(text) > limit:
        raise InvalidInput(_("%(what)s is too long (at most %(n)d characters).") % {"what": what, "n": limit})
    return text


def _optional(value: str | None, what: str, limit: int = 5000) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(_("%(what)s is too long (at most %(n)d characters).") % {"what": what, "n": limit})
    return text


def _digest(*parts: str) -> str:
    """What the event keeps of a text: a keyed digest (proves the text to whoever has the keys,
    confirms nothing to whoever holds only a guess of it)."""
    return content.digest(*parts)


def _is_repeat(clue: Clue, verb: str, same: Callable[[Clue], bool] | None) -> bool:
    """Has this very verb already happened? Then it is a no-op, not an error."""
    if same is not None:
        return same(clue)
    targets = {t.target for t in TRANSITIONS if t.verb == verb}
    return clue.last_verb == verb and clue.state in targets and clue.state not in sources(verb)


def _may_see_repeat(clue: Clue, verb: str, user: Any) -> bool:
    rows = [t for t in TRANSITIONS if t.verb == verb]
    return any(qualifying_memberships(clue, user, t.roles, t.where) for t in rows)


def _begin(verb: str, clue_ref: Clue | int | str, user: Any, version: int | None,
           same: Callable[[Clue], bool] | None = None) -> tuple[Clue, Transition | None, list[Membership]]:
    """Lock, detect a repeat, then ask the transitions table. Must run inside the atomic block."""
    clue = _lock(clue_ref)
    if _is_repeat(clue, verb, same):
        if not _may_see_repeat(clue, verb, user):
            raise NotAllowed(_("Your role does not allow this action on this clue."), state=clue.state)
        return clue, None, []
    t, memberships = check(clue, verb, user, version)
    return clue, t, memberships


def _finish(clue: Clue, t: Transition, user: Any, data: dict[str, Any], *, target: str | None = None,
            public: tuple[str, str] | None = None) -> Outcome:
    """Save the clue, add the reporter's public step if any, and write the verb's one event
    (which also carries what the reporter was told)."""
    before = clue.state
    clue.state = target or t.target
    clue.version += 1
    clue.last_verb = t.verb
    clue.save()
    if public is not None:
        data = {**data, "public_step": reporter_loop.announce(clue, *public)}
    event = record(f"clue.{t.verb}", actor=Actor.staff(user), subject_type="clue", subject_id=clue.public_id,
                   data={"from": before, "to": clue.state, "version": clue.version, **data})
    return Outcome(clue, True, event)


def _unit(value: Unit | int | str | None) -> Unit:
    if isinstance(value, Unit):
        return value
    try:
        unit = Unit.objects.select_related("division").filter(pk=int(value)).first() if value else None
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise InvalidInput(_("Choose a unit."))
    return unit


# --- screening ---------------------------------------------------------------------------------

def screen_valid(clue_ref: Clue | int | str, *, acting_user: Any, version: int | None = None,
                 priority: str = "", category: str | None = None, industry: str | None = None,
                 division: Division | str | None = None, title: str | None = None) -> Outcome:
    with transaction.atomic():
        clue, t, _m = _begin("screen_valid", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        if priority:
            if priority not in Clue.Priority.values:
                raise InvalidInput(_("Choose a priority from the list."))
            clue.priority = priority
        if category is not None:
            clue.category = _optional(category, _("Category"), 32)
        if industry is not None:
            clue.industry = _optional(industry, _("Industry"), 32)
        if title is not None:
            clue.title = _optional(title, _("Title"), 200)
            search.reindex(clue)
        if division:
            div = division if isinstance(division, Division) else Division.objects.filter(code=division).first()
            if div is None:
                raise InvalidInput(_("Unknown division code."))
            clue.division = div
        return _finish(clue, t, acting_user, {
            "priority": clue.priority, "category": clue.category, "industry": clue.industry,
            "division": clue.division_id or ""},
                       public=("under_review", _("Your report was accepted and will be verified.")))


def screen_invalid(clue_ref: Clue | int | str, *, acting_user: Any, reason: str,
                   version: int | None = None) -> Outcome:
    with transaction.atomic():
        clue, t, _m = _begin("screen_invalid", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        clue.screening_reason = _required(reason, _("A reason"))
        return _finish(clue, t, acting_user, {"reason_digest": _digest(clue.screening_reason)},
                       public=("concluded", _("Closed after review: the report could not be acted upon.")))


def transfer(clue_ref: Clue | int | str, *, acting_user: Any, body: str, reason: str = "",
             version: int | None = None) -> Outcome:
    with transaction.atomic():
        clue, t, _m = _begin("transfer", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        clue.transferred_to = _required(body, _("The body it is transferred to"), 200)
        clue.screening_reason = _optional(reason, _("A reason"))
        return _finish(clue, t, acting_user, {"to_body": clue.transferred_to},
                       public=("concluded", _("Outside our remit: transferred to %(body)s, which is "
                                                    "responsible for this matter.") % {"body": clue.transferred_to}))


def merge(clue_ref: Clue | int | str, *, acting_user: Any, into: Clue | str,
          version: int | None = None) -> Outcome:
    """Fold this clue's reports into ``into`` (the same matter). The other clue must be visible
    to the actor and still open."""
    with transaction.atomic():
        clue, t, _m = _begin("merge", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        target_id = into.public_id if isinstance(into, Clue) else (into or "").strip().upper()
        seen = Clue.objects.visible_to(acting_user).filter(public_id=target_id).values_list("pk", flat=True)
        target = Clue.objects.select_for_update().filter(pk__in=list(seen)).first()
        if target is None:
            raise InvalidInput(_("No clue with that number is visible to you."))
        if target.pk == clue.pk:
            raise InvalidInput(_("A clue cannot be merged into itself."))
        if target.state in (S.MERGED, S.INVALID, S.TRANSFERRED):
            raise InvalidInput(_("That clue is closed; merge into an open one."))
        moving = reporter_loop.report_ids(clue)
        moved = reporter_loop.move_reports(clue, target)
        search.reindex(target)
        search.reindex(clue)
        target.report_count = target.report_count + moved
        target.version += 1
        target.save(update_fields=["report_count", "version", "updated_at"])
        clue.merged_into = target
        clue.report_count = 0
        public = reporter_loop.announce_reports(
            moving, "under_review", _("Your report was grouped with other reports on the same matter."))
        return _finish(clue, t, acting_user, {"into": target.public_id, "reports": moved, "public_step": public})


def flag_implicated(clue_ref: Clue | int | str, *, acting_user: Any, unit: Unit | int | str,
                    official: str = "", note: str = "", version: int | None = None) -> Outcome:
    """Record that the clue implicates a unit (and possibly an official in it). From then on the
    unit and its subordinates are barred; if the clue was with one of them, it goes back to dispatch."""
    target_unit = _unit(unit)

    def same(c: Clue) -> bool:
        return ImplicatedUnit.objects.filter(clue=c, unit=target_unit).exists()

    with transaction.atomic():
        clue, t, _m = _begin("flag_implicated", clue_ref, acting_user, version, same)
        if t is None:
            return Outcome(clue, False)
        ImplicatedUnit.objects.create(clue=clue, unit=target_unit, official=_optional(official, _("Official"), 120),
                                      note=_optional(note, _("Note"), 300), added_by=acting_user)
        clue.umbrella = True
        data: dict[str, Any] = {"unit": target_unit.pk}
        if t.target != t.source:
            withdrawn = Assignment.objects.filter(clue=clue, active=True)
            data["withdrawn_from"] = list(withdrawn.values_list("unit_id", flat=True))
            withdrawn.update(active=False)
            clue.unit, clue.mode, clue.deadline = None, "", None
        return _finish(clue, t, acting_user, data)


# --- dispatch ----------------------------------------------------------------------------------

def assignment_options(clue: Clue) -> dict[str, list[Unit]]:
    """Units the dispatcher may choose, per mode, with barred units already left out."""
    barred = barred_unit_ids(clue)
    options: dict[str, list[Unit]] = {M.LOCAL: [], M.OFFSITE: [], M.UPGRADED: []}
    if clue.division is None:
        return options
    for unit in Unit.objects.filter(active=True).select_related("division").order_by("division__path", "name"):
        if unit.pk in barred:
            continue
        mode = _mode_of(clue, unit)
        if mode:
            options[mode].append(unit)
    return options


def _mode_of(clue: Clue, unit: Unit) -> str:
    """The only mode in which ``unit`` may take ``clue`` ("" if none: a unit below the clue's division)."""
    assert clue.division is not None
    if unit.division_id == clue.division_id:
        return M.LOCAL
    if unit.division.code in division_ancestors(clue.division):
        return M.UPGRADED
    if clue.division.code in division_ancestors(unit.division):
        return ""
    return M.OFFSITE


def _validate_assignment(clue: Clue, unit: Unit, mode: str) -> None:
    if mode not in M.values:
        raise InvalidInput(_("Choose how the clue is handled: local, off-site or upgraded."))
    if not unit.active:
        raise InvalidInput(_("This unit is no longer active."))
    if unit.pk in barred_unit_ids(clue):
        raise InvalidInput(_("%(unit)s is implicated by this clue, or is under an implicated unit, and may not "
                             "handle it. Choose off-site or upgraded handling.") % {"unit": unit.name})
    if clue.division is None:
        raise InvalidInput(_("Set the clue's division when screening it before assigning it."))
    actual = _mode_of(clue, unit)
    if actual != mode:
        messages = {
            M.LOCAL: _("Local handling needs a unit in the clue's own division."),
            M.OFFSITE: _("Off-site handling needs a unit of another division, not above or below this one."),
            M.UPGRADED: _("Upgraded handling needs a unit at a level above the clue's division."),
        }
        raise InvalidInput(messages[M(mode)])


def _place(clue: Clue, unit: Unit, mode: str, user: Any, reason: str) -> Assignment:
    Assignment.objects.filter(clue=clue, active=True).update(active=False)
    deadline = timezone.now() + deadline_delta(mode, clue.priority)
    assignment = Assignment.objects.create(clue=clue, unit=unit, mode=mode, deadline=deadline,
                                           assigned_by=user, reason=reason)
    clue.unit, clue.mode, clue.deadline = unit, mode, deadline
    return assignment


def assign(clue_ref: Clue | int | str, *, acting_user: Any, unit: Unit | int | str, mode: str,
           reason: str = "", version: int | None = None, verb: str = "assign") -> Outcome:
    target_unit = _unit(unit)

    def same(c: Clue) -> bool:
        return (c.last_verb in ("assign", "reassign", "review_reopen") and c.state == S.ASSIGNED
                and c.unit_id == target_unit.pk and c.mode == mode)

    with transaction.atomic():
        clue, t, _m = _begin(verb, clue_ref, acting_user, version, same)
        if t is None:
            return Outcome(clue, False)
        _validate_assignment(clue, target_unit, mode)
        reason = _optional(reason, _("A reason"))
        if verb == "reassign" and not reason:
            raise InvalidInput(_("Say why the clue is reassigned."))
        a = _place(clue, target_unit, mode, acting_user, reason)
        return _finish(clue, t, acting_user, {"unit": target_unit.pk, "mode": mode,
                                                 "deadline": a.deadline.isoformat()},
                       public=("verifying", _("Your report has been handed to an office for verification.")))


def reassign(clue_ref: Clue | int | str, *, acting_user: Any, unit: Unit | int | str, mode: str,
             reason: str, version: int | None = None) -> Outcome:
    return assign(clue_ref, acting_user=acting_user, unit=unit, mode=mode, reason=reason, version=version,
                  verb="reassign")


# --- verification ------------------------------------------------------------------------------

def start_verification(clue_ref: Clue | int | str, *, acting_user: Any, version: int | None = None) -> Outcome:
    with transaction.atomic():
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

    with transaction.atomic():
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
    from cluedesk.vault.sealing import encrypt_stream

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

    with transaction.atomic():
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

    with transaction.atomic():
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


# --- conclusion and the three signatures -------------------------------------------------------

CONCLUSION_FIELDS = ("finding", "outcome", "case_number", "summary", "public_wording")


def _conclusion_values(finding: str, outcome: str, case_number: str, summary: str,
                       public_wording: str, also: Iterable[str] = ()) -> dict[str, str]:
    if finding not in Conclusion.Finding.values:
        raise InvalidInput(_("Choose a finding."))
    if outcome not in Conclusion.Outcome.values:
        raise InvalidInput(_("Choose an outcome."))
    further = [o for o in dict.fromkeys(also or ()) if o != outcome]
    if any(o not in Conclusion.Outcome.values for o in further):
        raise InvalidInput(_("Choose the further outcomes from the list."))
    if further and Conclusion.Outcome.NO_ACTION in (outcome, *further):
        raise InvalidInput(_("“No action” cannot be combined with another outcome."))
    further.sort(key=Conclusion.Outcome.values.index)
    case_number = _optional(case_number, _("The case number"), 64)
    if Conclusion.Outcome.CRIMINAL_CASE in (outcome, *further) and not case_number:
        raise InvalidInput(_("A criminal case needs its case number."))
    return {
        "finding": finding, "outcome": outcome, "also_outcomes": join_outcomes(further), "case_number": case_number,
        "summary": _required(summary, _("The internal summary"), 20000),
        "public_wording": _required(public_wording, _("The wording for the reporter"), 2000),
    }


def _conclusion_data(c: Conclusion) -> dict[str, Any]:
    data = {"conclusion": c.pk, "revision": c.revision, "finding": c.finding, "outcome": c.outcome,
            "case_number": c.case_number, "digest": _digest(c.summary, c.public_wording)}
    if c.also_outcomes:
        data["also_outcomes"] = split_outcomes(c.also_outcomes)
    return data


def draft_conclusion(clue_ref: Clue | int | str, *, acting_user: Any, finding: str, outcome: str,
                     summary: str, public_wording: str, case_number: str = "",
                     version: int | None = None, also_outcomes: Iterable[str] = ()) -> Outcome:
    with transaction.atomic():
        clue, t, _m = _begin("draft_conclusion", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        values = _conclusion_values(finding, outcome, case_number, summary, public_wording, also_outcomes)
        clue.conclusions.filter(superseded=False).update(superseded=True)
        assert clue.unit_id is not None
        c = Conclusion.objects.create(clue=clue, unit_id=clue.unit_id, drafter=acting_user, **values)
        return _finish(clue, t, acting_user, _conclusion_data(c))


def edit_conclusion(clue_ref: Clue | int | str, *, acting_user: Any, finding: str, outcome: str,
                    summary: str, public_wording: str, case_number: str = "",
                    version: int | None = None, also_outcomes: Iterable[str] = ()) -> Outcome:
    """Any change voids the signatures already given: they were given on other words."""
    with transaction.atomic():
        clue, t, _m = _begin("edit_conclusion", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        if c is None:
            raise InvalidInput(_("There is no draft to edit."))
        values = _conclusion_values(finding, outcome, case_number, summary, public_wording, also_outcomes)
        if all(getattr(c, k) == v for k, v in values.items()):
            return Outcome(clue, False)
        voided = c.signatures.filter(voided=False).update(voided=True)
        for k, v in values.items():
            setattr(c, k, v)
        c.revision += 1
        c.save()
        return _finish(clue, t, acting_user, {**_conclusion_data(c), "voided_signatures": voided})


def sign(clue_ref: Clue | int | str, *, acting_user: Any, revision: int | None = None, role: str = "") -> Outcome:
    """Sign the current draft. Signatures count for the revision they were given on; the third
    distinct signatory role, held by a third distinct person, makes the conclusion final."""

    def same(c: Clue) -> bool:
        current = c.current_conclusion
        return (current is not None and c.state in (S.DRAFTED, S.SIGNED)
                and current.valid_signatures().filter(signer=acting_user).exists()
                and (revision is None or int(revision) == current.revision))

    with transaction.atomic():
        clue, t, memberships = _begin("sign", clue_ref, acting_user, None, same)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        if c is None:
            raise InvalidInput(_("There is no draft to sign."))
        if revision is not None and int(revision) != c.revision:
            raise StaleForm(_("The conclusion was edited after you opened it. Read the new text before signing."),
                            state=clue.state)
        if c.drafter_id == acting_user.pk:
            raise NotAllowed(_("The person who drafted the conclusion may not sign it."), state=clue.state)
        taken = set(c.valid_signatures().values_list("role", flat=True))
        free = [m for m in memberships if m.role not in taken and (not role or m.role == role)]
        if not free:
            raise NotAllowed(_("The signatory role you hold has already signed this conclusion."), state=clue.state)
        m = sorted(free, key=lambda x: SIGNATORY_ROLES.index(x.role))[0]
        try:
            with transaction.atomic():
                Signature.objects.create(conclusion=c, revision=c.revision, signer=acting_user, role=m.role,
                                         unit=m.unit)
        except IntegrityError as exc:
            raise StaleForm(_("Someone signed in this role a moment ago."), state=clue.state) from exc
        signed_roles = taken | {m.role}
        complete = set(SIGNATORY_ROLES) <= signed_roles
        if complete:
            c.final = True
            c.save(update_fields=["final", "updated_at"])
        return _finish(clue, t, acting_user, {"conclusion": c.pk, "revision": c.revision, "role": m.role,
                                              "unit": m.unit_id, "signatures": len(signed_roles)},
                       target=S.SIGNED if complete else S.DRAFTED)


def refuse_signature(clue_ref: Clue | int | str, *, acting_user: Any, reason: str,
                     version: int | None = None) -> Outcome:
    with transaction.atomic():
        clue, t, _m = _begin("refuse_signature", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        if c is None:
            raise InvalidInput(_("There is no draft to refuse."))
        if c.drafter_id == acting_user.pk:
            raise NotAllowed(_("The person who drafted the conclusion may not sign it."), state=clue.state)
        c.returned_reason = _required(reason, _("A reason"))
        voided = c.signatures.filter(voided=False).update(voided=True)
        c.save(update_fields=["returned_reason", "updated_at"])
        return _finish(clue, t, acting_user, {"conclusion": c.pk, "revision": c.revision,
                                              "reason_digest": _digest(c.returned_reason),
                                              "voided_signatures": voided})


def conclude(clue_ref: Clue | int | str, *, acting_user: Any, version: int | None = None) -> Outcome:
    with transaction.atomic():
        clue, t, _m = _begin("conclude", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        if c is None or not c.final:
            raise InvalidInput(_("The conclusion needs its three signatures first."))
        clue.concluded_at = timezone.now()
        return _finish(clue, t, acting_user, _conclusion_data(c),
                       public=("concluded", c.public_wording))


# --- review and accountability -----------------------------------------------------------------

@dataclass
class AccountabilityInput:
    unit: Unit | int | str
    finding: str
    official: str = ""
    measure: str = ""


def _accountability(clue: Clue, user: Any, review: Review | None, acc: AccountabilityInput) -> Accountability:
    return Accountability.objects.create(
        clue=clue, review=review, unit=_unit(acc.unit), created_by=user,
        official=_optional(acc.official, _("Official"), 120),
        finding=_required(acc.finding, _("What was improper"), 5000),
        measure=_optional(acc.measure, _("The measure taken"), 300))


def review_keep(clue_ref: Clue | int | str, *, acting_user: Any, reason: str = "",
                accountability: AccountabilityInput | None = None, version: int | None = None) -> Outcome:
    with transaction.atomic():
        clue, t, _m = _begin("review_keep", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        assert c is not None
        review = Review.objects.create(clue=clue, conclusion=c, reviewer=acting_user, outcome=Review.Outcome.KEPT,
                                       reason=_optional(reason, _("A reason")))
        acc = _accountability(clue, acting_user, review, accountability) if accountability else None
        return _finish(clue, t, acting_user, {"review": review.pk, "outcome": review.outcome,
                                              "accountability": acc.pk if acc else None})


def review_reopen(clue_ref: Clue | int | str, *, acting_user: Any, reason: str, unit: Unit | int | str,
                  mode: str, accountability: AccountabilityInput | None = None,
                  version: int | None = None) -> Outcome:
    target_unit = _unit(unit)
    with transaction.atomic():
        clue, t, _m = _begin("review_reopen", clue_ref, acting_user, version)
        if t is None:
            return Outcome(clue, False)
        c = clue.current_conclusion
        assert c is not None
        review = Review.objects.create(clue=clue, conclusion=c, reviewer=acting_user,
                                       outcome=Review.Outcome.REOPENED, reason=_required(reason, _("A reason")))
        _validate_assignment(clue, target_unit, mode)
        a = _place(clue, target_unit, mode, acting_user, review.reason)
        clue.conclusions.update(superseded=True)
        clue.concluded_at = None
        acc = _accountability(clue, acting_user, review, accountability) if accountability else None
        return _finish(clue, t, acting_user, {"review": review.pk, "outcome": review.outcome,
                                              "unit": target_unit.pk, "mode": mode,
                                              "deadline": a.deadline.isoformat(),
                                              "accountability": acc.pk if acc else None},
                       public=("verifying", _("The conclusion was reviewed and the matter is being verified again.")))


def record_accountability(clue_ref: Clue | int | str, *, acting_user: Any, unit: Unit | int | str, finding: str,
                          official: str = "", measure: str = "") -> Outcome:
    with transaction.atomic():
        clue, t, _m = _begin("record_accountability", clue_ref, acting_user, None, lambda c: False)
        assert t is not None
        acc = _accountability(clue, acting_user, None, AccountabilityInput(unit, finding, official, measure))
        return _finish(clue, t, acting_user, {"accountability": acc.pk, "unit": acc.unit_id})


def describe_state(clue: Clue) -> str:
    return state_label(clue.state)


def mark_replies_read(clue: Clue, *, acting_user: Any) -> int:
    """Someone who handles the clue opened it: the reporter's messages so far are read. Returns
    how many were unread (0: nothing written). Not a verb: the clue's version stays, so forms
    open elsewhere are not made stale by a reading."""
    from .workbench import unread_messages

    with transaction.atomic():
        locked = Clue.objects.select_for_update().get(pk=clue.pk)
        unread = unread_messages(locked).count()
        if not unread:
            return 0
        now = timezone.now()
        Clue.objects.filter(pk=clue.pk).update(replies_seen_at=now)
        record("clue.replies_read", actor=Actor.staff(acting_user), subject_type="clue", subject_id=clue.public_id,
               data={"replies": unread})
    return unread
