"""Target fugitives (目标逃犯): list and export, listing one, its page and its status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cluedesk.ledger.exports import EXPORT_LIMIT, export_list
from cluedesk.org.access import get_visible_or_404, staff_required, sudo_required, visible_to
from cluedesk.org.lists import in_table_order

from .. import forms as f
from .. import services
from ..apps import READ_ROLES, WRITE_ROLES
from ..filtersets import FugitiveFilterSet
from ..models import Fugitive, MajorCase
from ..tables import FugitiveTable
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

# --- fugitives --------------------------------------------------------------------------------

def filtered_fugitives(request: HttpRequest) -> FugitiveFilterSet:
    qs = visible_to(request.user, Fugitive.objects.select_related("division", "case"), VIEW)
    return FugitiveFilterSet(request.GET, queryset=qs, request=request)


FUGITIVE_SORT = "-listed_on"


@require_GET
@staff_required(*READ_ROLES)
def fugitive_list(request: HttpRequest) -> HttpResponse:
    return render_list(request, filtered_fugitives(request), FugitiveTable, FUGITIVE_SORT, "fugitives",
                       ("cases/_fugitive_rows.html", "cases/fugitive_list.html"))


def fugitive_columns() -> list[str]:
    """The export's header row in the reader's language."""
    return [_("Number"), _("Name"), _("Sex"), _("Year of birth"), _("ID number (last four characters)"), _("Case"),
            _("Division"), _("At large since"), _("Target since"), _("Place of residence"),
            _("Household registration place"), _("Abroad"), _("Status"), _("Status since")]


@require_GET
@staff_required(*READ_ROLES)
@sudo_required
def fugitive_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    filterset = filtered_fugitives(request)
    qs = in_table_order(request, FugitiveTable, filterset.qs, FUGITIVE_SORT)

    yes = _("yes")

    def rows() -> Iterator[list[Any]]:
        for p in qs[:EXPORT_LIMIT]:
            yield [p.number, p.name, p.get_sex_display(), p.birth_year or "", p.id_hint, p.case.number, p.division.name,
                   iso(p.at_large_since), iso(p.listed_on), p.residence, p.household, yes if p.abroad else "",
                   p.get_status_display(), iso(p.status_on)]
    return export_list(request.user, fmt=fmt, verb="fugitives.exported", subject_type="fugitives_list",
                       filters=filters_of(filterset), count=qs.count(), name="fugitives",
                       columns=fugitive_columns(), rows=rows())


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
            "events": history("fugitive", person.number), "error": error, "done": done, "tab": "fugitives"}


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
    return answer(request, "cases/fugitive_detail.html", "cases/_fugitive_main.html", ctx, not error,
                  f"/staff/cases/fugitives/{person.pk}/")
