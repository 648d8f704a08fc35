"""The register of major cases (重大案件, 挂牌督办): list and export, opening one, its page and
its actions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cluedesk.clues.models import Clue
from cluedesk.ledger.exports import EXPORT_LIMIT, export_list
from cluedesk.org.access import get_visible_or_404, staff_required, sudo_required, visible_to
from cluedesk.org.lists import in_table_order

from .. import forms as f
from .. import services
from ..apps import READ_ROLES, WRITE_ROLES
from ..filtersets import CaseFilterSet
from ..models import CaseStage, MajorCase, Stage
from ..tables import CaseTable
from .base import (
    EDIT,
    VIEW,
    answer,
    can_edit,
    filters_of,
    history,
    iso,
    render_list,
)

# --- major cases: list and export -------------------------------------------------------------

def _current_stage() -> Subquery:
    return Subquery(CaseStage.objects.filter(case=OuterRef("pk")).order_by("-position").values("stage")[:1])


def filtered_cases(request: HttpRequest) -> CaseFilterSet:
    qs = visible_to(request.user, MajorCase.objects.select_related("division"), VIEW).annotate(current=_current_stage())
    return CaseFilterSet(request.GET, queryset=qs, request=request)


CASE_SORT = "-opened_on"


@require_GET
@staff_required(*READ_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    return render_list(request, filtered_cases(request), CaseTable, CASE_SORT, "cases",
                       ("cases/_case_rows.html", "cases/case_list.html"))


def case_columns() -> list[str]:
    """The export's header row in the reader's language."""
    return [_("Number"), _("Title"), _("Division"), _("Opened on"), _("Supervising level"),
            _("Listed for supervision"), _("Listed on"), _("Current stage"), _("Gang without umbrella found"),
            _("Escalated on"), _("Clues"), _("Responsible units")]


@require_GET
@staff_required(*READ_ROLES)
@sudo_required
def case_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    filterset = filtered_cases(request)
    qs = in_table_order(request, CaseTable, filterset.qs, CASE_SORT).prefetch_related("clues", "units")

    yes, stages = _("yes"), {code: str(label) for code, label in Stage.choices}

    def rows() -> Iterator[list[Any]]:
        for c in qs[:EXPORT_LIMIT]:
            yield [c.number, c.title, c.division.name, iso(c.opened_on), c.get_level_display(),
                   yes if c.listed else "", iso(c.listed_on), stages.get(getattr(c, "current", "") or "", ""),
                   yes if c.no_umbrella else "",
                   iso(c.escalated_on), " ".join(x.public_id for x in c.clues.all()),
                   "; ".join(u.name for u in c.units.all())]
    return export_list(request.user, fmt=fmt, verb="cases.exported", subject_type="cases_list",
                       filters=filters_of(filterset), count=qs.count(), name="cases",
                       columns=case_columns(), rows=rows())


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
        "events": history("major_case", case.number), "actions": actions, "error": error, "done": done,
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
    return answer(request, "cases/case_detail.html", "cases/_case_main.html", ctx, not error,
                  f"/staff/cases/{case.pk}/")
