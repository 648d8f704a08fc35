"""The registers' filters (django-filter): major cases, umbrella investigations, target fugitives.
Each FilterSet filters the queryset its view passes in, which is always the register's scoped
queryset (``visible_to``; for investigations also without the person's own chain of units): a filter
narrows what the person may see, never widens it. Parameter names are the older forms' ones, so
bookmarked addresses keep working."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cluedesk.org.lists import DivisionFilter, PageSizeFilter, TickFilter

from .models import Fugitive, MajorCase, Stage, UmbrellaCase

YES_NO = [("yes", _("yes")), ("no", _("no"))]
DATE = forms.DateInput(attrs={"type": "date"})


class _Register(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100)
    division = DivisionFilter(field_name="division")
    per_page = PageSizeFilter()

    def __init__(self, data: Any, *, queryset: QuerySet[Any], request: HttpRequest) -> None:
        super().__init__(data or None, queryset=queryset, request=request)

    def words(self, value: str) -> list[str]:
        return value.split()[:5]

    def filter_search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        for word in self.words(value):
            qs = qs.filter(self.search_q(word))
        return qs.distinct()

    def search_q(self, word: str) -> Q:
        raise NotImplementedError

    def filter_yes_no(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(**{name: value == "yes"}) if value else qs


class CaseFilterSet(_Register):
    level = django_filters.ChoiceFilter(label=_("Supervising level"), choices=MajorCase.Level.choices,
                                        empty_label=_("any"))
    listed = django_filters.ChoiceFilter(label=_("Listed for supervision"), choices=YES_NO, empty_label=_("any"),
                                         method="filter_yes_no")
    stage = django_filters.ChoiceFilter(label=_("Current stage"), choices=[("none", _("not started")), *Stage.choices],
                                        empty_label=_("any"), method="filter_stage")
    no_umbrella = TickFilter(label=_("Gang without umbrella found"), method="filter_no_umbrella")

    class Meta:
        model = MajorCase
        fields: list[str] = []

    def search_q(self, word: str) -> Q:
        return (Q(number__icontains=word) | Q(title__icontains=word) | Q(summary__icontains=word)
                | Q(suspects__name__icontains=word) | Q(clues__public_id__iexact=word))

    def filter_stage(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """``current`` is the view's annotation: the stage of the case's latest step."""
        if value == "none":
            return qs.filter(current__isnull=True)
        return qs.filter(current=value) if value else qs

    def filter_no_umbrella(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return qs.filter(no_umbrella=True) if value else qs


class UmbrellaFilterSet(_Register):
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), empty_label=_("any"), method="filter_outcome", choices=[
        ("discipline", _("party discipline")), ("sanction", _("administrative sanction")),
        ("transfer", _("transferred to judicial organs")), ("pending", _("no outcome yet"))])
    opened_from = django_filters.DateFilter(label=_("Opened from"), field_name="opened_on", lookup_expr="gte",
                                            widget=DATE)
    opened_to = django_filters.DateFilter(label=_("Opened to"), field_name="opened_on", lookup_expr="lte", widget=DATE)

    class Meta:
        model = UmbrellaCase
        fields: list[str] = []

    def search_q(self, word: str) -> Q:
        return (Q(number__icontains=word) | Q(title__icontains=word) | Q(officials__name__icontains=word)
                | Q(officials__organisation__icontains=word) | Q(officials__position__icontains=word))

    def filter_outcome(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        field = {"discipline": "discipline_on", "sanction": "sanction_on", "transfer": "transferred_on"}.get(value)
        if field:
            return qs.filter(**{f"officials__{field}__isnull": False}).distinct()
        if value == "pending":
            return (qs.exclude(officials__discipline_on__isnull=False).exclude(officials__sanction_on__isnull=False)
                    .exclude(officials__transferred_on__isnull=False))
        return qs


class FugitiveFilterSet(_Register):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Fugitive.Status.choices, empty_label=_("any"))
    abroad = django_filters.ChoiceFilter(label=_("Abroad"), choices=YES_NO, empty_label=_("any"),
                                         method="filter_yes_no")

    class Meta:
        model = Fugitive
        fields: list[str] = []

    def search_q(self, word: str) -> Q:
        return (Q(number__icontains=word) | Q(name__icontains=word) | Q(case__number__icontains=word)
                | Q(residence__icontains=word) | Q(household__icontains=word) | Q(id_hint__iexact=word))
