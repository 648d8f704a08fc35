"""The "three letters and one letter" (三书一函) and the recipients' feedback."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cluedesk.ledger.exports import EXPORT_LIMIT
from cluedesk.ledger.services import timeline
from cluedesk.org.access import get_visible_or_404, roles_for, staff_required, sudo_required, visible_to
from cluedesk.org.lists import in_table_order
from cluedesk.org.models import Membership, Unit

from .. import industry
from ..filtersets import LetterFilterSet
from ..industry import industry_choices, industry_name
from ..models import Feedback, Letter
from ..services import RectifyError
from ..tables import LetterTable
from .base import (
    ANSWER,
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

# --- letters --------------------------------------------------------------------------------------

LETTER_SORT = "-issued_on"


def filtered_letters(request: HttpRequest) -> LetterFilterSet:
    qs = visible_to(request.user, Letter.objects.select_related("issuer", "recipient", "recipient__division"),
                    "rectify_view")
    return LetterFilterSet(request.GET, queryset=qs, request=request)


@require_GET
@staff_required(*VIEW)
def letters_list(request: HttpRequest) -> HttpResponse:
    filterset = filtered_letters(request)
    table, query = table_of(request, LetterTable, filterset.qs, LETTER_SORT)
    can_manage = bool(set(roles_for("rectify_manage")) & my_roles(request))
    return render_list(request, "rectify/letters.html", "rectify/_letters_list.html", {
        "table": table, "form": filterset.form, "query": query, "kinds": Letter.Kind.choices,
        "industries": industry_choices(), "g": request.GET, "today": timezone.localdate(),
        "can_manage": can_manage,
        "issuers": units_in_scope(request.user, "rectify_manage").exclude(type=Unit.Type.INDUSTRY)[:300]
        if can_manage else [],
        "recipients": units_in_scope(request.user, "rectify_manage", Unit.Type.INDUSTRY)
        .filter(industry_profile__isnull=False)[:300] if can_manage else []})


@require_POST
@staff_required(*MANAGE)
def letter_new(request: HttpRequest) -> HttpResponse:
    try:
        issuer = unit_from(request, "issuer", "rectify_manage")
        recipient = unit_from(request, "recipient", "rectify_manage", Unit.Type.INDUSTRY)
        letter = industry.issue_letter(acting_user=request.user, kind=request.POST.get("kind"), issuer=issuer,
                                       recipient=recipient, number=request.POST.get("number"),
                                       issue=request.POST.get("issue"), issued_on=request.POST.get("issued_on"),
                                       deadline=request.POST.get("deadline"))
    except RectifyError as exc:
        return done(request, f"{BASE}letters/", "", exc.message)
    return done(request, f"{BASE}letters/{letter.pk}/", _("Letter %(n)s recorded.") % {"n": letter.number})


def _letter(request: HttpRequest, letter_id: int, action: str) -> Letter:
    return get_visible_or_404(request.user, Letter.objects.select_related(
        "issuer", "recipient", "recipient__division", "issuer__division"), action, pk=letter_id)


def _letter_context(request: HttpRequest, letter: Letter) -> dict[str, Any]:
    mine = Membership.objects.filter(user=request.user.pk, unit=letter.recipient, role__in=ANSWER,
                                     unit__active=True).exists()
    return {"letter": letter, "feedback": Feedback.objects.filter(letter=letter).select_related("unit", "answered_by"),
            "events": timeline("letter", letter.pk), "today": timezone.localdate(),
            "can_answer": mine and letter.status != Letter.Status.RECTIFIED,
            "industry_label": industry_name(letter.industry)}


@require_GET
@staff_required(*VIEW)
def letter_detail(request: HttpRequest, letter_id: int) -> HttpResponse:
    letter = _letter(request, letter_id, "rectify_view")
    return render(request, "rectify/letter.html", _letter_context(request, letter))


@require_POST
@staff_required(*ANSWER)
def letter_answer(request: HttpRequest, letter_id: int) -> HttpResponse:
    letter = _letter(request, letter_id, "letter_answer")
    back = f"{BASE}letters/{letter.pk}/"

    def panel() -> HttpResponse:
        fresh = _letter(request, letter_id, "rectify_view")
        return render(request, "rectify/_letter_panel.html", _letter_context(request, fresh))

    mine = list(Membership.objects.filter(user=request.user.pk, role__in=ANSWER, unit__active=True)
                .select_related("unit").values_list("unit_id", flat=True))
    unit = Unit.objects.filter(pk=letter.recipient_id if letter.recipient_id in mine else (mine or [0])[0]).first()
    try:
        if unit is None:
            raise RectifyError(_("You answer for no unit."))
        industry.answer_letter(letter, acting_user=request.user, unit=unit,
                               answered_on=request.POST.get("answered_on"), text_of_answer=request.POST.get("text"),
                               rectified=request.POST.get("rectified", ""))
    except RectifyError as exc:
        return done(request, back, "", exc.message, panel)
    return done(request, back, _("Feedback recorded."), "", panel)


@require_GET
@staff_required(*VIEW)
@sudo_required
def letters_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    qs = in_table_order(request, LetterTable, filtered_letters(request).qs, LETTER_SORT)
    header = [_("Number"), _("Kind"), _("Issuer"), _("Recipient"), _("Industry"), _("Issue"), _("Issued"),
              _("Feedback due"), _("Status"), _("Answered"), _("Rectified")]

    def rows() -> Iterable[list[Any]]:
        for x in qs[:EXPORT_LIMIT].iterator(chunk_size=1000):
            yield [x.number, x.get_kind_display(), x.issuer.name, x.recipient.name, industry_name(x.industry), x.issue,
                   f"{x.issued_on:%Y-%m-%d}", f"{x.deadline:%Y-%m-%d}", x.get_status_display(),
                   f"{x.answered_on:%Y-%m-%d}" if x.answered_on else "",
                   f"{x.rectified_on:%Y-%m-%d}" if x.rectified_on else ""]
    return export(request, "letters", fmt, header, rows(), min(qs.count(), EXPORT_LIMIT))

