"""The rectification lists as django-tables2 tables (sortable columns, page size), rendered with
``tables/staff_table.html``; the HTMX target is the page's ``#list``."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import tasks
from .industry import industry_name
from .models import KeyTask, Letter, ProblemItem


def _overdue(day: Any, late: bool) -> str:
    mark = format_html(' <span class="badge bad">{}</span>', _("overdue")) if late else ""
    return format_html("{}{}", f"{day:%Y-%m-%d}", mark)


class _List(tables.Table):
    hx_target = "#list"

    class Meta:
        template_name = "tables/staff_table.html"
        attrs = {"class": "stafftable"}
        order_by_field = "sort"
        per_page_field = "per_page"


class ItemTable(_List):
    item = tables.Column(accessor="number", order_by=("-round__starts", "round_id", "number"),
                         verbose_name=gettext_lazy("List item"), attrs={"td": {"class": "nowrap"}})
    problem = tables.Column(verbose_name=gettext_lazy("Problem"))
    owner = tables.Column(accessor="owner__name", verbose_name=gettext_lazy("Owner unit"))
    time_limit = tables.Column(verbose_name=gettext_lazy("Time limit"), attrs={"td": {"class": "nowrap"}})
    status = tables.Column(verbose_name=gettext_lazy("Status"))

    class Meta(_List.Meta):
        empty_text = gettext_lazy("No supervision item matches.")

    def render_item(self, record: ProblemItem) -> str:
        return format_html('<a href="/staff/rectify/items/{}/">{} · {}</a>', record.pk, record.round.name, record.number)

    def render_problem(self, value: str) -> str:
        return Truncator(value).chars(90)

    def render_time_limit(self, record: ProblemItem) -> str:
        late = record.status != ProblemItem.Status.VERIFIED and record.time_limit < timezone.localdate()
        return _overdue(record.time_limit, late)

    def render_status(self, record: ProblemItem) -> str:
        return format_html('<span class="badge status-{}">{}</span>', record.status, record.get_status_display())


class LetterTable(_List):
    number = tables.Column(verbose_name=gettext_lazy("Number"), attrs={"td": {"class": "nowrap"}})
    kind = tables.Column(verbose_name=gettext_lazy("Kind"))
    recipient = tables.Column(accessor="recipient__name", verbose_name=gettext_lazy("Recipient"))
    industry = tables.Column(verbose_name=gettext_lazy("Industry"))
    issued_on = tables.Column(verbose_name=gettext_lazy("Issued"), attrs={"td": {"class": "nowrap"}})
    deadline = tables.Column(verbose_name=gettext_lazy("Feedback due"), attrs={"td": {"class": "nowrap"}})
    status = tables.Column(verbose_name=gettext_lazy("Status"))

    class Meta(_List.Meta):
        empty_text = gettext_lazy("No letter matches.")

    def render_number(self, record: Letter) -> str:
        return format_html('<a href="/staff/rectify/letters/{}/">{}</a>', record.pk, record.number)

    def render_kind(self, record: Letter) -> str:
        return record.get_kind_display()

    def render_industry(self, value: str) -> str:
        return industry_name(value)

    def render_issued_on(self, value: Any) -> str:
        return f"{value:%Y-%m-%d}"

    def render_deadline(self, record: Letter) -> str:
        return _overdue(record.deadline, record.status == Letter.Status.ISSUED and record.deadline < timezone.localdate())

    def render_status(self, record: Letter) -> str:
        return format_html('<span class="badge status-{}">{}</span>', record.status, record.get_status_display())


class TaskTable(_List):
    task = tables.Column(accessor="number", verbose_name=gettext_lazy("Task"))
    owner = tables.Column(accessor="owner__name", order_by=("owner__division__path", "number"),
                          verbose_name=gettext_lazy("Owner unit"))
    milestones = tables.Column(empty_values=(), orderable=False, verbose_name=gettext_lazy("Milestones"))
    indicators = tables.Column(empty_values=(), orderable=False, verbose_name=gettext_lazy("Indicators"))
    progress = tables.Column(empty_values=(), orderable=False, verbose_name=gettext_lazy("Progress"))

    def _progress(self, record: KeyTask) -> tasks.Progress:
        cache: dict[int, tasks.Progress] = self.__dict__.setdefault("_progress_cache", {})
        if record.pk not in cache:
            cache[record.pk] = tasks.progress(record)
        return cache[record.pk]

    def render_task(self, record: KeyTask) -> str:
        return format_html('<a href="/staff/rectify/tasks/{}/">{}. {}</a>', record.pk, record.number, record.title)

    def render_milestones(self, record: KeyTask) -> str:
        p = self._progress(record)
        return f"{p.done} / {p.milestones}"

    def render_indicators(self, record: KeyTask) -> str:
        p = self._progress(record)
        return f"{p.met} / {p.indicators}"

    def render_progress(self, record: KeyTask) -> str:
        p = self._progress(record)
        return format_html('<meter min="0" max="100" value="{}"></meter> {}%', p.percent, p.percent)
