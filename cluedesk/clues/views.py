"""The staff workbench: queues of clues and the clue page. Thin: parse, scope, call a service, render."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cluedesk.intake import services as intake
from cluedesk.intake.models import Report
from cluedesk.ledger.exports import export_list
from cluedesk.ledger.services import timeline
from cluedesk.org.access import get_visible_or_404, roles_of, staff_required, sudo_required
from cluedesk.org.lists import order_key, page_size
from cluedesk.org.models import Membership, Role, Unit
from cluedesk.platform.registry import registry
from cluedesk.vault.sealing import decrypt_stream

from . import files, services, tables, taxonomy, workbench, workflow
from .filtersets import QUEUES, ClueFilterSet
from .forms import FORMS, MessageForm, VerbForm
from .models import Assignment, Clue, Evidence

S = Clue.State
OPEN_STATES = (S.ASSIGNED, S.VERIFYING, S.DRAFTED, S.SIGNED)
PAGE_SIZE = 25
EXPORT_LIMIT = 20000
EXCERPT_CHARS = 60
SIMILAR_LIMIT = 5


# --- queues ------------------------------------------------------------------------------------

def filtered_clues(request: HttpRequest) -> tuple[ClueFilterSet, QuerySet[Clue]]:
    """The queue's filters over the person's visible clues, in the list's order."""
    filterset = ClueFilterSet(request.GET, request=request)
    return filterset, tables.sort(filterset.qs, order_key(request, tables.DEFAULT_SORT, tables.LEGACY_SORTS))


def _excerpts(clues: Sequence[Clue]) -> dict[int, str]:
    """The start of each clue's first report (texts are sealed: read for this page only)."""
    first = (Report.objects.filter(clue=OuterRef("pk")).order_by("created_at", "pk").values("pk")[:1])
    ids = dict(Clue.objects.filter(pk__in=[c.pk for c in clues]).annotate(first=Subquery(first))
               .values_list("pk", "first"))
    texts = {r.pk: r.text for r in Report.objects.filter(pk__in=[i for i in ids.values() if i])}
    result = {}
    for clue_id, report_id in ids.items():
        text = " ".join((texts.get(report_id) or "").split())
        result[clue_id] = text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else "")
    return result


SORT_MENU = [  # the order picker beside the filters (the column headers sort too)
    ("-received", pgettext_lazy("clue list order", "Newest first")),
    ("received", pgettext_lazy("clue list order", "Oldest first")),
    ("deadline", pgettext_lazy("clue list order", "Deadline first")),
    ("-deadline", pgettext_lazy("clue list order", "Deadline last")),
    ("state", pgettext_lazy("clue list order", "State")), ("division", pgettext_lazy("clue list order", "Division")),
    ("unit", pgettext_lazy("clue list order", "Unit")), ("category", pgettext_lazy("clue list order", "Category")),
    ("-reports", pgettext_lazy("clue list order", "Most reports")),
    ("reports", pgettext_lazy("clue list order", "Fewest reports")),
]


@require_GET
@staff_required()
def queue(request: HttpRequest) -> HttpResponse:
    filterset = ClueFilterSet(request.GET, request=request)
    sort_key = order_key(request, tables.DEFAULT_SORT, tables.LEGACY_SORTS)
    bulk_units = _bulk_units(request.user) if Role.DISPATCHER in roles_of(request.user) else []
    table = tables.ClueTable(filterset.qs.annotate(unread=workbench.unread_replies()), bulk=bool(bulk_units),
                             order_by=sort_key)
    table.paginate(page=request.GET.get("page", 1), per_page=page_size(request))
    table.excerpts = _excerpts([row.record for row in table.page.object_list])
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": filterset.form, "filterset": filterset, "table": table, "query": query.urlencode(),
               "bulk_units": bulk_units, "modes": Assignment.Mode.choices, "queue": filterset.queue_key(),
               "queues": QUEUES, "sort_menu": SORT_MENU, "sort_key": sort_key}
    template = "clues/_queue_list.html" if request.headers.get("HX-Request") else "clues/queue.html"
    return render(request, template, context)


