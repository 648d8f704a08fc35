"""The registers as django-tables2 tables (sortable columns, page size), rendered with
``tables/staff_table.html``; the HTMX target is the register's list block."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Fugitive, MajorCase, Stage, UmbrellaCase

DASH = mark_safe('<span class="muted">—</span>')


def _date(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if value else DASH


class _Register(tables.Table):
    hx_target = "#register-list"

    class Meta:
        template_name = "tables/staff_table.html"
        attrs = {"class": "stafftable"}
        order_by_field = "sort"
        per_page_field = "per_page"

    def render_division(self, record: Any) -> str:
        return record.division.name


class CaseTable(_Register):
    number = tables.Column(verbose_name=gettext_lazy("Number"), attrs={"td": {"class": "nowrap"}})
    title = tables.Column(verbose_name=gettext_lazy("Title"))
    division = tables.Column(accessor="division__path", verbose_name=gettext_lazy("Division"))
    opened_on = tables.Column(verbose_name=gettext_lazy("Opened on"), attrs={"td": {"class": "nowrap"}})
    level = tables.Column(verbose_name=gettext_lazy("Supervising level"))
    current = tables.Column(empty_values=(), verbose_name=gettext_lazy("Current stage"))
    flags = tables.Column(empty_values=(), orderable=False, verbose_name=gettext_lazy("Flags"))

    class Meta(_Register.Meta):
        empty_text = gettext_lazy("No case matches. Change the filters, or open a case from a clue.")

    def render_number(self, record: MajorCase) -> str:
        return format_html('<a href="{}"><strong class="mono">{}</strong></a>',
                           reverse("cases:case_detail", args=[record.pk]), record.number)

    def render_opened_on(self, value: Any) -> str:
        return _date(value)

    def render_level(self, record: MajorCase) -> str:
        if record.listed:
            return format_html('<span class="badge warn">{} · {}</span>', _("listed"), record.get_level_display())
        return format_html('<span class="badge">{}</span>', record.get_level_display())

    def render_current(self, record: MajorCase) -> str:
        current = getattr(record, "current", None)
        return str(dict(Stage.choices).get(current, current)) if current else _("not started")

    def render_flags(self, record: MajorCase) -> str:
        flags = []
        if record.no_umbrella:
            flags.append(("bad", _("no umbrella found")))
        if record.escalated_on:
            flags.append(("", _("joint working group")))
        return format_html_join(" ", '<span class="badge {}">{}</span>', flags) if flags else DASH


class UmbrellaTable(_Register):
    number = tables.Column(verbose_name=gettext_lazy("Number"), attrs={"td": {"class": "nowrap"}})
    title = tables.Column(verbose_name=gettext_lazy("Title"))
    division = tables.Column(accessor="division__path", verbose_name=gettext_lazy("Division"))
    opened_on = tables.Column(verbose_name=gettext_lazy("Opened on"), attrs={"td": {"class": "nowrap"}})
    handling_unit = tables.Column(accessor="handling_unit__name", empty_values=(),
                                  verbose_name=gettext_lazy("Handling unit"))
    officials = tables.Column(accessor="official_count", verbose_name=gettext_lazy("Officials"),
                              attrs={"td": {"class": "num"}})

    class Meta(_Register.Meta):
        empty_text = gettext_lazy("No investigation matches.")

    def render_number(self, record: UmbrellaCase) -> str:
        return format_html('<a href="{}"><strong class="mono">{}</strong></a>',
                           reverse("cases:umbrella_detail", args=[record.pk]), record.number)

    def render_opened_on(self, value: Any) -> str:
        return _date(value)

    def render_handling_unit(self, record: UmbrellaCase) -> str:
        return record.handling_unit.name if record.handling_unit else DASH


class FugitiveTable(_Register):
    number = tables.Column(verbose_name=gettext_lazy("Number"), attrs={"td": {"class": "nowrap"}})
    name = tables.Column(verbose_name=gettext_lazy("Name"))
    status = tables.Column(verbose_name=gettext_lazy("Status"))
    division = tables.Column(accessor="division__path", verbose_name=gettext_lazy("Division"))
    case = tables.Column(accessor="case__number", verbose_name=gettext_lazy("Case"))
    at_large_since = tables.Column(verbose_name=gettext_lazy("At large since"), attrs={"td": {"class": "nowrap"}})
    listed_on = tables.Column(verbose_name=gettext_lazy("Target since"), attrs={"td": {"class": "nowrap"}})

    class Meta(_Register.Meta):
        empty_text = gettext_lazy("No target fugitive matches.")

    def render_number(self, record: Fugitive) -> str:
        return format_html('<a href="{}"><strong class="mono">{}</strong></a>',
                           reverse("cases:fugitive_detail", args=[record.pk]), record.number)

    def render_status(self, record: Fugitive) -> str:
        tone = " bad" if record.status == Fugitive.Status.AT_LARGE else " ok" if record.caught else ""
        when = f" · {record.status_on:%Y-%m-%d}" if record.status_on else ""
        abroad = format_html(' <span class="badge warn">{}</span>', _("abroad")) if record.abroad else ""
        return format_html('<span class="badge{}">{}{}</span>{}', tone, record.get_status_display(), when, abroad)

    def render_at_large_since(self, value: Any) -> str:
        return _date(value)

    def render_listed_on(self, value: Any) -> str:
        return _date(value)
