"""The clue queue as a django-tables2 table: sortable columns (empty values last either way), the
overdue and unread marks, the excerpt of the first report, and the tick box for a dispatcher's
bulk assignment. Rendered with ``tables/staff_table.html`` (the staff look, HTMX paging)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from cluedesk.org.lists import ordered

from . import taxonomy
from .models import Clue
from .workbench import OPEN_STATES

SORTS = {  # column → ordering; a leading "-" reverses a tie-break
    "received": ["created_at"], "deadline": ["deadline", "created_at"], "state": ["state", "-created_at"],
    "division": ["division__path", "-created_at"], "unit": ["unit__name", "-created_at"],
    "category": ["category", "-created_at"], "reports": ["report_count", "-created_at"],
}
DEFAULT_SORT = "-received"
LEGACY_SORTS = {"new": "-received", "old": "received"}  # addresses from before the table


def sort(qs: QuerySet[Clue], key: str) -> QuerySet[Clue]:
    """The list's order for a ``sort`` key (the export uses it too: the file is the list as seen)."""
    key = LEGACY_SORTS.get(key, key)
    fields = SORTS.get(key.lstrip("-")) or SORTS["received"]
    return ordered(qs, fields, key.startswith("-") if key.lstrip("-") in SORTS else True)


def is_overdue(clue: Clue) -> bool:
    return bool(clue.deadline and clue.deadline < timezone.now() and clue.state in OPEN_STATES)


def _row_class(record: Clue) -> str:
    marks = ["cluerow"]
    if is_overdue(record):
        marks.append("is-overdue")
    if getattr(record, "unread", False):
        marks.append("is-unread")
    return " ".join(marks)


def _ordering(column: str) -> Any:
    def order(self: ClueTable, queryset: QuerySet[Clue], is_descending: bool) -> tuple[QuerySet[Clue], bool]:
        return ordered(queryset, SORTS[column], is_descending), True
    return order


class ClueTable(tables.Table):
    pick = tables.Column(empty_values=(), orderable=False, verbose_name=pgettext_lazy("clue list column", "Select"),
                         attrs={"td": {"class": "pick"}, "th": {"class": "pick"}})
    received = tables.Column(accessor="created_at", verbose_name=pgettext_lazy("clue list column", "Received"),
                             attrs={"td": {"class": "received"}})
    clue = tables.Column(accessor="public_id", orderable=False, verbose_name=pgettext_lazy("clue list column", "Clue"),
                         attrs={"td": {"class": "what"}})
    state = tables.Column(verbose_name=pgettext_lazy("clue list column", "State"))
    deadline = tables.Column(empty_values=(), verbose_name=pgettext_lazy("clue list column", "Deadline"),
                             attrs={"td": {"class": "nowrap"}})
    division = tables.Column(empty_values=(), verbose_name=pgettext_lazy("clue list column", "Division"))
    unit = tables.Column(empty_values=(), verbose_name=pgettext_lazy("clue list column", "Unit"))
    category = tables.Column(empty_values=(), verbose_name=pgettext_lazy("clue list column", "Category"))
    reports = tables.Column(accessor="report_count", verbose_name=pgettext_lazy("clue list column", "Reports"),
                            attrs={"td": {"class": "num"}})

    order_received = _ordering("received")
    order_deadline = _ordering("deadline")
    order_state = _ordering("state")
    order_division = _ordering("division")
    order_unit = _ordering("unit")
    order_category = _ordering("category")
    order_reports = _ordering("reports")

    hx_target = "#queue-list"

    class Meta:
        template_name = "tables/staff_table.html"
        attrs = {"class": "cluetable stafftable"}
        row_attrs = {"class": _row_class}
        order_by_field = "sort"
        per_page_field = "per_page"

    def __init__(self, data: QuerySet[Clue], *, bulk: bool = False, excerpts: dict[int, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data, exclude=() if bulk else ("pick",), **kwargs)
        self.excerpts = excerpts or {}
        self.empty_text = _("No clue matches.")

    def render_pick(self, record: Clue) -> str:
        if record.state != Clue.State.SCREENED:
            return ""
        return format_html('<input type="checkbox" name="clues" value="{}:{}" aria-label="{} {}">', record.public_id,
                           record.version, _("Select"), record.public_id)

    def render_received(self, record: Clue) -> str:
        at = timezone.localtime(record.created_at)
        return format_html('{}<span class="muted"> {}</span>', f"{at:%Y-%m-%d}", f"{at:%H:%M}")

    def render_clue(self, record: Clue) -> str:
        badges = []
        if getattr(record, "unread", False):
            badges.append(("reply", _("new reply")))
        if record.priority != Clue.Priority.NORMAL:
            badges.append(("warn", record.get_priority_display()))
        if record.umbrella:
            badges.append(("bad", _("officials implicated")))
        excerpt = self.excerpts.get(record.pk, "")
        return format_html(
            '<a class="cluelink" href="{}"><strong class="mono">{}</strong></a>{}{}{}',
            reverse("clues:detail", args=[record.public_id]), record.public_id,
            format_html_join("", ' <span class="badge {}">{}</span>', badges),
            format_html('<span class="cluetitle">{}</span>', record.title) if record.title else "",
            format_html('<span class="excerpt">{}</span>', excerpt) if excerpt else "")

    def render_state(self, record: Clue) -> str:
        return format_html('<span class="badge state-{}">{}</span>', record.state, record.get_state_display())

    def render_deadline(self, record: Clue) -> str:
        if not record.deadline:
            return mark_safe('<span class="muted">—</span>')
        mark = format_html(' <span class="badge bad">{}</span>', _("overdue")) if is_overdue(record) else ""
        return format_html("{}{}", f"{timezone.localtime(record.deadline):%Y-%m-%d}", mark)

    def render_division(self, record: Clue) -> str:
        return record.division.name if record.division else _("no division")

    def render_unit(self, record: Clue) -> str:
        return record.unit.name if record.unit else "—"

    def render_category(self, record: Clue) -> str:
        if not record.category:
            return mark_safe('<span class="muted">—</span>')
        return taxonomy.label("category", record.category)
