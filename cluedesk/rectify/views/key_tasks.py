"""Annual key tasks (年度重点任务): milestones, indicators and progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cluedesk.ledger.exports import EXPORT_LIMIT
from cluedesk.ledger.services import timeline
from cluedesk.org.access import get_visible_or_404, roles_for, staff_required, sudo_required, visible_to
from cluedesk.org.lists import in_table_order

from .. import services, tasks
from ..filtersets import TaskFilterSet
from ..models import KeyTask, Milestone
from ..services import RectifyError
from ..tables import TaskTable
from .base import (
    BASE,
    MANAGE,
    VIEW,
    done,
    export,
    my_roles,
    render_list,
    table_of,
    unit_from,
    units_in_scope,
)

# --- key tasks ------------------------------------------------------------------------------------

TASK_SORT = "owner"


def filtered_tasks(request: HttpRequest) -> TaskFilterSet:
    qs = visible_to(request.user, KeyTask.objects.select_related("owner", "owner__division"), "rectify_view")
    return TaskFilterSet(request.GET, queryset=qs.prefetch_related("milestones", "indicators"), request=request)


@require_GET
@staff_required(*VIEW)
def tasks_list(request: HttpRequest) -> HttpResponse:
    filterset = filtered_tasks(request)
    table, query = table_of(request, TaskTable, filterset.qs, TASK_SORT)
    table.empty_text = _("No key task for %(year)s matches.") % {"year": filterset.year()}
    can_manage = bool(set(roles_for("rectify_manage")) & my_roles(request))
    this = timezone.localdate().year
    return render_list(request, "rectify/tasks.html", "rectify/_tasks_list.html", {
        "table": table, "form": filterset.form, "query": query, "year": filterset.year(),
        "years": list(range(this + 1, 2017, -1)),
        "g": request.GET, "owners": units_in_scope(request.user, "rectify_view")[:300], "can_manage": can_manage,
        "manage_units": units_in_scope(request.user, "rectify_manage")[:300] if can_manage else []})


@require_POST
@staff_required(*MANAGE)
def task_new(request: HttpRequest) -> HttpResponse:
    try:
        owner = unit_from(request, "owner", "rectify_manage")
        task = tasks.create_task(acting_user=request.user, year=request.POST.get("year"),
                                 number=request.POST.get("number"), title=request.POST.get("title"), owner=owner,
                                 description=request.POST.get("description"))
    except RectifyError as exc:
        return done(request, f"{BASE}tasks/", "", exc.message)
    return done(request, f"{BASE}tasks/{task.pk}/", _("Key task created."))


def _task(request: HttpRequest, task_id: int, action: str) -> KeyTask:
    return get_visible_or_404(request.user, KeyTask.objects.select_related("owner__division"), action, pk=task_id)


def _task_context(request: HttpRequest, task: KeyTask) -> dict[str, Any]:
    return {"task": task, "progress": tasks.progress(task), "milestones": task.milestones.all(),
            "events": timeline("key_task", task.pk), "today": timezone.localdate(),
            "metrics": tasks.M.choices, "ops": tasks.Indicator.Op.choices,
            "can_manage": services.covers(request.user, task.owner.division.path, "rectify_manage")}


@require_GET
@staff_required(*VIEW)
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id, "rectify_view")
    return render(request, "rectify/task.html", _task_context(request, task))


def _task_act(request: HttpRequest, task_id: int, act: Callable[[KeyTask], str]) -> HttpResponse:
    task = _task(request, task_id, "rectify_manage")
    back = f"{BASE}tasks/{task.pk}/"

    def panel() -> HttpResponse:
        return render(request, "rectify/_task_panel.html", _task_context(request, _task(request, task_id, "rectify_view")))
    try:
        ok = act(task)
    except RectifyError as exc:
        return done(request, back, "", exc.message, panel)
    return done(request, back, ok, "", panel)


@require_POST
@staff_required(*MANAGE)
def task_milestone(request: HttpRequest, task_id: int) -> HttpResponse:
    def act(task: KeyTask) -> str:
        tasks.add_milestone(task, acting_user=request.user, title=request.POST.get("title"),
                            due=request.POST.get("due"))
        return _("Milestone added.")
    return _task_act(request, task_id, act)


@require_POST
@staff_required(*MANAGE)
def task_milestone_done(request: HttpRequest, task_id: int, milestone_id: int) -> HttpResponse:
    def act(task: KeyTask) -> str:
        m = Milestone.objects.filter(task=task, pk=milestone_id).first()
        if m is None:
            raise Http404
        tasks.complete_milestone(m, acting_user=request.user, done_on=request.POST.get("done_on"))
        return _("Milestone done.")
    return _task_act(request, task_id, act)


@require_POST
@staff_required(*MANAGE)
def task_indicator(request: HttpRequest, task_id: int) -> HttpResponse:
    def act(task: KeyTask) -> str:
        tasks.add_indicator(task, acting_user=request.user, metric=request.POST.get("metric"),
                            op=request.POST.get("op"), target=request.POST.get("target"))
        return _("Indicator added.")
    return _task_act(request, task_id, act)


@require_GET
@staff_required(*VIEW)
@sudo_required
def tasks_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    qs = in_table_order(request, TaskTable, filtered_tasks(request).qs, TASK_SORT)
    header = [_("Year"), _("No."), _("Task"), _("Owner unit"), _("Milestones done"), _("Indicators met"),
              _("Progress %")]

    def rows() -> Iterable[list[Any]]:
        for t in qs[:EXPORT_LIMIT]:
            p = tasks.progress(t)
            yield [t.year, t.number, t.title, t.owner.name, f"{p.done}/{p.milestones}", f"{p.met}/{p.indicators}",
                   p.percent]
    return export(request, "key-tasks", fmt, header, rows(), min(qs.count(), EXPORT_LIMIT))