def _bulk_units(user: Any) -> list[Unit]:
    """Units a dispatcher is likely to hand clues to: their own subtree, the units above them and
    their neighbours (same parent division) — every pick is still checked clue by clue."""
    paths = set()
    for path in Membership.objects.filter(user=user, role=Role.DISPATCHER, unit__active=True).values_list(
            "unit__division__path", flat=True):
        codes = [c for c in path.split("/") if c]
        paths.add("/".join(codes[:-1]) + "/" if len(codes) > 1 else path)
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(division__path__startswith=path)
    units = Unit.objects.filter(active=True).filter(q).select_related("division").order_by("division__path", "name")
    return list(units[:300])


@require_POST
@staff_required(Role.DISPATCHER)
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked clues to one unit in one mode: one verb per clue (each its own
    transaction and ledger event); each refusal is reported with its reason."""
    back = request.POST.get("back", "")
    if not back.startswith("/staff/clues/"):
        back = "/staff/clues/"
    mode = request.POST.get("mode", "")
    unit = request.POST.get("unit", "")
    picked = request.POST.getlist("clues")[:PAGE_SIZE * 4]
    done, refused = [], []
    for item in picked:
        public_id, _sep, version = item.partition(":")
        clue = Clue.objects.visible_to(request.user).filter(public_id=public_id).first()
        if clue is None or not version.isdigit():
            refused.append(f"{public_id}: {_('not found')}")
            continue
        try:
            outcome = services.assign(clue, acting_user=request.user, unit=unit, mode=mode, version=int(version))
        except services.WorkflowError as exc:
            refused.append(f"{public_id}: {exc.message}")
            continue
        if outcome.changed:
            done.append(public_id)
    if not picked:
        messages.error(request, _("Tick the clues to assign first."))
    if done:
        messages.success(request, _("Assigned: %(list)s.") % {"list": ", ".join(done)})
    for line in refused:
        messages.error(request, _("Not assigned: %(reason)s") % {"reason": line})
    response = redirect(back)
    response.status_code = 303
    return response


def export_columns() -> list[str]:
    """The export's header row in the reader's language."""
    return [_("Number"), _("Title"), _("State"), _("Priority"), _("Category"), _("Industry"), _("Division"),
            _("Unit"), _("Mode"), _("Deadline"), _("Overdue"), _("Reports"), _("Officials implicated"),
            _("Received")]


def _export_rows(clues: QuerySet[Clue]) -> Iterator[list[str]]:
    """Labels, never codes, in the language of the person exporting (the same as the list)."""
    now = timezone.now()
    yes = _("yes")
    for c in clues[:EXPORT_LIMIT].iterator(chunk_size=1000):
        yield [c.public_id, c.title, c.get_state_display(), c.get_priority_display(),
               taxonomy.label("category", c.category), taxonomy.label("industry", c.industry),
               c.division.name if c.division else "", c.unit.name if c.unit else "",
               c.mode_label if c.mode else "",
               timezone.localtime(c.deadline).strftime("%Y-%m-%d %H:%M") if c.deadline else "",
               yes if c.deadline and c.deadline < now and c.state in OPEN_STATES else "",
               str(c.report_count), yes if c.umbrella else "",
               timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M")]


@require_GET
@staff_required()
@sudo_required
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The current list (same filters as the queue) as CSV or XLSX. No reporter data is in it."""
    filterset, clues = filtered_clues(request)
    filters = {k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "", False)} \
        if filterset.form.is_valid() else {}
    return export_list(request.user, fmt=fmt, verb="clues.exported", subject_type="clue_list",
                       filters=filters, count=clues.count(), name="clues",
                       columns=export_columns(), rows=_export_rows(clues), sheet=_("Clues")[:31])


# --- the clue page -----------------------------------------------------------------------------

