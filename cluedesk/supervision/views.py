"""Supervision pages: dashboard, supervision ledger, notices, random checks, bulletins. Thin: the
figures come from ``stats``, the acts from ``services`` and ``bulletins``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluedesk.clues.models import Clue
from cluedesk.org.access import (
    _grants,
    get_visible_or_404,
    roles_for,
    roles_of,
    staff_required,
    territory,
    visible_to,
)
from cluedesk.org.models import Division, Role, Unit
from cluedesk.platform.replica import on_replica
from cluedesk.triage import lag
from cluedesk.triage.services import awaiting_triage

from . import bulletins, freshness, keyregions, rounds, services, stats
from .models import (
    InspectionRound,
    KeyRegionEntry,
    KeyRegionOverride,
    KeyRegionVersion,
    Notification,
    SampleItem,
    SampleMonth,
    SupervisionItem,
)
from .panels import render_panels
from .territory import chosen_division

SUPERVISE = (Role.SUPERVISOR, Role.AUDITOR)
CLUE_LIST = "/staff/clues/"


# --- scope and period -------------------------------------------------------------------------

def scope_paths(user: Any) -> list[str]:
    return territory(user, "supervision_view")


def chosen_period(request: HttpRequest) -> tuple[dt.date, dt.date, str]:
    """(start, end, error) from ``?from=YYYY-MM&to=YYYY-MM``; by default the last six months."""
    error = ""
    this = stats.month_of(timezone.now())
    _lo, hi = stats.months_with_data()
    end = min(hi, this) if hi else this
    start = stats.add_months(end, -5)
    try:
        if request.GET.get("to"):
            end = stats.parse_month(request.GET["to"])
        if request.GET.get("from"):
            start = stats.parse_month(request.GET["from"])
        else:
            start = stats.add_months(end, -5)
    except ValueError as exc:
        error = str(exc)
    if start > end:
        error = _("The period starts after it ends; showing the six months up to the end month.")
        start = stats.add_months(end, -5)
    if (end.year - start.year) * 12 + end.month - start.month > 120:
        error = _("A period is at most ten years; showing the six months up to the end month.")
        start = stats.add_months(end, -5)
    return start, end, error


def _months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def clue_link(division: Division, state: str = "", **extra: str) -> str:
    """The clue workbench list filtered to this division (and state, or ``queue=overdue``,
    ``umbrella=on``): the parameters of ``cluedesk.clues.filtersets``. That list has no
    date filter, so it shows the clues of every period."""
    params = {"division": division.code}
    if state:
        params["state"] = state
    params.update(extra)
    return f"{CLUE_LIST}?{urlencode(params)}"


def breadcrumbs(division: Division, paths: list[str]) -> list[Division]:
    chain = list(division.ancestors())
    return [d for d in chain if any(d.path.startswith(p) for p in paths)]


# --- dashboard --------------------------------------------------------------------------------

def _triage_lag(user: Any) -> Any:
    """Reports awaiting triage in the person's territory (a warning when they wait too long: the
    clue figures miss them until a worker puts them on clues)."""
    return lag.measure(visible_to(user, awaiting_triage(), "supervision_view"))


@staff_required(*SUPERVISE)
@on_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    division = chosen_division(request, "supervision_view")
    start, end, error = chosen_period(request)
    n = _months(start, end)
    total = stats.one(division, start, end)
    prev = stats.one(division, stats.add_months(start, -n), stats.add_months(end, -n))
    children = stats.table(None, division, start, end) if division.level < Division.Level.COUNTY else []
    children = [r for r in children if r.counts.get("clues") or r.counts.get("reports")]
    ranked = sorted(children, key=bulletins.rank_key)
    if children:  # the same divisions in the previous period, to compare rates and ranks
        before = stats.table(None, division, stats.add_months(start, -n), stats.add_months(end, -n))
        before_ranked = sorted([r for r in before if r.counts.get("dispatched")], key=bulletins.rank_key)
        prev_rank = {r.division.code: i for i, r in enumerate(before_ranked, start=1)}
        prev_rate = {r.division.code: r.verification_rate for r in before}
        for r in ranked:
            r.prev_rate = prev_rate.get(r.division.code)  # type: ignore[attr-defined]
            r.prev_rank = prev_rank.get(r.division.code)  # type: ignore[attr-defined]
    by_backlog = sorted(children, key=lambda r: (-r.backlog, r.division.code))
    trend = stats.trend(division, start, end)
    funnel = [
        (_("Reports received"), total.reports, ""),
        (_("Valid clues"), total.valid, ""),
        (_("Dispatched"), total.dispatched, "assigned"),
        (_("Concluded"), total.concluded, "concluded"),
        (_("Cases opened"), total.cases, "concluded"),
    ]
    chart_data = {
        "labels": {"count": _("Count"), "verification": _("Verification rate %"), "case": _("Case rate %"),
                   "backlog": _("Backlog (dispatched, not concluded)"), "concluded": _("Concluded"),
                   "clues": _("Clues"), "reports": _("Reports received")},
        "funnel": [{"name": name, "value": value} for name, value, _s in funnel],
        "trend": {"months": [f"{m:%Y-%m}" for m, _c in trend], "reports": [c["reports"] for _m, c in trend],
                  "clues": [c["clues"] for _m, c in trend], "concluded": [c["concluded"] for _m, c in trend]},
        "ranking": {"names": [r.division.name for r in ranked],
                    "verification": [_pct(r.verification_rate) for r in ranked],
                    "case": [_pct(r.case_rate) for r in ranked]},
        "backlog": {"names": [r.division.name for r in by_backlog], "backlog": [r.backlog for r in by_backlog],
                    "concluded": [r.concluded for r in by_backlog]},
    }
    # a chart whose values are all 0 draws nothing worth reading: the page says so instead
    nothing = {"funnel": not any(v for _n, v, _s in funnel),
               "trend": not any(sum(c.values()) for _m, c in trend),
               "ranking": not any(r.verification_rate or r.case_rate for r in ranked),
               "backlog": not any(r.backlog or r.concluded for r in by_backlog)}
    paths = scope_paths(request.user)
    return render(request, "supervision/dashboard.html", {
        "fresh": freshness.of("stats"), "lag": _triage_lag(request.user), "lag_link": bool(
            roles_of(request.user) & roles_for("triage")),
        "panels": render_panels(request, division, start, end),
        "division": division, "start": start, "end": end, "error": error, "total": total, "prev": prev,
        "children": children, "ranked": ranked, "by_backlog": by_backlog, "trend": trend,
        "funnel": [(name, value, clue_link(division, state)) for name, value, state in funnel],
        "chart_data": chart_data, "nothing": nothing, "definitions": stats.DEFINITIONS, "crumbs": breadcrumbs(division, paths),
        "clue_link": clue_link(division), "overdue_link": clue_link(division, queue="overdue"),
        "umbrella_link": clue_link(division, umbrella="on"),
        "period_query": urlencode({"from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}"}),
        "prev_start": stats.add_months(start, -n), "prev_end": stats.add_months(end, -n),
    })


# --- supervision ledger and notices -----------------------------------------------------------

@staff_required(*SUPERVISE)
def items(request: HttpRequest) -> HttpResponse:
    qs = visible_to(request.user, SupervisionItem.objects.select_related("clue", "clue__division", "target_unit",
                                                                          "supervisor"), "supervision_view")
    status = request.GET.get("status", "open")
    if status in SupervisionItem.Status.values:
        qs = qs.filter(status=status)
    flag = request.GET.get("flag", "")
    if flag in SupervisionItem.Flag.values:
        qs = qs.filter(flag=flag)
    page = Paginator(qs.order_by("-opened_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "supervision/items.html", {
        "page": page, "status": status, "flag": flag, "flags": SupervisionItem.Flag.choices,
        "statuses": SupervisionItem.Status.choices})


@staff_required()
def notices(request: HttpRequest) -> HttpResponse:
    qs = visible_to(request.user, Notification.objects.select_related("unit", "item__clue"), "view")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/notices.html", {"page": page})


@staff_required()
@require_POST
def notice_read(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_visible_or_404(request.user, Notification.objects.all(), "view", pk=notice_id)
    services.mark_read(notice)
    return HttpResponseRedirect("/staff/supervision/notices/")


# --- random checks ----------------------------------------------------------------------------

@staff_required(*SUPERVISE)
def samples(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/samples.html", {"samples": SampleMonth.objects.all()[:36]})


@staff_required(*SUPERVISE)
def sample_detail(request: HttpRequest, year: int, month: int) -> HttpResponse:
    try:
        when = dt.date(year, month, 1)
    except ValueError:
        raise Http404 from None
    sample = SampleMonth.objects.filter(month=when).first()
    if sample is None:
        raise Http404
    qs = visible_to(request.user, SampleItem.objects.filter(sample=sample).select_related("clue", "group", "checked_by"),
                    "supervision_view")
    report = services.verify_sample(when) if sample.revealed else None
    can_check = Role.AUDITOR in roles_of(request.user)
    return render(request, "supervision/sample_detail.html", {
        "sample": sample, "items": qs, "report": report, "can_check": can_check})


@staff_required(Role.AUDITOR)
@require_POST
def sample_check(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_visible_or_404(request.user, SampleItem.objects.select_related("sample"), "sample_check", pk=item_id)
    back = f"/staff/supervision/samples/{item.sample.month:%Y/%m}/"
    try:
        services.record_check(item, acting_user=request.user, held_up=request.POST.get("held_up", ""),
                              note=request.POST.get("note", ""))
    except services.SupervisionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Finding recorded."))
    return HttpResponseRedirect(back)


# --- bulletins --------------------------------------------------------------------------------

def _bulletin_data(request: HttpRequest) -> tuple[bulletins.BulletinData, str]:
    division = chosen_division(request, "supervision_view")
    start, end, error = chosen_period(request)
    if not request.GET.get("from") and not error:
        start = end  # a bulletin is monthly unless a period is asked for
    return bulletins.build(division, start, end), error


def _filename(data: bulletins.BulletinData, ext: str) -> str:
    return f"bulletin-{data.division.code}-{data.start:%Y%m}-{data.end:%Y%m}.{ext}"


@staff_required(*SUPERVISE)
@on_replica
def bulletin(request: HttpRequest) -> HttpResponse:
    data, error = _bulletin_data(request)
    query = urlencode({"division": data.division.code, "from": f"{data.start:%Y-%m}", "to": f"{data.end:%Y-%m}"})
    return render(request, "supervision/bulletin.html", {**bulletins.context(data), "error": error, "query": query,
                                                         "fresh": freshness.of("stats", data.generated_at)})


@staff_required(*SUPERVISE)
@on_replica
def bulletin_xlsx(request: HttpRequest) -> HttpResponse:
    data, _error = _bulletin_data(request)
    response = HttpResponse(bulletins.xlsx(data),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_filename(data, "xlsx")}"'
    return response


@staff_required(*SUPERVISE)
@on_replica
def bulletin_pdf(request: HttpRequest) -> HttpResponse:
    data, _error = _bulletin_data(request)
    response = HttpResponse(bulletins.pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(data, "pdf")}"'
    return response


# --- key regions ------------------------------------------------------------------------------

def _in_scope(user: Any, division: Division | None, action: str = "supervision_view") -> bool:
    if division is None:
        return False
    allowed = roles_for(action)
    return any(division.path.startswith(g.division_path) for g in _grants(user) if g.role in allowed)


@staff_required(*SUPERVISE)
def key_regions(request: HttpRequest) -> HttpResponse:
    version = keyregions.current()
    entries = visible_to(request.user, KeyRegionEntry.objects.filter(version=version).select_related("division"),
                         "supervision_view") if version else []
    history = []
    for v in KeyRegionVersion.objects.select_related("created_by")[:20]:
        added, removed = keyregions.diff(v)
        history.append((v, added, removed))
    overrides = visible_to(request.user, KeyRegionOverride.objects.filter(active=True).select_related("division"),
                           "supervision_view")
    return render(request, "supervision/key_regions.html", {
        "version": version, "entries": entries, "history": history, "overrides": overrides,
        "indicators": keyregions.INDICATORS})


@staff_required(Role.SUPERVISOR)
@require_POST
def key_regions_adjust(request: HttpRequest) -> HttpResponse:
    division = Division.objects.filter(code=(request.POST.get("division") or "").strip()).first()
    if division is None or not _in_scope(request.user, division, "supervise"):
        raise Http404
    try:
        keyregions.adjust(division, request.POST.get("kind", ""), user=request.user,
                          reason=request.POST.get("reason", ""))
    except keyregions.KeyRegionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The list of key regions was adjusted (a new version)."))
    return HttpResponseRedirect("/staff/supervision/key-regions/")


# --- inspection rounds ------------------------------------------------------------------------

@staff_required(*SUPERVISE)
def rounds_list(request: HttpRequest) -> HttpResponse:
    qs = visible_to(request.user, InspectionRound.objects.select_related("division"), "supervision_view")
    return render(request, "supervision/rounds.html", {"rounds": qs[:100]})


@staff_required(Role.SUPERVISOR)
@require_POST
def round_new(request: HttpRequest) -> HttpResponse:
    division = Division.objects.filter(code=(request.POST.get("division") or "").strip()).first()
    if division is None or not _in_scope(request.user, division, "supervise"):
        raise Http404
    try:
        r = rounds.create_round(user=request.user, name=request.POST.get("name", ""), division=division,
                                starts=request.POST.get("starts"), ends=request.POST.get("ends"))
    except rounds.RoundError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect("/staff/supervision/rounds/")
    return HttpResponseRedirect(f"/staff/supervision/rounds/{r.pk}/")


@staff_required(*SUPERVISE)
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    r = get_visible_or_404(request.user, InspectionRound.objects.select_related("division"), "supervision_view",
                           pk=round_id)
    return render(request, "supervision/round_detail.html", {
        "round": r, "teams": r.teams.prefetch_related("divisions"),
        "handovers": r.handovers.select_related("clue", "team", "unit"), "report": rounds.report(r),
        "units": Unit.objects.filter(active=True, division__path__startswith=r.division.path)
        .select_related("division").order_by("division__path", "name")[:500],
        "can_act": _in_scope(request.user, r.division, "supervise")})


@staff_required(Role.SUPERVISOR)
@require_POST
def round_team(request: HttpRequest, round_id: int) -> HttpResponse:
    r = get_visible_or_404(request.user, InspectionRound.objects.select_related("division"), "supervise",
                           pk=round_id)
    codes = [c.strip() for c in (request.POST.get("divisions") or "").replace("，", ",").split(",") if c.strip()]
    divisions = list(Division.objects.filter(code__in=codes))
    try:
        if len(divisions) != len(set(codes)):
            raise rounds.RoundError(_("Unknown division code."))
        rounds.add_team(r, user=request.user, name=request.POST.get("name", ""),
                        leader=request.POST.get("leader", ""), divisions=divisions)
    except rounds.RoundError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(f"/staff/supervision/rounds/{r.pk}/")


@staff_required(Role.SUPERVISOR)
@require_POST
def round_handover(request: HttpRequest, round_id: int) -> HttpResponse:
    r = get_visible_or_404(request.user, InspectionRound.objects.select_related("division"), "supervise",
                           pk=round_id)
    try:
        team = r.teams.filter(pk=_int(request.POST.get("team")) or 0).first()
        clue = Clue.objects.visible_to(request.user).select_related("division").filter(
            public_id=(request.POST.get("clue") or "").strip().upper()).first()
        unit = Unit.objects.filter(pk=_int(request.POST.get("unit")) or 0, active=True).first()
        if team is None:
            raise rounds.RoundError(_("Choose a team of this round."))
        if clue is None:
            raise rounds.RoundError(_("No clue with that number is visible to you."))
        if unit is None:
            raise rounds.RoundError(_("Choose a unit."))
        rounds.hand_over(r, user=request.user, team=team, clue=clue, unit=unit, days=request.POST.get("days"))
    except rounds.RoundError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Handed over."))
    return HttpResponseRedirect(f"/staff/supervision/rounds/{r.pk}/")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
