"""Staff pages of the rectification registers. Thin: parse, scope (cluedesk.org.access), call a
service, render. Actions answer HTMX requests with the page's panel, plain posts with a redirect."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cluedesk.analysis.taxonomy import INDUSTRIES
from cluedesk.ledger.services import Actor, record, timeline
from cluedesk.org.access import _grants, get_visible_or_404, roles_for, staff_required, visible_to
from cluedesk.org.models import Membership, Unit
from cluedesk.supervision.models import InspectionRound

from . import figures, industry, services, tasks
from .models import (
    Feedback,
    IndustryAuthority,
    ItemEvidence,
    KeyTask,
    Letter,
    Milestone,
    ProblemItem,
    Transfer,
)
from .services import RectifyError

VIEW = ("supervisor", "auditor", "admin", "dispatcher", "industry_liaison")
MANAGE = ("supervisor", "admin")
SUBMIT = ("supervisor", "admin", "dispatcher", "industry_liaison")
VERIFY = ("supervisor",)
ANSWER = ("industry_liaison", "admin")
PAGE_SIZE = 25
EXPORT_LIMIT = 20000
BASE = "/staff/rectify/"


def industry_name(code: str) -> str:
    from django.utils.translation import get_language

    zh = (get_language() or "").startswith("zh")
    for c, en, cn, _kw in INDUSTRIES:
        if c == code:
            return cn if zh else en
    return code or "—"


def industry_choices() -> list[tuple[str, str]]:
    return [(c, industry_name(c)) for c, _en, _zh, _kw in INDUSTRIES]


def units_in_scope(user: Any, action: str, *types: str) -> QuerySet[Unit]:
    """Active units in the territory where the person may perform ``action`` (and their own units)."""
    allowed = roles_for(action)
    grants = [g for g in _grants(user) if g.role in allowed]
    q = Q(pk__in=[g.unit_id for g in grants])
    for path in {g.division_path for g in grants}:
        q |= Q(division__path__startswith=path)
    qs = Unit.objects.filter(active=True).filter(q if grants else Q(pk__in=[])).select_related("division")
    if types:
        qs = qs.filter(type__in=types)
    return qs.order_by("division__path", "name")


def _unit_from(request: HttpRequest, name: str, action: str, *types: str) -> Unit:
    try:
        pk = int(request.POST.get(name) or 0)
    except ValueError:
        pk = 0
    unit = units_in_scope(request.user, action, *types).filter(pk=pk).first()
    if unit is None:
        raise RectifyError(_("Choose a unit in your area."))
    return unit


def _done(request: HttpRequest, back: str, ok: str, error: str = "",
          panel: Callable[[], HttpResponse] | None = None) -> HttpResponse:
    if error:
        messages.error(request, error)
    else:
        messages.success(request, ok)
    if panel is not None and request.headers.get("HX-Request"):
        return panel()
    return HttpResponseRedirect(back)


def _page(request: HttpRequest, qs: QuerySet[Any]) -> tuple[Any, str]:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _list(request: HttpRequest, full: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, partial if request.headers.get("HX-Request") else full, context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export(request: HttpRequest, name: str, fmt: str, header: list[str], rows: Iterable[list[Any]],
            count: int) -> HttpResponseBase:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    with transaction.atomic():
        record("rectify.exported", actor=Actor.staff(request.user), subject_type=f"{name}_list", subject_id="",
               data={"format": fmt, "filters": {k: v for k, v in request.GET.items() if v}, "rows": count})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        writer = csv.writer(_Echo())
        lines = (writer.writerow(r) for r in [header, *rows])
        response = StreamingHttpResponse(("\ufeff", *lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    sheet.append(header)
    for r in rows:
        sheet.append([str(v) for v in r])
    buffer = io.BytesIO()
    book.save(buffer)
    out = HttpResponse(buffer.getvalue(),
                       content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    out["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
    return out


# --- overview ------------------------------------------------------------------------------------

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


# --- special supervision lists -------------------------------------------------------------------

ITEM_STATUS_FILTERS = [("", gettext_lazy("every status")), *ProblemItem.Status.choices,
                       ("overdue", gettext_lazy("past the time limit"))]


def filtered_items(request: HttpRequest) -> QuerySet[ProblemItem]:
    qs = visible_to(request.user, ProblemItem.objects.select_related("round", "owner", "owner__division"),
                    "rectify_view")
    g = request.GET
    status = g.get("status", "")
    if status == "overdue":
        qs = qs.exclude(status=ProblemItem.Status.VERIFIED).filter(time_limit__lt=timezone.localdate())
    elif status in ProblemItem.Status.values:
        qs = qs.filter(status=status)
    if (g.get("round") or "").isdigit():
        qs = qs.filter(round_id=int(g["round"]))
    if (g.get("owner") or "").isdigit():
        qs = qs.filter(owner_id=int(g["owner"]))
    for word in (g.get("q") or "").split()[:5]:
        qs = qs.filter(Q(problem__icontains=word) | Q(measures__icontains=word) | Q(owner__name__icontains=word)
                       | Q(round__name__icontains=word))
    return qs.order_by("-round__starts", "round_id", "number")


def _rounds(user: Any, action: str = "rectify_view") -> QuerySet[InspectionRound]:
    return visible_to(user, InspectionRound.objects.select_related("division"), action)


@require_GET
@staff_required(*VIEW)
def items_list(request: HttpRequest) -> HttpResponse:
    qs = filtered_items(request)
    page, query = _page(request, qs)
    rounds = list(_rounds(request.user)[:200])
    chosen = next((r for r in rounds if str(r.pk) == request.GET.get("round")), None)
    summary = None
    if chosen is not None:
        summary = figures.items(chosen.division, chosen.starts, chosen.starts)
    can_manage = bool(set(roles_for("rectify_manage")) & {g.role for g in _grants(request.user)})
    return _list(request, "rectify/items.html", "rectify/_items_list.html", {
        "page": page, "query": query, "statuses": ITEM_STATUS_FILTERS, "rounds": rounds, "chosen": chosen,
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
        owner = _unit_from(request, "owner", "rectify_manage")
        item = services.add_item(acting_user=request.user, round=rnd, owner=owner,
                                 problem=request.POST.get("problem"), measures=request.POST.get("measures"),
                                 time_limit=request.POST.get("time_limit"))
    except RectifyError as exc:
        return _done(request, f"{BASE}items/", "", exc.message)
    return _done(request, f"{BASE}items/{item.pk}/", _("The problem was added to the list as item %(n)d.")
                 % {"n": item.number})


def _item(request: HttpRequest, item_id: int, action: str) -> ProblemItem:
    return get_visible_or_404(request.user, ProblemItem.objects.select_related(
        "round__division", "owner__division", "submitted_by", "verified_by"), action, pk=item_id)


def _my_roles(request: HttpRequest) -> set[str]:
    return {g.role for g in _grants(request.user)}


def _item_context(request: HttpRequest, item: ProblemItem) -> dict[str, Any]:
    roles = _my_roles(request)
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
        return _done(request, back, "", exc.message, _item_panel(request, item_id))
    return _done(request, back, ok, "", _item_panel(request, item_id))


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
    from cluedesk.intake.attachments import open_decrypted

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
def items_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    qs = filtered_items(request)
    header = [_("Round"), _("No."), _("Owner unit"), _("Division"), _("Problem"), _("Measures"), _("Time limit"),
              _("Status"), _("Submitted"), _("Verified")]

    def rows() -> Iterable[list[Any]]:
        for i in qs[:EXPORT_LIMIT].iterator(chunk_size=1000):
            yield [i.round.name, i.number, i.owner.name, i.owner.division.name, i.problem, i.measures,
                   f"{i.time_limit:%Y-%m-%d}", i.get_status_display(),
                   f"{timezone.localtime(i.submitted_at):%Y-%m-%d}" if i.submitted_at else "",
                   f"{timezone.localtime(i.verified_at):%Y-%m-%d}" if i.verified_at else ""]
    return _export(request, "supervision-items", fmt, header, rows(), min(qs.count(), EXPORT_LIMIT))


# --- letters --------------------------------------------------------------------------------------

LETTER_STATUS_FILTERS = [("", gettext_lazy("every status")), *Letter.Status.choices,
                         ("overdue", gettext_lazy("feedback overdue"))]


def filtered_letters(request: HttpRequest) -> QuerySet[Letter]:
    qs = visible_to(request.user, Letter.objects.select_related("issuer", "recipient", "recipient__division"),
                    "rectify_view")
    g = request.GET
    status = g.get("status", "")
    if status == "overdue":
        qs = qs.filter(status=Letter.Status.ISSUED, deadline__lt=timezone.localdate())
    elif status in Letter.Status.values:
        qs = qs.filter(status=status)
    if g.get("kind") in Letter.Kind.values:
        qs = qs.filter(kind=g["kind"])
    if g.get("industry"):
        qs = qs.filter(industry=g["industry"])
    if (g.get("year") or "").isdigit():
        qs = qs.filter(issued_on__year=int(g["year"]))
    for word in (g.get("q") or "").split()[:5]:
        qs = qs.filter(Q(number__icontains=word) | Q(issue__icontains=word) | Q(recipient__name__icontains=word)
                       | Q(issuer__name__icontains=word))
    return qs.order_by("-issued_on", "-id")


@require_GET
@staff_required(*VIEW)
def letters_list(request: HttpRequest) -> HttpResponse:
    qs = filtered_letters(request)
    page, query = _page(request, qs)
    can_manage = bool(set(roles_for("rectify_manage")) & _my_roles(request))
    return _list(request, "rectify/letters.html", "rectify/_letters_list.html", {
        "page": page, "query": query, "statuses": LETTER_STATUS_FILTERS, "kinds": Letter.Kind.choices,
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
        issuer = _unit_from(request, "issuer", "rectify_manage")
        recipient = _unit_from(request, "recipient", "rectify_manage", Unit.Type.INDUSTRY)
        letter = industry.issue_letter(acting_user=request.user, kind=request.POST.get("kind"), issuer=issuer,
                                       recipient=recipient, number=request.POST.get("number"),
                                       issue=request.POST.get("issue"), issued_on=request.POST.get("issued_on"),
                                       deadline=request.POST.get("deadline"))
    except RectifyError as exc:
        return _done(request, f"{BASE}letters/", "", exc.message)
    return _done(request, f"{BASE}letters/{letter.pk}/", _("Letter %(n)s recorded.") % {"n": letter.number})


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
        return _done(request, back, "", exc.message, panel)
    return _done(request, back, _("Feedback recorded."), "", panel)


@require_GET
@staff_required(*VIEW)
def letters_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    qs = filtered_letters(request)
    header = [_("Number"), _("Kind"), _("Issuer"), _("Recipient"), _("Industry"), _("Issue"), _("Issued"),
              _("Feedback due"), _("Status"), _("Answered"), _("Rectified")]

    def rows() -> Iterable[list[Any]]:
        for x in qs[:EXPORT_LIMIT].iterator(chunk_size=1000):
            yield [x.number, x.get_kind_display(), x.issuer.name, x.recipient.name, industry_name(x.industry), x.issue,
                   f"{x.issued_on:%Y-%m-%d}", f"{x.deadline:%Y-%m-%d}", x.get_status_display(),
                   f"{x.answered_on:%Y-%m-%d}" if x.answered_on else "",
                   f"{x.rectified_on:%Y-%m-%d}" if x.rectified_on else ""]
    return _export(request, "letters", fmt, header, rows(), min(qs.count(), EXPORT_LIMIT))


# --- the industry view ---------------------------------------------------------------------------

@require_GET
@staff_required(*VIEW)
def industries(request: HttpRequest) -> HttpResponse:
    from cluedesk.clues.models import Clue

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
    from cluedesk.clues.models import Clue

    code = _industry_code(code)
    user = request.user
    can_manage = bool(set(roles_for("rectify_manage")) & _my_roles(request))
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
        unit = _unit_from(request, "unit", "rectify_manage", Unit.Type.INDUSTRY)
        industry.register_authority(acting_user=request.user, unit=unit, industry=code)
    except RectifyError as exc:
        return _done(request, back, "", exc.message)
    return _done(request, back, _("%(unit)s now governs this industry.") % {"unit": unit.name})


@require_POST
@staff_required(*MANAGE)
def transfer_new(request: HttpRequest) -> HttpResponse:
    from cluedesk.clues.models import Clue

    direction = request.POST.get("direction", "")
    code = request.POST.get("industry", "")
    back = f"{BASE}industries/{code}/" if code in {c for c, *_r in INDUSTRIES} else f"{BASE}industries/"
    try:
        authority = _unit_from(request, "authority", "rectify_manage", Unit.Type.INDUSTRY)
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
        return _done(request, back, "", exc.message)
    return _done(request, back, _("Transfer recorded."))


# --- key tasks ------------------------------------------------------------------------------------

def filtered_tasks(request: HttpRequest) -> tuple[QuerySet[KeyTask], int]:
    year = timezone.localdate().year
    if (request.GET.get("year") or "").isdigit():
        year = int(request.GET["year"])
    qs = visible_to(request.user, KeyTask.objects.filter(year=year).select_related("owner", "owner__division"),
                    "rectify_view")
    if (request.GET.get("owner") or "").isdigit():
        qs = qs.filter(owner_id=int(request.GET["owner"]))
    for word in (request.GET.get("q") or "").split()[:5]:
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(owner__name__icontains=word))
    return qs.prefetch_related("milestones", "indicators").order_by("owner__division__path", "number"), year


@require_GET
@staff_required(*VIEW)
def tasks_list(request: HttpRequest) -> HttpResponse:
    qs, year = filtered_tasks(request)
    page, query = _page(request, qs)
    rows = [(t, tasks.progress(t)) for t in page.object_list]
    can_manage = bool(set(roles_for("rectify_manage")) & _my_roles(request))
    this = timezone.localdate().year
    return _list(request, "rectify/tasks.html", "rectify/_tasks_list.html", {
        "page": page, "rows": rows, "query": query, "year": year, "years": list(range(this + 1, 2017, -1)),
        "g": request.GET, "owners": units_in_scope(request.user, "rectify_view")[:300], "can_manage": can_manage,
        "manage_units": units_in_scope(request.user, "rectify_manage")[:300] if can_manage else []})


@require_POST
@staff_required(*MANAGE)
def task_new(request: HttpRequest) -> HttpResponse:
    try:
        owner = _unit_from(request, "owner", "rectify_manage")
        task = tasks.create_task(acting_user=request.user, year=request.POST.get("year"),
                                 number=request.POST.get("number"), title=request.POST.get("title"), owner=owner,
                                 description=request.POST.get("description"))
    except RectifyError as exc:
        return _done(request, f"{BASE}tasks/", "", exc.message)
    return _done(request, f"{BASE}tasks/{task.pk}/", _("Key task created."))


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
        return _done(request, back, "", exc.message, panel)
    return _done(request, back, ok, "", panel)


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
def tasks_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    qs, _year = filtered_tasks(request)
    header = [_("Year"), _("No."), _("Task"), _("Owner unit"), _("Milestones done"), _("Indicators met"),
              _("Progress %")]

    def rows() -> Iterable[list[Any]]:
        for t in qs[:EXPORT_LIMIT]:
            p = tasks.progress(t)
            yield [t.year, t.number, t.title, t.owner.name, f"{p.done}/{p.milestones}", f"{p.met}/{p.indicators}",
                   p.percent]
    return _export(request, "key-tasks", fmt, header, rows(), min(qs.count(), EXPORT_LIMIT))


def query_string(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
