"""Umbrella investigations (保护伞): list and export, opening one, its page, officials and
outcomes. Never an investigation of an official of the person's own unit or a unit above it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cluedesk.clues.models import Clue
from cluedesk.ledger.exports import EXPORT_LIMIT, export_list
from cluedesk.org.access import _grants, get_visible_or_404, staff_required, sudo_required, visible_to
from cluedesk.org.lists import in_table_order
from cluedesk.org.models import Unit

from .. import forms as f
from .. import services
from ..apps import READ_ROLES, WRITE_ROLES
from ..filtersets import UmbrellaFilterSet
from ..models import Official, UmbrellaCase
from ..tables import UmbrellaTable
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
    """404 for an investigation the person may not see (conflict of interest included), 403 for one
    they see but may not act on (the rule of ``get_visible_or_404``)."""
    return get_visible_or_404(request.user, umbrellas_for(request.user, VIEW), action, pk=pk)


def filtered_umbrellas(request: HttpRequest) -> UmbrellaFilterSet:
    qs = umbrellas_for(request.user).annotate(official_count=Count("officials", distinct=True))
    return UmbrellaFilterSet(request.GET, queryset=qs, request=request)


UMBRELLA_SORT = "-opened_on"


@require_GET
@staff_required(*READ_ROLES)
def umbrella_list(request: HttpRequest) -> HttpResponse:
    return render_list(request, filtered_umbrellas(request), UmbrellaTable, UMBRELLA_SORT, "umbrella",
                       ("cases/_umbrella_rows.html", "cases/umbrella_list.html"))


def umbrella_columns() -> list[str]:
    """The export's header row in the reader's language (one line per official)."""
    return [_("Number"), _("Title"), _("Division"), _("Opened on"), _("Handling unit"), _("Official"), _("Position"),
            _("Unit or organisation"), _("Party discipline"), _("Party discipline on"), _("Administrative sanction"),
            _("Sanction on"), _("Transferred to judicial organs on"), _("Linked cases")]


@require_GET
@staff_required(*READ_ROLES)
@sudo_required
def umbrella_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    filterset = filtered_umbrellas(request)
    qs = in_table_order(request, UmbrellaTable, filterset.qs, UMBRELLA_SORT).prefetch_related("officials", "cases")

    def rows() -> Iterator[list[Any]]:
        for inv in qs[:EXPORT_LIMIT]:
            cases = " ".join(c.number for c in inv.cases.all())
            head = [inv.number, inv.title, inv.division.name, iso(inv.opened_on),
                    inv.handling_unit.name if inv.handling_unit else ""]
            officials: list[Official | None] = [*inv.officials.all()] or [None]
            for o in officials:  # one line per official, so the people can be counted
                yield head + ([o.name, o.position, o.organisation, o.discipline, iso(o.discipline_on), o.sanction,
                               iso(o.sanction_on), iso(o.transferred_on)] if o else [""] * 8) + [cases]
    return export_list(request.user, fmt=fmt, verb="umbrella.exported", subject_type="umbrella_list",
                       filters=filters_of(filterset), count=qs.count(), name="umbrella",
                       columns=umbrella_columns(), rows=rows())


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
    return {"inv": inv, "officials": inv.officials.select_related("division", "unit"),
            "cases": visible_to(request.user, inv.cases.all(), VIEW),
            "clues": Clue.objects.visible_to(request.user).filter(umbrella_cases=inv),
            "editable": can_edit(request.user, inv), "official_form": official_form or f.OfficialForm(),
            "outcome_form": outcome_form, "kinds": f.OutcomeForm.base_fields["kind"].choices,  # type: ignore[attr-defined]
            "events": history("umbrella_case", inv.number), "error": error, "done": done, "tab": "umbrella",
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
    return answer(request, "cases/umbrella_detail.html", "cases/_umbrella_main.html", ctx, not error,
                  f"/staff/cases/umbrella/{inv.pk}/")
