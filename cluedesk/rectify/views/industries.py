"""The industry view: per industry its authorities, clues, transfers, letters and linked cases."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cluedesk.analysis.taxonomy import INDUSTRIES
from cluedesk.clues.models import Clue
from cluedesk.org.access import roles_for, staff_required, visible_to
from cluedesk.org.models import Unit
from cluedesk.platform.registry import registry

from .. import industry
from ..industry import industry_name
from ..models import IndustryAuthority, Letter, Transfer
from ..services import RectifyError
from .base import BASE, MANAGE, VIEW, done, my_roles, unit_from, units_in_scope

# --- the industry view ---------------------------------------------------------------------------

@require_GET
@staff_required(*VIEW)
def industries(request: HttpRequest) -> HttpResponse:
    user = request.user
    clues = dict(Clue.objects.visible_to(user).exclude(industry="").values_list("industry").annotate(n=Count("id")))
    L = Letter.Status
    letters = {r["industry"]: r for r in visible_to(user, Letter.objects.all(), "rectify_view").values("industry")
               .annotate(issued=Count("id"), rectified=Count("id", filter=Q(status=L.RECTIFIED)))}
    transfers = {r["industry"]: r for r in visible_to(user, Transfer.objects.all(), "rectify_view")
                 .values("industry").annotate(to=Count("id", filter=Q(direction="to")),
                                              frm=Count("id", filter=Q(direction="from")))}
    authorities = dict(visible_to(user, IndustryAuthority.objects.all(), "rectify_view").values_list("industry")
                       .annotate(n=Count("unit")))
    rows = []
    for code, _en, _zh, _kw in INDUSTRIES:
        lt = letters.get(code, {})
        tr = transfers.get(code, {})
        issued, rectified = lt.get("issued", 0), lt.get("rectified", 0)
        rows.append({"code": code, "name": industry_name(code), "authorities": authorities.get(code, 0),
                     "clues": clues.get(code, 0), "to": tr.get("to", 0), "frm": tr.get("frm", 0),
                     "issued": issued, "rectified": rectified,
                     "rate": round(rectified * 100 / issued, 1) if issued else None})
    return render(request, "rectify/industries.html", {"rows": rows})


def _industry_code(code: str) -> str:
    if code not in {c for c, _en, _zh, _kw in INDUSTRIES}:
        raise Http404
    return code


@require_GET
@staff_required(*VIEW)
def industry_detail(request: HttpRequest, code: str) -> HttpResponse:
    code = _industry_code(code)
    user = request.user
    can_manage = bool(set(roles_for("rectify_manage")) & my_roles(request))
    return render(request, "rectify/industry.html", {
        "code": code, "name": industry_name(code),
        "authorities": visible_to(user, IndustryAuthority.objects.filter(industry=code).select_related(
            "unit__division"), "rectify_view"),
        "clues": Clue.objects.visible_to(user).filter(industry=code).select_related("division")
        .order_by("-created_at")[:20],
        "transfers": visible_to(user, Transfer.objects.filter(industry=code).select_related(
            "authority", "clue"), "rectify_view")[:20],
        "letters": visible_to(user, Letter.objects.filter(industry=code).select_related("issuer", "recipient"),
                              "rectify_view")[:20],
        "cases": [case for finder in registry["industry_cases"] for case in finder(user, code)],
        "can_manage": can_manage, "today": timezone.localdate(),
        "authority_units": units_in_scope(user, "rectify_manage", Unit.Type.INDUSTRY).filter(
            industry_profile__industry=code) if can_manage else [],
        "unregistered": units_in_scope(user, "rectify_manage", Unit.Type.INDUSTRY).filter(
            industry_profile__isnull=True) if can_manage else [],
    })


@require_POST
@staff_required(*MANAGE)
def authority_register(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("industry", "")
    back = f"{BASE}industries/{code}/" if code in {c for c, *_r in INDUSTRIES} else f"{BASE}industries/"
    try:
        unit = unit_from(request, "unit", "rectify_manage", Unit.Type.INDUSTRY)
        industry.register_authority(acting_user=request.user, unit=unit, industry=code)
    except RectifyError as exc:
        return done(request, back, "", exc.message)
    return done(request, back, _("%(unit)s now governs this industry.") % {"unit": unit.name})


@require_POST
@staff_required(*MANAGE)
def transfer_new(request: HttpRequest) -> HttpResponse:
    direction = request.POST.get("direction", "")
    code = request.POST.get("industry", "")
    back = f"{BASE}industries/{code}/" if code in {c for c, *_r in INDUSTRIES} else f"{BASE}industries/"
    try:
        authority = unit_from(request, "authority", "rectify_manage", Unit.Type.INDUSTRY)
        if direction == "to":
            clue = Clue.objects.visible_to(request.user).filter(
                public_id=(request.POST.get("clue") or "").strip().upper()).first()
            if clue is None:
                raise RectifyError(_("No clue with that number is visible to you."))
            industry.transfer_to(acting_user=request.user, clue=clue, authority=authority,
                                 transferred_on=request.POST.get("on"), reference=request.POST.get("reference"),
                                 note=request.POST.get("note"))
        elif direction == "from":
            industry.transfer_from(acting_user=request.user, authority=authority,
                                   text_of_clue=request.POST.get("text"), place=request.POST.get("place"),
                                   transferred_on=request.POST.get("on"), reference=request.POST.get("reference"))
        else:
            raise RectifyError(_("Say whether the clue goes to the authority or comes from it."))
    except RectifyError as exc:
        return done(request, back, "", exc.message)
    return done(request, back, _("Transfer recorded."))

