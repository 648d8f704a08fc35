"""What the rectification pages share: who may do what, the units a person may name, list paging,
the answer to an action (HTMX panel or redirect) and the audited export."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import django_tables2 as tables
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from cluedesk.ledger.exports import export_list
from cluedesk.org.access import _grants, roles_for, roles_of
from cluedesk.org.lists import paged_table, query_without_page
from cluedesk.org.models import Unit

from ..services import RectifyError

VIEW = ("supervisor", "auditor", "admin", "dispatcher", "industry_liaison")
MANAGE = ("supervisor", "admin")
SUBMIT = ("supervisor", "admin", "dispatcher", "industry_liaison")
VERIFY = ("supervisor",)
ANSWER = ("industry_liaison", "admin")
BASE = "/staff/rectify/"


def units_in_scope(user: Any, action: str, *types: str) -> QuerySet[Unit]:
    """Active units in the territory where the person may perform ``action`` (and their own units)."""
    allowed = roles_for(action)
    grants = [g for g in _grants(user) if g.role in allowed]
    q = Q(pk__in=[g.unit_id for g in grants])
    for path in {g.division_path for g in grants}:
        q |= Q(division__path__startswith=path)
    qs = Unit.objects.filter(active=True).filter(q if grants else Q(pk__in=[])).select_related("division")
    if types:
        qs = qs.filter(type__in=types)
    return qs.order_by("division__path", "name")


def unit_from(request: HttpRequest, name: str, action: str, *types: str) -> Unit:
    try:
        pk = int(request.POST.get(name) or 0)
    except ValueError:
        pk = 0
    unit = units_in_scope(request.user, action, *types).filter(pk=pk).first()
    if unit is None:
        raise RectifyError(_("Choose a unit in your area."))
    return unit


def done(request: HttpRequest, back: str, ok: str, error: str = "",
         panel: Callable[[], HttpResponse] | None = None) -> HttpResponse:
    if error:
        messages.error(request, error)
    else:
        messages.success(request, ok)
    if panel is not None and request.headers.get("HX-Request"):
        return panel()
    return HttpResponseRedirect(back)


def table_of(request: HttpRequest, table_class: type[tables.Table], qs: QuerySet[Any],
             default_sort: str) -> tuple[tables.Table, str]:
    """The list's table over the filtered rows, in the address's order and page size, and the
    address's query without its page (for the export links)."""
    return paged_table(request, table_class, qs, default_sort), query_without_page(request)



def render_list(request: HttpRequest, full: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, partial if request.headers.get("HX-Request") else full, context)


def my_roles(request: HttpRequest) -> set[str]:
    return roles_of(request.user)


def export(request: HttpRequest, name: str, fmt: str, header: list[str], rows: Iterable[list[Any]],
           count: int) -> HttpResponseBase:
    """The list as CSV or XLSX, every cell as text, with its one ``rectify.exported`` event (the
    query's parameters are the filters)."""
    return export_list(request.user, fmt=fmt, verb="rectify.exported", subject_type=f"{name}_list",
                       filters=dict(request.GET.items()), count=count, name=name, columns=header,
                       rows=([str(v) for v in row] for row in rows))
