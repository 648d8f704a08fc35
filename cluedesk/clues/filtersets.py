"""The clue queue's filters (django-filter). The queryset is always ``Clue.objects.visible_to``:
a filter narrows what the person may see, never widens it. The parameter names are those of the
older hand-written form, so bookmarks and links from the workbench home keep working."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cluedesk.org.lists import DivisionFilter, PageSizeFilter, TickFilter

from . import search, taxonomy, workbench
from .models import Clue

OPEN_STATES = workbench.OPEN_STATES
QUEUES = [("all", _("All I can see")), ("mine", _("Waiting for me")), ("new", _("New")),
          ("unit", _("My unit's")), ("sign", _("Awaiting my signature")), ("overdue", _("Overdue")),
          ("due_soon", _("Due within 3 days")), ("replies", _("Unread replies"))]
_NUMBER_PART = re.compile(r"C?[0-9A-F]{3,12}")


def search_q(text: str) -> Q:
    """Each word matches a clue number or a part of one (three or more of its characters), or the
    blind index of the clue's title and reports."""
    q = Q()
    for word in text.split()[:5]:
        found = search.matching(word)
        if _NUMBER_PART.fullmatch(word.upper()):
            found |= Q(public_id__contains=word.upper())
        q &= found
    return q


class ClueFilterSet(django_filters.FilterSet):
    queue = django_filters.ChoiceFilter(label=_("Queue"), choices=QUEUES, method="filter_queue", empty_label=None)
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100)
    state = django_filters.ChoiceFilter(label=_("State"), choices=Clue.State.choices, empty_label=_("any"))
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Clue.Priority.choices, empty_label=_("any"))
    category = django_filters.ChoiceFilter(label=_("Category"), choices=lambda: taxonomy.choices("category"),
                                           empty_label=_("any"))
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=lambda: taxonomy.choices("industry"),
                                           empty_label=_("any"))
    division = DivisionFilter(field_name="division")
    due_before = django_filters.DateFilter(label=_("Due before"), method="filter_due_before",
                                           widget=forms.DateInput(attrs={"type": "date"}))
    umbrella = TickFilter(label=_("Officials implicated"), method="filter_umbrella")
    per_page = PageSizeFilter()

    class Meta:
        model = Clue
        fields: list[str] = []

    def __init__(self, data: Any = None, *, request: HttpRequest) -> None:
        queryset = Clue.objects.visible_to(request.user).select_related("division", "unit")
        super().__init__(data or None, queryset=queryset, request=request)

    @property
    def qs(self) -> QuerySet[Clue]:
        return super().qs.distinct()

    def filter_queue(self, qs: QuerySet[Clue], name: str, value: str) -> QuerySet[Clue]:
        return workbench.queue_queryset(self.request.user, qs, value or "all")  # type: ignore[union-attr]

    def filter_search(self, qs: QuerySet[Clue], name: str, value: str) -> QuerySet[Clue]:
        return qs.filter(search_q(value)) if value.strip() else qs

    def filter_due_before(self, qs: QuerySet[Clue], name: str, value: Any) -> QuerySet[Clue]:
        return qs.filter(deadline__date__lt=value, state__in=OPEN_STATES)

    def filter_umbrella(self, qs: QuerySet[Clue], name: str, value: bool) -> QuerySet[Clue]:
        return qs.filter(umbrella=True) if value else qs

    def queue_key(self) -> str:
        return (self.form.cleaned_data.get("queue") if self.form.is_valid() else "") or "all"