def _timeline(clue: Clue, report_ids: list[int]) -> list[dict[str, Any]]:
    events = timeline("clue", clue.public_id)
    for rid in report_ids:
        events += timeline("report", rid)
    events.sort(key=lambda e: e.seq)
    staff_ids = {int(e.actor_id) for e in events if e.actor_kind == "staff" and e.actor_id.isdigit()}
    names = dict(get_user_model().objects.filter(pk__in=staff_ids).values_list("pk", "username"))
    states = dict(Clue.State.choices)
    labels = registry["event_labels"]
    result = []
    for e in events:
        if e.verb == "clue.file_opened" and isinstance(e.data, dict) and e.data.get("how") == "thumbnail":
            continue  # in the ledger, not in the page's story: every page view draws the thumbnails
        verb = e.verb.removeprefix("clue.")
        label = workflow.VERB_LABELS.get(verb) or labels.get(e.verb) or e.verb
        who = (names.get(int(e.actor_id), _("staff member")) if e.actor_kind == "staff" and e.actor_id.isdigit()
               else {"reporter": _("the reporter"), "channel": _("channel %(name)s") % {"name": e.actor_id},
                     "system": _("the system")}.get(e.actor_kind, e.actor_kind))
        change = ""
        if isinstance(e.data, dict) and e.data.get("from") and e.data.get("to") and e.data["from"] != e.data["to"]:
            change = f"{states.get(e.data['from'], e.data['from'])} → {states.get(e.data['to'], e.data['to'])}"
        result.append({"seq": e.seq, "at": e.created_at, "label": label, "who": who, "change": change})
    return result


def _similar(clue: Clue, user: Any) -> list[tuple[Clue, float]]:
    """Other open clues that may be the same matter, best first with a probability: triage (above
    this app) registers its finder in the registry store "similar_finders"; without one the page
    shows none."""
    found: list[tuple[Clue, float]] = []
    for finder in registry["similar_finders"]:
        try:
            found += finder(clue, limit=SIMILAR_LIMIT)
        except Exception:  # noqa: BLE001, S112 - suggestions are optional; the page must still open
            continue
    found = sorted(found, key=lambda pair: -pair[1])[:SIMILAR_LIMIT]
    visible = set(Clue.objects.visible_to(user).filter(pk__in=[c.pk for c, _s in found]).values_list("pk", flat=True))
    return [(c, s) for c, s in found if c.pk in visible]


def clue_page(request: HttpRequest, clue: Clue, *, status: int = 200, error: str = "",
              failed: tuple[str, VerbForm] | None = None, message_form: MessageForm | None = None,
              unread: set[int] | None = None) -> HttpResponse:
    user = request.user
    reports = list(Report.objects.filter(clue=clue).prefetch_related("attachments", "messages")
                   .order_by("created_at"))
    budget = [files.METADATA_CHECK_LIMIT]
    for r in reports:
        shown = files.files_of(r, budget)
        r.files = [f for f in shown if f["file"].message_id is None]  # type: ignore[attr-defined]
        for m in r.messages.all():
            m.files = [f for f in shown if f["file"].message_id == m.pk]  # type: ignore[attr-defined]
            m.unread = m.pk in (unread or ())  # type: ignore[attr-defined]
    actions = []
    for verb in workflow.allowed_verbs(clue, user):
        form = failed[1] if failed and failed[0] == verb else FORMS[verb](clue=clue)
        actions.append({"verb": verb, "label": workflow.VERB_LABELS[verb], "form": form,
                        "open": bool(failed and failed[0] == verb)})
    conclusion = clue.current_conclusion
    now = timezone.now()
    context = {
        "clue": clue, "reports": reports, "actions": actions, "error": error,
        "implicated": clue.implicated.select_related("unit"),
        "assignments": clue.assignments.select_related("unit", "unit__division"),
        "notes": clue.notes.select_related("author"), "evidence": clue.evidence.all(),
        "extensions": clue.extensions.select_related("requested_by", "decided_by"),
        "conclusion": conclusion,
        "signatures": conclusion.valid_signatures().select_related("signer", "unit") if conclusion else [],
        "signature_slots": workflow.signature_slots(clue) if conclusion and not conclusion.superseded else [],
        "signatory_roles": [(r, Role(r).label) for r in workflow.SIGNATORY_ROLES],
        "reviews": clue.reviews.select_related("reviewer"),
        "accountability": clue.accountability.select_related("unit"),
        "timeline": _timeline(clue, [r.pk for r in reports]),
        "similar": _similar(clue, user),
        "may_message": _may_message(clue, user),
        "message_form": message_form,
        "overdue": bool(clue.deadline and clue.deadline < now and clue.state in OPEN_STATES),
        # what apps above add (cases: cases opened from the clue; triage: the triage card)
        "panels": [mark_safe(panel(request, clue))  # noqa: S308 - rendered templates
                   for _order, panel in sorted(registry["clue_panels"], key=lambda entry: entry[0])],
    }
    return render(request, "clues/clue.html", context, status=status)


