"""The registers' front page: items, letters and this year's key tasks at a glance."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cluedesk.org.access import staff_required, visible_to

from .. import tasks
from ..models import KeyTask, Letter, ProblemItem
from .base import VIEW


@require_GET
@staff_required(*VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    items = visible_to(request.user, ProblemItem.objects.all(), "rectify_view")
    letters = visible_to(request.user, Letter.objects.all(), "rectify_view")
    S, L = ProblemItem.Status, Letter.Status
    item_counts = items.aggregate(total=Count("id"), verified=Count("id", filter=Q(status=S.VERIFIED)),
                                  submitted=Count("id", filter=Q(status=S.SUBMITTED)))
    letter_counts = letters.aggregate(issued=Count("id"), answered=Count("id", filter=~Q(status=L.ISSUED)),
                                      rectified=Count("id", filter=Q(status=L.RECTIFIED)))
    year = timezone.localdate().year
    task_qs = visible_to(request.user, KeyTask.objects.filter(year=year).select_related("owner__division"),
                         "rectify_view").prefetch_related("milestones", "indicators")[:20]
    return render(request, "rectify/overview.html", {
        "items": item_counts, "letters": letter_counts, "year": year,
        "tasks": [(t, tasks.progress(t)) for t in task_qs]})

