"""Register pages: lists (filters, search, pages, CSV/XLSX), detail pages and their HTMX actions.
Thin: parse, scope (``cluedesk.org.access``), call a service, render."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cluedesk.ledger.services import Actor, record, timeline
from cluedesk.org.access import _grants, get_visible_or_404, staff_required, sudo_required, visible_to
from cluedesk.org.models import Division, Unit

from . import forms as f
from . import services
from .apps import READ_ROLES, WRITE_ROLES
from .models import CaseStage, Fugitive, MajorCase, Official, Stage, UmbrellaCase

VIEW, EDIT = "cases_view", "cases_edit"
PAGE_SIZE = 25
EXPORT_LIMIT = 20000


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def can_edit(user: Any, obj: Any) -> bool:
    return visible_to(user, type(obj).objects.filter(pk=obj.pk), EDIT).exists()


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _in_division(qs: QuerySet[Any], code: str, field: str = "division") -> QuerySet[Any]:
    """Rows in the division's subtree; an unknown code matches nothing."""
    code = (code or "").strip()
    if not code:
        return qs
    division = Division.objects.filter(code=code).first()
    return qs.filter(**{f"{field}__path__startswith": division.path}) if division else qs.none()


def _export(request: HttpRequest, name: str, columns: list[str], rows: Iterable[list[Any]], count: int,
            filters: dict[str, Any], fmt: str) -> HttpResponseBase:
    with transaction.atomic():
        record(f"{name}.exported", actor=Actor.staff(request.user), subject_type=f"{name}_list", subject_id="",
               data={"format": fmt, "filters": {k: str(v) for k, v in filters.items() if v},
                     "rows": min(count, EXPORT_LIMIT)})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        class Echo:
            def write(self, value: str) -> str:
                return value

        writer = csv.writer(Echo())
        lines = (writer.writerow(row) for row in [columns, *rows])
        response: HttpResponseBase = StreamingHttpResponse(("\ufeff", *lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return response


def _d(value: Any) -> str:
    return value.isoformat() if value else ""


EVENT_LABELS: dict[str, Any] = {
    "case.opened": gettext_lazy("Case opened"),
    "case.listing_changed": gettext_lazy("Level or listing changed"),
    "case.linked": gettext_lazy("Clues or units linked"),
    "case.stage_started": gettext_lazy("Stage started"),
    "case.stage_completed": gettext_lazy("Stage completed"),
    "case.suspect_added": gettext_lazy("Suspect added"),
    "case.no_umbrella_flagged": gettext_lazy("Flagged: gang without umbrella found; discipline body reminded"),
    "case.escalated": gettext_lazy("Joint working group sent"),
    "umbrella.opened": gettext_lazy("Investigation opened"),
    "umbrella.official_added": gettext_lazy("Official added"),
    "umbrella.outcome_recorded": gettext_lazy("Outcome recorded"),
    "fugitive.listed": gettext_lazy("Listed as a target fugitive"),
    "fugitive.status_changed": gettext_lazy("Status changed"),
}


def _timeline(subject_type: str, subject_id: str) -> list[dict[str, Any]]:
    events = timeline(subject_type, subject_id)
    ids = {int(e.actor_id) for e in events if e.actor_kind == "staff" and e.actor_id.isdigit()}
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    return [{"seq": e.seq, "at": e.created_at, "label": EVENT_LABELS.get(e.verb, e.verb), "detail": _detail(e.data),
             "who": names.get(int(e.actor_id), "") if e.actor_id.isdigit() else _("the system"),
             "data": e.data} for e in events]


def _detail(data: Any) -> str:
    """A readable word on what changed: the stage, the new status, the outcome and its date."""
    if not isinstance(data, dict):
        return ""
    parts = []
    if data.get("stage") in Stage.values:
        parts.append(str(Stage(data["stage"]).label))
    if data.get("to") in Fugitive.Status.values:
        parts.append(str(Fugitive.Status(data["to"]).label))
    kinds = dict(f.OutcomeForm.base_fields["kind"].choices)  # type: ignore[attr-defined]
    if data.get("kind") in kinds:
        parts.append(str(kinds[data["kind"]]))
    for key in ("started_on", "completed_on", "on"):
        if data.get(key):
            parts.append(str(data[key]))
            break
    return " · ".join(parts)


# --- major cases: list and export -------------------------------------------------------------

def _current_stage() -> Subquery:
    return Subquery(CaseStage.objects.filter(case=OuterRef("pk")).order_by("-position").values("stage")[:1])


def filtered_cases(user: Any, form: f.CaseFilterForm) -> QuerySet[MajorCase]:
    qs = visible_to(user, MajorCase.objects.select_related("division"), VIEW).annotate(current=_current_stage())
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("q"):
        for word in data["q"].split()[:5]:
            qs = qs.filter(Q(number__icontains=word) | Q(title__icontains=word) | Q(summary__icontains=word)
                           | Q(suspects__name__icontains=word) | Q(clues__public_id__iexact=word))
        qs = qs.distinct()
    qs = _in_division(qs, data.get("division", ""))
    if data.get("level"):
        qs = qs.filter(level=data["level"])
    if data.get("listed"):
        qs = qs.filter(listed=data["listed"] == "yes")
    if data.get("stage") == "none":
        qs = qs.filter(current__isnull=True)
    elif data.get("stage"):
        qs = qs.filter(current=data["stage"])
    if data.get("no_umbrella"):
        qs = qs.filter(no_umbrella=True)
    return qs.order_by("-opened_on", "-id")


@require_GET
@staff_required(*READ_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    form = f.CaseFilterForm(request.GET or None, user=request.user)
    page = Paginator(filtered_cases(request.user, form), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(Stage.choices)
    for c in page.object_list:
        c.current_label = labels.get(c.current, "")  # type: ignore[attr-defined]
    ctx = {"form": form, "page": page, "query": _query(request), "tab": "cases",
           "may_write": bool(set(WRITE_ROLES) & {g.role for g in _grants(request.user)})}
    return render(request, "cases/_case_rows.html" if _is_htmx(request) else "cases/case_list.html", ctx)


CASE_COLUMNS = ["number", "title", "division", "opened_on", "level", "listed", "listed_on", "current_stage",
                "no_umbrella", "escalated_on", "clues", "units"]


@require_GET
@staff_required(*READ_ROLES)
@sudo_required
def case_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = f.CaseFilterForm(request.GET or None, user=request.user)
    qs = filtered_cases(request.user, form).prefetch_related("clues", "units")

    def rows() -> Iterator[list[Any]]:
        for c in qs[:EXPORT_LIMIT]:
            yield [c.number, c.title, c.division.name, _d(c.opened_on), c.get_level_display(),
                   "yes" if c.listed else "", _d(c.listed_on), getattr(c, "current", "") or "", "yes" if c.no_umbrella else "",
                   _d(c.escalated_on), " ".join(x.public_id for x in c.clues.all()),
                   "; ".join(u.name for u in c.units.all())]
    return _export(request, "cases", CASE_COLUMNS, rows(), qs.count(),
                   form.cleaned_data if form.is_valid() else {}, fmt)


# --- major cases: new, detail, actions --------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_required(*WRITE_ROLES)
def case_new(request: HttpRequest) -> HttpResponse:
    form = f.CaseForm(request.POST or None, user=request.user,
                      initial={"opened_on": timezone.localdate(), "clues": request.GET.get("clue", "")})
    error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.open_case(acting_user=request.user, division=d["division"], title=d["title"],
                                      opened_on=d["opened_on"], level=d["level"], listed=d["listed"],
                                      listed_on=d["listed_on"], units=d["units"], clues=d["clues"],
                                      summary=d["summary"])
        except services.CaseError as exc:
            error = exc.message
        else:
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/form.html", {
        "form": form, "error": error, "tab": "cases", "title": _("Open a major case"),
        "back": "/staff/cases/"}, status=400 if request.method == "POST" else 200)


def _case_context(request: HttpRequest, case: MajorCase, *, failed: tuple[str, Any] | None = None,
                  error: str = "", done: str = "") -> dict[str, Any]:
    from cluedesk.clues.models import Clue

    editable = can_edit(request.user, case)
    actions = []
    if editable:
        for verb, (form_class, label) in f.CASE_VERBS.items():
            if failed and failed[0] == verb:
                form = failed[1]
            else:
                kwargs = {"user": request.user} if issubclass(form_class, f._ScopedForm) else {}
                initial = {"level": case.level, "listed": case.listed, "listed_on": case.listed_on} \
                    if verb == "listing" else {}
                form = form_class(initial=initial, **kwargs)
            actions.append({"verb": verb, "label": label, "form": form, "open": bool(failed and failed[0] == verb)})
    clues = Clue.objects.visible_to(request.user).filter(major_cases=case).select_related("division")
    return {
        "case": case, "stages": case.stages.all(), "suspects": case.suspects.all(), "clues": clues,
        "hidden_clues": case.clues.count() - clues.count(),
        "units": case.units.select_related("division"), "group": case.working_group.select_related("division"),
        "fugitives": visible_to(request.user, case.fugitives.all(), VIEW),
        "umbrellas": visible_to(request.user, case.umbrella_cases.all(), VIEW),
        "events": _timeline("major_case", case.number), "actions": actions, "error": error, "done": done,
        "tab": "cases", "editable": editable}


@require_GET
@staff_required(*READ_ROLES)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_visible_or_404(request.user, MajorCase.objects.select_related("division"), VIEW, pk=pk)
    return render(request, "cases/case_detail.html", _case_context(request, case))


def _dated(d: dict[str, Any], key: str = "on") -> Any:
    return d.get(key) or None


CASE_ACTIONS: dict[str, Callable[[MajorCase, Any, dict[str, Any]], Any]] = {
    "listing": lambda c, u, d: services.update_listing(c, acting_user=u, level=d["level"], listed=d["listed"],
                                                       listed_on=d["listed_on"]),
    "link": lambda c, u, d: services.link_clues(c, acting_user=u, clues=d["clues"], units=d["units"]),
    "stage": lambda c, u, d: services.start_stage(c, acting_user=u, stage=d["stage"], started_on=d["started_on"],
                                                  deadline=d["deadline"]),
    "complete": lambda c, u, d: services.complete_stage(c, acting_user=u, completed_on=d["completed_on"]),
    "suspect": lambda c, u, d: services.add_suspect(c, acting_user=u, name=d["name"], role=d["role"],
                                                    is_reporter=d["is_reporter"], note=d["note"]),
    "no_umbrella": lambda c, u, d: services.flag_no_umbrella(c, acting_user=u, on=_dated(d)),
    "escalate": lambda c, u, d: services.escalate(c, acting_user=u, units=d["units"], on=_dated(d)),
}


def _answer(request: HttpRequest, template: str, partial: str, ctx: dict[str, Any], ok: bool,
            url: str) -> HttpResponse:
    """HTMX: the refreshed main part of the page (with the message). Without JavaScript: back to
    the page after a success (303), the page with the message after a refusal (400)."""
    if _is_htmx(request):
        return render(request, partial, ctx)
    if ok:
        response = redirect(url)
        response.status_code = 303
        return response
    return render(request, template, ctx, status=400)


@require_POST
@staff_required(*WRITE_ROLES)
def case_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in f.CASE_VERBS:
        raise Http404
    case = get_visible_or_404(request.user, MajorCase.objects.select_related("division"), EDIT, pk=pk)
    form_class, label = f.CASE_VERBS[verb]
    kwargs = {"user": request.user} if issubclass(form_class, f._ScopedForm) else {}
    form = form_class(request.POST, **kwargs)
    error, done = "", ""
    if form.is_valid():
        try:
            changed = CASE_ACTIONS[verb](case, request.user, form.cleaned_data)
        except services.CaseError as exc:
            error = exc.message
        else:
            done = (_("Nothing changed: it was already so.") if changed is False
                    else _("Done: %(what)s.") % {"what": label})
    else:
        error = _("Please correct the form below.")
    case.refresh_from_db()
    ctx = _case_context(request, case, failed=(verb, form) if error else None, error=error, done=done)
    return _answer(request, "cases/case_detail.html", "cases/_case_main.html", ctx, not error,
                   f"/staff/cases/{case.pk}/")


# --- umbrella investigations ------------------------------------------------------------------

def _above(unit_ids: set[int]) -> set[int]:
    above, frontier = set(unit_ids), set(unit_ids)
    while frontier:
        parents = set(Unit.objects.filter(id__in=frontier, parent__isnull=False).values_list("parent_id", flat=True))
        frontier = parents - above
        above |= parents
    return above


def umbrellas_for(user: Any, action: str = VIEW) -> QuerySet[UmbrellaCase]:
    """Scoped, and never an investigation of an official of the person's own unit or a unit above
    it (conflict of interest, as for clues that implicate a unit)."""
    qs = visible_to(user, UmbrellaCase.objects.select_related("division", "handling_unit"), action)
    barred = _above({g.unit_id for g in _grants(user)})
    return qs.exclude(pk__in=Official.objects.filter(unit_id__in=barred).values("case_id"))


def _umbrella_or_404(request: HttpRequest, pk: int, action: str) -> UmbrellaCase:
    inv = get_visible_or_404(request.user, UmbrellaCase.objects.select_related("division", "handling_unit"),
                             action, pk=pk)
    if not umbrellas_for(request.user, VIEW).filter(pk=pk).exists():
        raise Http404
    return inv


def filtered_umbrellas(user: Any, form: f.UmbrellaFilterForm) -> QuerySet[UmbrellaCase]:
    qs = umbrellas_for(user)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("q"):
        for word in data["q"].split()[:5]:
            qs = qs.filter(Q(number__icontains=word) | Q(title__icontains=word) | Q(officials__name__icontains=word)
                           | Q(officials__organisation__icontains=word) | Q(officials__position__icontains=word))
        qs = qs.distinct()
    qs = _in_division(qs, data.get("division", ""))
    outcome = data.get("outcome")
    if outcome == "discipline":
        qs = qs.filter(officials__discipline_on__isnull=False).distinct()
    elif outcome == "sanction":
        qs = qs.filter(officials__sanction_on__isnull=False).distinct()
    elif outcome == "transfer":
        qs = qs.filter(officials__transferred_on__isnull=False).distinct()
    elif outcome == "pending":
        qs = qs.exclude(officials__discipline_on__isnull=False).exclude(officials__sanction_on__isnull=False) \
            .exclude(officials__transferred_on__isnull=False)
    if data.get("opened_from"):
        qs = qs.filter(opened_on__gte=data["opened_from"])
    if data.get("opened_to"):
        qs = qs.filter(opened_on__lte=data["opened_to"])
    return qs.order_by("-opened_on", "-id")


@require_GET
@staff_required(*READ_ROLES)
def umbrella_list(request: HttpRequest) -> HttpResponse:
    form = f.UmbrellaFilterForm(request.GET or None, user=request.user)
    qs = filtered_umbrellas(request.user, form).prefetch_related("officials")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": form, "page": page, "query": _query(request), "tab": "umbrella",
           "may_write": bool(set(WRITE_ROLES) & {g.role for g in _grants(request.user)})}
    return render(request, "cases/_umbrella_rows.html" if _is_htmx(request) else "cases/umbrella_list.html", ctx)


UMBRELLA_COLUMNS = ["number", "title", "division", "opened_on", "handling_unit", "official", "position",
                    "organisation", "party_discipline", "party_discipline_on", "administrative_sanction",
                    "sanction_on", "transferred_on", "cases"]


@require_GET
@staff_required(*READ_ROLES)
@sudo_required
def umbrella_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = f.UmbrellaFilterForm(request.GET or None, user=request.user)
    qs = filtered_umbrellas(request.user, form).prefetch_related("officials", "cases")

    def rows() -> Iterator[list[Any]]:
        for inv in qs[:EXPORT_LIMIT]:
            cases = " ".join(c.number for c in inv.cases.all())
            head = [inv.number, inv.title, inv.division.name, _d(inv.opened_on),
                    inv.handling_unit.name if inv.handling_unit else ""]
            officials: list[Official | None] = [*inv.officials.all()] or [None]
            for o in officials:  # one line per official, so the people can be counted
                yield head + ([o.name, o.position, o.organisation, o.discipline, _d(o.discipline_on), o.sanction,
                               _d(o.sanction_on), _d(o.transferred_on)] if o else [""] * 8) + [cases]
    return _export(request, "umbrella", UMBRELLA_COLUMNS, rows(), qs.count(),
                   form.cleaned_data if form.is_valid() else {}, fmt)


@require_http_methods(["GET", "POST"])
@staff_required(*WRITE_ROLES)
def umbrella_new(request: HttpRequest) -> HttpResponse:
    form = f.UmbrellaForm(request.POST or None, user=request.user,
                          initial={"opened_on": timezone.localdate(), "cases": request.GET.get("case", "")})
    error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inv = services.open_umbrella(acting_user=request.user, division=d["division"], title=d["title"],
                                         opened_on=d["opened_on"], handling_unit=d["handling_unit"],
                                         cases=d["cases"], clues=d["clues"], summary=d["summary"])
        except services.CaseError as exc:
            error = exc.message
        else:
            return redirect("cases:umbrella_detail", pk=inv.pk)
    return render(request, "cases/form.html", {
        "form": form, "error": error, "tab": "umbrella", "title": _("Open an umbrella investigation"),
        "back": "/staff/cases/umbrella/"}, status=400 if request.method == "POST" else 200)


def _umbrella_context(request: HttpRequest, inv: UmbrellaCase, *, official_form: Any = None,
                      outcome_form: Any = None, error: str = "", done: str = "") -> dict[str, Any]:
    from cluedesk.clues.models import Clue

    return {"inv": inv, "officials": inv.officials.select_related("division", "unit"),
            "cases": visible_to(request.user, inv.cases.all(), VIEW),
            "clues": Clue.objects.visible_to(request.user).filter(umbrella_cases=inv),
            "editable": can_edit(request.user, inv), "official_form": official_form or f.OfficialForm(),
            "outcome_form": outcome_form, "kinds": f.OutcomeForm.base_fields["kind"].choices,  # type: ignore[attr-defined]
            "events": _timeline("umbrella_case", inv.number), "error": error, "done": done, "tab": "umbrella",
            "today": timezone.localdate()}


@require_GET
@staff_required(*READ_ROLES)
def umbrella_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inv = _umbrella_or_404(request, pk, VIEW)
    return render(request, "cases/umbrella_detail.html", _umbrella_context(request, inv))


@require_POST
@staff_required(*WRITE_ROLES)
def umbrella_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in ("official", "outcome"):
        raise Http404
    inv = _umbrella_or_404(request, pk, EDIT)
    error, done = "", ""
    official_form = outcome_form = None
    if verb == "official":
        official_form = f.OfficialForm(request.POST)
        if official_form.is_valid():
            d = official_form.cleaned_data
            try:
                services.add_official(inv, acting_user=request.user, name=d["name"], position=d["position"],
                                      organisation=d["organisation"], division=d["division"])
            except services.CaseError as exc:
                error = exc.message
            else:
                done, official_form = _("Official added."), None
        else:
            error = _("Please correct the form below.")
    else:
        outcome_form = f.OutcomeForm(request.POST)
        if outcome_form.is_valid():
            d = outcome_form.cleaned_data
            official = inv.officials.filter(pk=d["official"]).first()
            try:
                if official is None:
                    raise services.CaseError(_("Choose an official of this investigation."))
                services.record_outcome(official, acting_user=request.user, kind=d["kind"], on=d["on"],
                                        detail=d["detail"])
            except services.CaseError as exc:
                error = exc.message
            else:
                done, outcome_form = _("Outcome recorded."), None
        else:
            error = _("Please correct the form below.") + " " + " ".join(
                str(m) for errs in outcome_form.errors.values() for m in errs)
    ctx = _umbrella_context(request, inv, official_form=official_form, outcome_form=outcome_form,
                            error=error, done=done)
    return _answer(request, "cases/umbrella_detail.html", "cases/_umbrella_main.html", ctx, not error,
                   f"/staff/cases/umbrella/{inv.pk}/")


# --- fugitives --------------------------------------------------------------------------------

def filtered_fugitives(user: Any, form: f.FugitiveFilterForm) -> QuerySet[Fugitive]:
    qs = visible_to(user, Fugitive.objects.select_related("division", "case"), VIEW)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("q"):
        for word in data["q"].split()[:5]:
            qs = qs.filter(Q(number__icontains=word) | Q(name__icontains=word) | Q(case__number__icontains=word)
                           | Q(residence__icontains=word) | Q(household__icontains=word) | Q(id_hint__iexact=word))
    qs = _in_division(qs, data.get("division", ""))
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("abroad"):
        qs = qs.filter(abroad=data["abroad"] == "yes")
    return qs.order_by("-listed_on", "-id")


@require_GET
@staff_required(*READ_ROLES)
def fugitive_list(request: HttpRequest) -> HttpResponse:
    form = f.FugitiveFilterForm(request.GET or None, user=request.user)
    page = Paginator(filtered_fugitives(request.user, form), PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": form, "page": page, "query": _query(request), "tab": "fugitives",
           "may_write": bool(set(WRITE_ROLES) & {g.role for g in _grants(request.user)})}
    return render(request, "cases/_fugitive_rows.html" if _is_htmx(request) else "cases/fugitive_list.html", ctx)


FUGITIVE_COLUMNS = ["number", "name", "sex", "birth_year", "id_last4", "case", "division", "at_large_since",
                    "listed_on", "residence", "household_registration", "abroad", "status", "status_on"]


@require_GET
@staff_required(*READ_ROLES)
@sudo_required
def fugitive_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = f.FugitiveFilterForm(request.GET or None, user=request.user)
    qs = filtered_fugitives(request.user, form)

    def rows() -> Iterator[list[Any]]:
        for p in qs[:EXPORT_LIMIT]:
            yield [p.number, p.name, p.sex, p.birth_year or "", p.id_hint, p.case.number, p.division.name,
                   _d(p.at_large_since), _d(p.listed_on), p.residence, p.household, "yes" if p.abroad else "",
                   p.get_status_display(), _d(p.status_on)]
    return _export(request, "fugitives", FUGITIVE_COLUMNS, rows(), qs.count(),
                   form.cleaned_data if form.is_valid() else {}, fmt)


@require_http_methods(["GET", "POST"])
@staff_required(*WRITE_ROLES)
def fugitive_new(request: HttpRequest) -> HttpResponse:
    form = f.FugitiveForm(request.POST or None, user=request.user,
                          initial={"case": request.GET.get("case", ""), "listed_on": timezone.localdate()})
    form.fields.pop("division", None)
    error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = services.list_fugitive(
                acting_user=request.user, case=d["case"], name=d["name"], at_large_since=d["at_large_since"],
                listed_on=d["listed_on"], id_number=d["id_number"], sex=d["sex"], birth_year=d["birth_year"],
                residence=d["residence"], household=d["household"], abroad=d["abroad"])
        except services.CaseError as exc:
            error = exc.message
        else:
            return redirect("cases:fugitive_detail", pk=person.pk)
    return render(request, "cases/form.html", {
        "form": form, "error": error, "tab": "fugitives", "title": _("List a target fugitive"),
        "back": "/staff/cases/fugitives/"}, status=400 if request.method == "POST" else 200)


def _fugitive_context(request: HttpRequest, person: Fugitive, *, form: Any = None, error: str = "",
                      done: str = "") -> dict[str, Any]:
    return {"p": person, "editable": can_edit(request.user, person) and person.status == Fugitive.Status.AT_LARGE,
            "form": form or f.StatusForm(initial={"on": timezone.localdate()}),
            "case_visible": visible_to(request.user, MajorCase.objects.filter(pk=person.case_id), VIEW).exists(),
            "events": _timeline("fugitive", person.number), "error": error, "done": done, "tab": "fugitives"}


@require_GET
@staff_required(*READ_ROLES)
def fugitive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(request.user, Fugitive.objects.select_related("division", "case"), VIEW, pk=pk)
    return render(request, "cases/fugitive_detail.html", _fugitive_context(request, person))


@require_POST
@staff_required(*WRITE_ROLES)
def fugitive_status(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(request.user, Fugitive.objects.select_related("division", "case"), EDIT, pk=pk)
    form = f.StatusForm(request.POST)
    error, done = "", ""
    if form.is_valid():
        try:
            person = services.change_status(person, acting_user=request.user, status=form.cleaned_data["status"],
                                            on=form.cleaned_data["on"])
        except services.CaseError as exc:
            error = exc.message
        else:
            done = _("Status recorded.")
    else:
        error = _("Please correct the form below.")
    ctx = _fugitive_context(request, person, form=form if error else None, error=error, done=done)
    return _answer(request, "cases/fugitive_detail.html", "cases/_fugitive_main.html", ctx, not error,
                   f"/staff/cases/fugitives/{person.pk}/")


# --- the clue page's link to its cases --------------------------------------------------------

def cases_of_clue(user: Any, clue: Any) -> list[MajorCase]:
    """Cases opened from this clue that the person may see (for the clue page's include)."""
    return list(visible_to(user, MajorCase.objects.filter(clues=clue), VIEW)[:20])
