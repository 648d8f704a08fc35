"""What every staff list shares, below the apps that own the lists: the division picker (a search
over division names and codes within the person's territory), the filter that reads a typed name or
code, the page sizes and the sorting of a django-tables2 table with empty values last.

The lists themselves (clue queue, registers) are a ``FilterSet`` and a ``Table`` in their own app's
``filtersets.py`` and ``tables.py``; their queryset is always the app's ``visible_to`` queryset.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .access import _grants
from .models import ROOT_CODE, Division

PAGE_SIZES = (25, 50, 100, 200)
SEARCH_LIMIT = 20
_CODE = re.compile(r"\b(\d{6,12})\b")


def territory_q(user: Any) -> Q:
    """Divisions inside any of the person's units' divisions (the whole tree for a national unit)."""
    paths = {g.division_path for g in _grants(user)}
    if f"{ROOT_CODE}/" in paths:
        return Q()
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return q


def search_divisions(user: Any, text: str) -> list[Division]:
    """Divisions of the person's territory whose name contains ``text`` or whose code starts with
    it: higher levels first, then by code."""
    text = " ".join((text or "").split())[:40]
    if not text:
        return []
    found = _CODE.search(text)
    if found or text.isdigit():
        match = Q(code__startswith=found.group(1) if found else text)
    else:
        match = Q(name__icontains=text)
    return list(Division.objects.filter(territory_q(user)).filter(match).select_related("parent")
                .order_by("level", "code")[:SEARCH_LIMIT])


def picker_value(division: Division) -> str:
    """What the picker puts in the box: the name a person reads, with the code that makes it unique."""
    return f"{division.name} {division.code}"


def resolve_division(user: Any, text: str) -> Division | None:
    """A typed code (alone or after a name, as the picker writes it), else an exact name — the
    person's own territory first, since names repeat across the country — else the one division
    of the territory whose name contains the text."""
    text = " ".join((text or "").split())[:60]
    if not text:
        return None
    found = _CODE.search(text)
    if found:
        return Division.objects.filter(code=found.group(1)).first()
    mine = Division.objects.filter(territory_q(user))
    exact = list(mine.filter(name=text).order_by("level", "code")[:1]) or list(
        Division.objects.filter(name=text).order_by("level", "code")[:1])
    if exact:
        return exact[0]
    partial = list(mine.filter(name__icontains=text).order_by("level", "code")[:2])
    return partial[0] if len(partial) == 1 else None


class DivisionFilter(django_filters.CharFilter):
    """Rows in the subtree of the division typed or picked (a code, a name, or both); a text that
    names no division matches nothing. ``field_name`` is the row's division foreign key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Division"))
        kwargs.setdefault("widget", DivisionPicker())
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        request = getattr(self.parent, "request", None)
        division = resolve_division(getattr(request, "user", None), value)
        if division is None:
            return qs.none()
        return qs.filter(**{f"{self.field_name}__path__startswith": division.path})


class DivisionPicker(forms.TextInput):
    """A text box that asks the division search as one types (htmx, no inline script) and offers
    the answers in a datalist; without JavaScript a typed name or code is read the same way."""

    template_name = "org/_division_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", "inputmode": "search",
                          "placeholder": _("name or code"), **(attrs or {})})


class PageSizeFilter(django_filters.TypedChoiceFilter):
    """``per_page`` in the address: read by the view (django-tables2 pages), filters nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, label=_("Per page"), choices=[(n, str(n)) for n in PAGE_SIZES], coerce=int,
                         **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs


def page_size(request: HttpRequest) -> int:
    raw = request.GET.get("per_page", "")
    return int(raw) if raw.isdigit() and int(raw) in PAGE_SIZES else PAGE_SIZES[0]


def ordered(queryset: QuerySet[Any], fields: list[str], descending: bool) -> QuerySet[Any]:
    """The chosen column first (empty values last either way), then the fixed tie-breaks (a "-"
    reverses one), then the newest row: for a ``Table.order_<column>`` method."""
    first = F(fields[0])
    order = [first.desc(nulls_last=True) if descending else first.asc(nulls_last=True)]
    for name in fields[1:]:
        order.append(F(name[1:]).desc() if name.startswith("-") else F(name).asc())
    return queryset.order_by(*order, F("pk").desc())


def order_key(request: HttpRequest, default: str, legacy: dict[str, str] | None = None) -> str:
    """The ``sort`` of the address, with older keys mapped to today's ones."""
    key = request.GET.get("sort", "") or default
    return (legacy or {}).get(key, key)


class TickFilter(django_filters.Filter):
    """A tick box (``name=on``): ticked applies ``method``, unticked filters nothing."""

    field_class = forms.BooleanField


def paged_table(request: HttpRequest, table_class: type[tables.Table], qs: QuerySet[Any],
                default_sort: str) -> tables.Table:
    """A list's table over the filtered rows, in the address's order (``sort``) and page size."""
    table = table_class(qs, order_by=request.GET.get("sort") or default_sort)
    table.paginate(page=request.GET.get("page", 1), per_page=page_size(request))
    return table


def in_table_order(request: HttpRequest, table_class: type[tables.Table], qs: QuerySet[Any],
                   default_sort: str) -> QuerySet[Any]:
    """The rows of an export: the filtered list in the order it is shown (the table orders it)."""
    return table_class(qs, order_by=request.GET.get("sort") or default_sort).data.data  # type: ignore[no-any-return]


def query_without_page(request: HttpRequest) -> str:
    """The address's query without its page (for export links and the pager)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
