"""The rectification lists' filters (django-filter): special supervision items, letters and key
tasks. Each filters the list's ``visible_to`` queryset, which its view passes in: a filter narrows
what the person may see, never widens it. Parameter names are the older hand-written ones."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cluedesk.org.lists import DivisionFilter, PageSizeFilter

from .industry import industry_choices
from .models import KeyTask, Letter, ProblemItem


class _List(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100)
    per_page = PageSizeFilter()

    def __init__(self, data: Any, *, queryset: QuerySet[Any], request: HttpRequest) -> None:
        super().__init__(data or None, queryset=queryset, request=request)

    def filter_search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        for word in value.split()[:5]:
            qs = qs.filter(self.search_q(word))
        return qs

    def search_q(self, word: str) -> Q:
        raise NotImplementedError


class ItemFilterSet(_List):
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=_("every status"), method="filter_status",
                                         choices=[*ProblemItem.Status.choices, ("overdue", _("past the time limit"))])
    round = django_filters.NumberFilter(label=_("Round"), field_name="round_id")
    owner = django_filters.NumberFilter(label=_("Owner unit"), field_name="owner_id")
    division = DivisionFilter(field_name="owner__division")

    class Meta:
        model = ProblemItem
        fields: list[str] = []

    def search_q(self, word: str) -> Q:
        return (Q(problem__icontains=word) | Q(measures__icontains=word) | Q(owner__name__icontains=word)
                | Q(round__name__icontains=word))

    def filter_status(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "overdue":
            return qs.exclude(status=ProblemItem.Status.VERIFIED).filter(time_limit__lt=timezone.localdate())
        return qs.filter(status=value) if value else qs


class LetterFilterSet(_List):
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=_("every status"), method="filter_status",
                                         choices=[*Letter.Status.choices, ("overdue", _("feedback overdue"))])
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Letter.Kind.choices, empty_label=_("every kind"))
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=industry_choices,
                                           empty_label=_("every industry"))
    year = django_filters.NumberFilter(label=_("Year issued"), field_name="issued_on", lookup_expr="year")
    division = DivisionFilter(field_name="recipient__division")

    class Meta:
        model = Letter
        fields: list[str] = []

    def search_q(self, word: str) -> Q:
        return (Q(number__icontains=word) | Q(issue__icontains=word) | Q(recipient__name__icontains=word)
                | Q(issuer__name__icontains=word))

    def filter_status(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "overdue":
            return qs.filter(status=Letter.Status.ISSUED, deadline__lt=timezone.localdate())
        return qs.filter(status=value) if value else qs


class TaskFilterSet(_List):
    """Key tasks of one year: the year asked for, else this year."""

    owner = django_filters.NumberFilter(label=_("Owner unit"), field_name="owner_id")
    division = DivisionFilter(field_name="owner__division")

    class Meta:
        model = KeyTask
        fields: list[str] = []

    def year(self) -> int:
        raw = str((self.data or {}).get("year") or "")
        return int(raw) if raw.isdigit() else timezone.localdate().year

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return super().filter_queryset(queryset).filter(year=self.year())

    def search_q(self, word: str) -> Q:
        return Q(title__icontains=word) | Q(description__icontains=word) | Q(owner__name__icontains=word)
