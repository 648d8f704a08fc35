"""What the register pages share: the scoping words, list paging and division filter, the
history of a row, and the answer to an HTMX or plain post."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluedesk.ledger.services import timeline
from cluedesk.org.access import roles_of, visible_to
from cluedesk.org.actions import roles_for
from cluedesk.org.lists import paged_table, query_without_page

from .. import forms as f
from ..models import Fugitive, Stage

VIEW, EDIT = "cases_view", "cases_edit"


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def can_edit(user: Any, obj: Any) -> bool:
    return visible_to(user, type(obj).objects.filter(pk=obj.pk), EDIT).exists()


def render_list(request: HttpRequest, filterset: Any, table_class: type[tables.Table], default_sort: str,
                tab: str, templates: tuple[str, str]) -> HttpResponse:
    """A register's list: the filtered rows as a table in the address's order and page size; the
    whole page, or only the rows (``templates`` = (rows, page)) for an htmx request."""
    table = paged_table(request, table_class, filterset.qs, default_sort)
    ctx = {"form": filterset.form, "table": table, "query": query_without_page(request), "tab": tab,
           "may_write": bool(roles_for(EDIT) & roles_of(request.user))}
    rows, page = templates
    return render(request, rows if is_htmx(request) else page, ctx)


def filters_of(filterset: Any) -> dict[str, Any]:
    """The filters a person applied, for the export's ledger event."""
    if not filterset.form.is_valid():
        return {}
    return {k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "", False)}


def iso(value: Any) -> str:
    return value.isoformat() if value else ""


EVENT_LABELS: dict[str, Any] = {
    "case.opened": gettext_lazy("Case opened"),
    "case.listing_changed": gettext_lazy("Level or listing changed"),
    "case.linked": gettext_lazy("Clues or units linked"),
    "case.stage_started": gettext_lazy("Stage started"),
    "case.stage_completed": gettext_lazy("Stage completed"),
    "case.suspect_added": gettext_lazy("Suspect added"),
    "case.no_umbrella_flagged": gettext_lazy("Flagged: gang without umbrella found; discipline body reminded"),
    "case.escalated": gettext_lazy("Joint working group sent"),
    "umbrella.opened": gettext_lazy("Investigation opened"),
    "umbrella.official_added": gettext_lazy("Official added"),
    "umbrella.outcome_recorded": gettext_lazy("Outcome recorded"),
    "fugitive.listed": gettext_lazy("Listed as a target fugitive"),
    "fugitive.status_changed": gettext_lazy("Status changed"),
}


def history(subject_type: str, subject_id: str) -> list[dict[str, Any]]:
    events = timeline(subject_type, subject_id)
    ids = {int(e.actor_id) for e in events if e.actor_kind == "staff" and e.actor_id.isdigit()}
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    return [{"seq": e.seq, "at": e.created_at, "label": EVENT_LABELS.get(e.verb, e.verb), "detail": _detail(e.data),
             "who": names.get(int(e.actor_id), "") if e.actor_id.isdigit() else _("the system"),
             "data": e.data} for e in events]


def _detail(data: Any) -> str:
    """A readable word on what changed: the stage, the new status, the outcome and its date."""
    if not isinstance(data, dict):
        return ""
    parts = []
    if data.get("stage") in Stage.values:
        parts.append(str(Stage(data["stage"]).label))
    if data.get("to") in Fugitive.Status.values:
        parts.append(str(Fugitive.Status(data["to"]).label))
    kinds = dict(f.OutcomeForm.base_fields["kind"].choices)  # type: ignore[attr-defined]
    if data.get("kind") in kinds:
        parts.append(str(kinds[data["kind"]]))
    for key in ("started_on", "completed_on", "on"):
        if data.get(key):
            parts.append(str(data[key]))
            break
    return " · ".join(parts)


def answer(request: HttpRequest, template: str, partial: str, ctx: dict[str, Any], ok: bool,
           url: str) -> HttpResponse:
    """HTMX: the refreshed main part of the page (with the message). Without JavaScript: back to
    the page after a success (303), the page with the message after a refusal (400)."""
    if is_htmx(request):
        return render(request, partial, ctx)
    if ok:
        response = redirect(url)
        response.status_code = 303
        return response
    return render(request, template, ctx, status=400)
