"""Special supervision lists (专项督导问题清单): the problems an inspection round found, their
rectification, evidence and verification."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cluedesk.intake.attachments import open_decrypted
from cluedesk.ledger.exports import EXPORT_LIMIT
from cluedesk.ledger.services import timeline
from cluedesk.org.access import get_visible_or_404, roles_for, staff_required, sudo_required, visible_to
from cluedesk.org.lists import in_table_order
from cluedesk.org.models import Membership, Unit
from cluedesk.supervision.models import InspectionRound

from .. import figures, services
from ..filtersets import ItemFilterSet
from ..models import ItemEvidence, ProblemItem
from ..services import RectifyError
from ..tables import ItemTable
from .base import (
    BASE,
    MANAGE,
    SUBMIT,
    VERIFY,
    VIEW,
    done,
    export,
    my_roles,
    render_list,
    table_of,
    unit_from,
    units_in_scope,
)

# --- special supervision lists -------------------------------------------------------------------

ITEM_SORT = "item"


def filtered_items(request: HttpRequest) -> ItemFilterSet:
    qs = visible_to(request.user, ProblemItem.objects.select_related("round", "owner", "owner__division"),
                    "rectify_view")
    return ItemFilterSet(request.GET, queryset=qs, request=request)


def _rounds(user: Any, action: str = "rectify_view") -> QuerySet[InspectionRound]:
    return visible_to(user, InspectionRound.objects.select_related("division"), action)


@require_GET
@staff_required(*VIEW)
def items_list(request: HttpRequest) -> HttpResponse:
    filterset = filtered_items(request)
    table, query = table_of(request, ItemTable, filterset.qs, ITEM_SORT)
    rounds = list(_rounds(request.user)[:200])
    chosen = next((r for r in rounds if str(r.pk) == request.GET.get("round")), None)
    summary = None
    if chosen is not None:
        summary = figures.items(chosen.division, chosen.starts, chosen.starts)
    can_manage = bool(set(roles_for("rectify_manage")) & my_roles(request))
    return render_list(request, "rectify/items.html", "rectify/_items_list.html", {
        "table": table, "form": filterset.form, "query": query, "rounds": rounds, "chosen": chosen,
        "summary": summary, "today": timezone.localdate(), "g": request.GET,
        "owners": units_in_scope(request.user, "rectify_view")[:300],
        "can_manage": can_manage,
        "manage_rounds": list(_rounds(request.user, "rectify_manage")[:200]) if can_manage else [],
        "manage_units": units_in_scope(request.user, "rectify_manage")[:300] if can_manage else []})


@require_POST
@staff_required(*MANAGE)
def item_new(request: HttpRequest) -> HttpResponse:
    try:
        rnd = _rounds(request.user, "rectify_manage").filter(pk=int(request.POST.get("round") or 0)).first()
    except ValueError:
        rnd = None
    try:
        if rnd is None:
            raise RectifyError(_("Choose an inspection round in your area."))
        owner = unit_from(request, "owner", "rectify_manage")
        item = services.add_item(acting_user=request.user, round=rnd, owner=owner,
                                 problem=request.POST.get("problem"), measures=request.POST.get("measures"),
                                 time_limit=request.POST.get("time_limit"))
    except RectifyError as exc:
        return done(request, f"{BASE}items/", "", exc.message)
    return done(request, f"{BASE}items/{item.pk}/", _("The problem was added to the list as item %(n)d.")
                 % {"n": item.number})


def _item(request: HttpRequest, item_id: int, action: str) -> ProblemItem:
    return get_visible_or_404(request.user, ProblemItem.objects.select_related(
        "round__division", "owner__division", "submitted_by", "verified_by"), action, pk=item_id)


def _item_context(request: HttpRequest, item: ProblemItem) -> dict[str, Any]:
    roles = my_roles(request)
    mine = set(Membership.objects.filter(user=request.user.pk, unit__active=True).values_list("unit_id", flat=True))
    S = ProblemItem.Status
    owner_member = item.owner_id in mine and bool(roles & set(SUBMIT))
    return {
        "item": item, "evidence": item.evidence.select_related("unit", "submitted_by"),
        "events": timeline("problem_item", item.pk),
        "can_start": owner_member and item.status in (S.OPEN, S.REOPENED),
        "can_submit": owner_member and item.status in (S.OPEN, S.RECTIFYING, S.REOPENED),
        "can_verify": "supervisor" in roles and item.status == S.SUBMITTED
        and services.covers(request.user, item.round.division.path, "rectify_verify"),
        "can_reopen": "supervisor" in roles and item.status in (S.SUBMITTED, S.VERIFIED)
        and services.covers(request.user, item.round.division.path, "rectify_verify"),
        "own_submission": item.submitted_by_id == request.user.pk,
        "my_units": Unit.objects.filter(pk__in=mine).order_by("name"), "today": timezone.localdate(),
    }


@require_GET
@staff_required(*VIEW)
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id, "rectify_view")
    return render(request, "rectify/item.html", _item_context(request, item))


def _item_panel(request: HttpRequest, item_id: int) -> Callable[[], HttpResponse]:
    def panel() -> HttpResponse:
        item = _item(request, item_id, "rectify_view")
        return render(request, "rectify/_item_panel.html", _item_context(request, item))
    return panel


def _item_act(request: HttpRequest, item_id: int, action: str, act: Callable[[ProblemItem], str]) -> HttpResponse:
    item = _item(request, item_id, action)
    back = f"{BASE}items/{item.pk}/"
    try:
        ok = act(item)
    except RectifyError as exc:
        return done(request, back, "", exc.message, _item_panel(request, item_id))
    return done(request, back, ok, "", _item_panel(request, item_id))


@require_POST
@staff_required(*SUBMIT)
def item_start(request: HttpRequest, item_id: int) -> HttpResponse:
    def act(item: ProblemItem) -> str:
        services.start_item(item, acting_user=request.user)
        return _("Marked as rectifying.")
    return _item_act(request, item_id, "rectify_submit", act)


@require_POST
@staff_required(*SUBMIT)
def item_submit(request: HttpRequest, item_id: int) -> HttpResponse:
    def act(item: ProblemItem) -> str:
        unit_id = request.POST.get("unit") or item.owner_id
        unit = Unit.objects.filter(pk=int(unit_id) if str(unit_id).isdigit() else 0).first()
        if unit is None:
            raise RectifyError(_("Choose the unit you submit for."))
        services.submit_evidence(item, acting_user=request.user, unit=unit, note=request.POST.get("note"),
                                 upload=request.FILES.get("file"))
        return _("Evidence submitted for verification.")
    return _item_act(request, item_id, "rectify_submit", act)


@require_POST
@staff_required(*VERIFY)
def item_verify(request: HttpRequest, item_id: int) -> HttpResponse:
    def act(item: ProblemItem) -> str:
        services.verify_item(item, acting_user=request.user)
        return _("Verified rectified.")
    return _item_act(request, item_id, "rectify_verify", act)


@require_POST
@staff_required(*VERIFY)
def item_reopen(request: HttpRequest, item_id: int) -> HttpResponse:
    def act(item: ProblemItem) -> str:
        services.reopen_item(item, acting_user=request.user, reason=request.POST.get("reason"))
        return _("Reopened: the owner must rectify again.")
    return _item_act(request, item_id, "rectify_verify", act)


@require_GET
@staff_required(*VIEW)
def evidence_file(request: HttpRequest, item_id: int, evidence_id: int) -> HttpResponseBase:
    item = _item(request, item_id, "rectify_view")
    ev = ItemEvidence.objects.filter(item=item, pk=evidence_id).exclude(file_id="").first()
    if ev is None or not services.evidence_path(ev.file_id).exists():
        raise Http404
    response = StreamingHttpResponse(open_decrypted(ev.file_id), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, ev.file_name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@staff_required(*VIEW)
@sudo_required
def items_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    qs = in_table_order(request, ItemTable, filtered_items(request).qs, ITEM_SORT)
    header = [_("Round"), _("No."), _("Owner unit"), _("Division"), _("Problem"), _("Measures"), _("Time limit"),
              _("Status"), _("Submitted"), _("Verified")]

    def rows() -> Iterable[list[Any]]:
        for i in qs[:EXPORT_LIMIT].iterator(chunk_size=1000):
            yield [i.round.name, i.number, i.owner.name, i.owner.division.name, i.problem, i.measures,
                   f"{i.time_limit:%Y-%m-%d}", i.get_status_display(),
                   f"{timezone.localtime(i.submitted_at):%Y-%m-%d}" if i.submitted_at else "",
                   f"{timezone.localtime(i.verified_at):%Y-%m-%d}" if i.verified_at else ""]
    return export(request, "supervision-items", fmt, header, rows(), min(qs.count(), EXPORT_LIMIT))