def _may_message(clue: Clue, user: Any) -> bool:
    roles = frozenset({Role.INTAKE_REVIEWER, Role.DISPATCHER, Role.VERIFIER})
    return bool(workflow.qualifying_memberships(clue, user, roles, "jurisdiction"))


def _visible_clue(request: HttpRequest, public_id: str) -> Clue:
    clue: Clue = get_visible_or_404(request.user, Clue.objects.all(), "view", public_id=public_id)
    return clue


@require_GET
@staff_required()
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    clue = _visible_clue(request, public_id)
    unread = set(workbench.unread_messages(clue).values_list("pk", flat=True))
    if unread and _may_message(clue, request.user):
        services.mark_replies_read(clue, acting_user=request.user)  # those who handle the clue have seen them
    return clue_page(request, clue, unread=unread)


def _acc(data: dict[str, Any]) -> services.AccountabilityInput | None:
    if not data.get("acc_unit"):
        return None
    return services.AccountabilityInput(data["acc_unit"], data.get("acc_finding", ""),
                                        data.get("acc_official", ""), data.get("acc_measure", ""))


Call = Callable[[Clue, Any, dict[str, Any]], services.Outcome]

CALLS: dict[str, Call] = {
    "screen_valid": lambda c, u, d: services.screen_valid(
        c, acting_user=u, version=d["version"], priority=d["priority"], category=d["category"] or None,
        industry=d["industry"] or None, division=d["division"] or None, title=d["title"]),  # empty: keep triage's
    "screen_invalid": lambda c, u, d: services.screen_invalid(c, acting_user=u, version=d["version"],
                                                              reason=d["reason"]),
    "transfer": lambda c, u, d: services.transfer(c, acting_user=u, version=d["version"], body=d["body"],
                                                  reason=d["reason"]),
    "merge": lambda c, u, d: services.merge(c, acting_user=u, version=d["version"], into=d["into"]),
    "flag_implicated": lambda c, u, d: services.flag_implicated(
        c, acting_user=u, version=d["version"], unit=d["unit"], official=d["official"], note=d["note"]),
    "assign": lambda c, u, d: services.assign(c, acting_user=u, version=d["version"], mode=d["unit_mode"][0],
                                              unit=d["unit_mode"][1], reason=d["reason"]),
    "reassign": lambda c, u, d: services.reassign(c, acting_user=u, version=d["version"], mode=d["unit_mode"][0],
                                                  unit=d["unit_mode"][1], reason=d["reason"]),
    "start_verification": lambda c, u, d: services.start_verification(c, acting_user=u, version=d["version"]),
    "add_note": lambda c, u, d: services.add_note(c, acting_user=u, text=d["text"], kind=d["kind"],
                                                  token=d["token"]),
    "add_evidence": lambda c, u, d: services.add_evidence(c, acting_user=u, upload=d["file"],
                                                          description=d["description"], token=d["token"]),
    "request_extension": lambda c, u, d: services.request_extension(c, acting_user=u, days=d["days"],
                                                                    reason=d["reason"]),
    "decide_extension": lambda c, u, d: services.decide_extension(
        c, acting_user=u, version=d["version"], approve=d["decision"] == "approve", reason=d["reason"]),
    "draft_conclusion": lambda c, u, d: services.draft_conclusion(
        c, acting_user=u, version=d["version"], finding=d["finding"], outcome=d["outcome"],
        case_number=d["case_number"], summary=d["summary"], public_wording=d["public_wording"],
        also_outcomes=d["also_outcomes"]),
    "edit_conclusion": lambda c, u, d: services.edit_conclusion(
        c, acting_user=u, version=d["version"], finding=d["finding"], outcome=d["outcome"],
        case_number=d["case_number"], summary=d["summary"], public_wording=d["public_wording"],
        also_outcomes=d["also_outcomes"]),
    "sign": lambda c, u, d: services.sign(c, acting_user=u, revision=d["revision"]),
    "refuse_signature": lambda c, u, d: services.refuse_signature(c, acting_user=u, version=d["version"],
                                                                  reason=d["reason"]),
    "conclude": lambda c, u, d: services.conclude(c, acting_user=u, version=d["version"]),
    "review_keep": lambda c, u, d: services.review_keep(c, acting_user=u, version=d["version"],
                                                        reason=d["reason"], accountability=_acc(d)),
    "review_reopen": lambda c, u, d: services.review_reopen(
        c, acting_user=u, version=d["version"], reason=d["reason"], mode=d["unit_mode"][0],
        unit=d["unit_mode"][1], accountability=_acc(d)),
    "record_accountability": lambda c, u, d: services.record_accountability(
        c, acting_user=u, unit=d["unit"], official=d["official"], finding=d["finding"], measure=d["measure"]),
}


def _see_other(clue: Clue) -> HttpResponse:
    """After a POST, back to the clue page (303: the browser follows with GET)."""
    response = redirect("clues:detail", public_id=clue.public_id)
    response.status_code = 303
    return response


@require_POST
@staff_required()
def act(request: HttpRequest, public_id: str, verb: str) -> HttpResponse:
    """Run one verb from its form. Refusals re-render the page with the reason and the right status."""
    if verb not in FORMS:
        raise Http404
    clue = _visible_clue(request, public_id)
    form_class = FORMS[verb]
    form = form_class(request.POST, request.FILES or None, clue=clue)
    if not form.is_valid():
        return clue_page(request, clue, status=400, error=_("Please correct the form below."), failed=(verb, form))
    try:
        outcome = CALLS[verb](clue, request.user, form.cleaned_data)
    except services.WorkflowError as exc:
        clue.refresh_from_db()
        if exc.status == 403 and not workflow.allowed_verbs(clue, request.user):
            pass  # still show the page: they may see it, they may not act
        return clue_page(request, clue, status=exc.status, error=exc.message,
                         failed=(verb, form) if exc.status == 400 else None)
    if outcome.changed:
        messages.success(request, _("Done: %(action)s.") % {"action": workflow.VERB_LABELS[verb]})
    else:
        messages.info(request, _("This had already been done; nothing changed."))
    return _see_other(clue)


@require_POST
@staff_required()
def message(request: HttpRequest, public_id: str) -> HttpResponse:
    """Write to the reporter of one of the clue's reports (through intake's service)."""
    clue = _visible_clue(request, public_id)
    if not _may_message(clue, request.user):
        return clue_page(request, clue, status=403, error=_("Your role does not allow writing to the reporter."))
    form = MessageForm(request.POST)
    report = Report.objects.filter(clue=clue, pk=request.POST.get("report") or 0).first() if form.is_valid() else None
    if report is None:
        return clue_page(request, clue, status=400, error=_("Write a message before sending."), message_form=form)
    try:
        intake.post_staff_message(report, form.cleaned_data["body"], acting_user=request.user)
    except intake.InvalidReport as exc:
        return clue_page(request, clue, status=400,
                         error=" ".join(str(m) for ms in exc.errors.values() for m in ms), message_form=form)
    messages.success(request, _("Your message was sent to the reporter."))
    return _see_other(clue)


@require_GET
@staff_required()
def evidence_file(request: HttpRequest, public_id: str, file_id: str) -> HttpResponseBase:
    clue = _visible_clue(request, public_id)
    ev = Evidence.objects.filter(clue=clue, file_id=file_id).first()
    if ev is None:
        raise Http404
    path = services.evidence_path(ev.file_id)
    if not path.exists():
        raise Http404
    src = open(path, "rb")  # noqa: SIM115 - closed by the response
    response = StreamingHttpResponse(decrypt_stream(src), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, ev.name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


