"""Retention pages (/staff/records/) and the public statistics (/statistics/). Thin: the acts are
in ``services`` and ``statistics``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from cluedesk.clues.models import Clue
from cluedesk.deployment import profiles
from cluedesk.org.access import get_visible_or_404, roles_of, staff_required, sudo_required, visible_to
from cluedesk.org.models import Division

from . import lattice, policy, services, statistics
from .apps import READ_ROLES, WRITE_ROLES
from .models import LegalHold, Purge, RetentionRun, StatisticsSnapshot
from .policy import RetentionError

BACK = "/staff/records/"


# --- staff: retention -------------------------------------------------------------------------

def _due_for(request: HttpRequest) -> tuple[list[policy.Candidate], list[policy.Candidate], str]:
    """(due, upcoming within 90 days) among the clues this person may see; error when the
    retention settings are impossible."""
    try:
        _profile, periods = policy.periods_in_force()
    except RetentionError as exc:
        return [], [], str(exc.message)
    now = timezone.now()
    found = policy.candidates(periods, Clue.objects.visible_to(request.user, "records_view"))
    due = [c for c in found if c.is_due(now)]
    soon = now + dt.timedelta(days=90)
    upcoming = sorted([c for c in found if not c.is_due(now) and c.due_at is not None and c.due_at <= soon],
                      key=lambda c: c.due_at or now)
    q = (request.GET.get("q") or "").strip().upper()
    if q:
        due = [c for c in due if q in c.public_id]
        upcoming = [c for c in upcoming if q in c.public_id]
    return sorted(due, key=lambda c: c.due_at or now), upcoming, ""


# What a purge removes (services.personal_data_counts, Purge.counts), in the reader's words
KIND_LABELS = {
    "reports": _lazy("reports"), "identities": _lazy("sealed names and contacts"),
    "report_texts": _lazy("report texts"), "messages": _lazy("messages"), "attachments": _lazy("attachments"),
    "attachment_bytes": _lazy("bytes of attachments"), "evidence": _lazy("evidence files"),
    "evidence_bytes": _lazy("bytes of evidence"), "notes": _lazy("working notes"),
    "index_entries": _lazy("triage index entries"), "band_keys": _lazy("same-matter keys"),
    "entity_keys": _lazy("name and place keys"), "triage_implicated": _lazy("implicated-official marks"),
    "clue_title": _lazy("clue title"), "search_grams": _lazy("search index entries"),
}


def _kinds(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(str(KIND_LABELS.get(kind, kind)), n) for kind, n in counts.items()]


@staff_required(*READ_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    try:
        profile, periods = policy.periods_in_force()
        policy_error = ""
    except RetentionError as exc:
        profile, periods, policy_error = profiles.current(), {}, str(exc.message)
    table = [(policy.outcome_label(key), periods.get(key, "—")) for key in policy.OUTCOME_KEYS if key in periods]
    due, upcoming, error = _due_for(request)
    counts = services.personal_data_counts([c.clue_id for c in due if not c.held]) if due else {}
    holds_qs = visible_to(request.user, LegalHold.objects.select_related("clue", "placed_by", "released_by"),
                          "records_view")
    show = request.GET.get("holds", "active")
    if show == "active":
        holds_qs = holds_qs.filter(released_at__isnull=True)
    can_manage = bool(roles_of(request.user) & set(WRITE_ROLES))
    purges = list(visible_to(request.user, Purge.objects.select_related("clue"), "records_view")[:15])
    for p in purges:
        p.shown_counts = _kinds(p.counts)  # type: ignore[attr-defined]
    return render(request, "records/overview.html", {
        "profile": profile, "policy_table": table, "policy_error": policy_error or error,
        "minimum": policy.MIN_RETENTION_DAYS,
        "due_page": Paginator(due, 25).get_page(request.GET.get("page")), "due_total": len(due),
        "held_due": sum(1 for c in due if c.held), "upcoming": upcoming[:25], "counts": _kinds(counts),
        "holds": Paginator(holds_qs, 25).get_page(request.GET.get("hpage")), "holds_filter": show,
        "runs": RetentionRun.objects.select_related("started_by")[:15],
        "purges": purges,
        "snapshots": StatisticsSnapshot.objects.select_related("published_by")[:10],
        "can_manage": can_manage, "can_publish": "admin" in roles_of(request.user),
        "q": request.GET.get("q", ""), "last_year": timezone.localdate().year - 1,
    })


@staff_required(*WRITE_ROLES)
@require_POST
@sudo_required
def hold_add(request: HttpRequest, public_id: str) -> HttpResponse:
    clue = get_visible_or_404(request.user, Clue.objects.all(), "records_manage", public_id=public_id.upper())
    return _place_hold(request, clue)


def _place_hold(request: HttpRequest, clue: Clue) -> HttpResponse:
    try:
        services.place_hold(clue, reason=request.POST.get("reason", ""), user=request.user)
    except RetentionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Clue %(clue)s is now under a legal hold.") % {"clue": clue.public_id})
    return HttpResponseRedirect(BACK)


@staff_required(*WRITE_ROLES)
@require_POST
@sudo_required
def hold_by_number(request: HttpRequest) -> HttpResponse:
    """The hold form on the page: a clue number typed in (an unknown one is a message, not a 404)."""
    public_id = (request.POST.get("clue") or "").strip().upper()
    clue = Clue.objects.visible_to(request.user, "records_manage").filter(public_id=public_id).first()
    if clue is None:
        messages.error(request, _("No clue with the number “%(clue)s” is visible to you.") % {"clue": public_id[:20]})
        return HttpResponseRedirect(BACK)
    return _place_hold(request, clue)


@staff_required(*WRITE_ROLES)
@require_POST
@sudo_required
def hold_release(request: HttpRequest, hold_id: int) -> HttpResponse:
    get_visible_or_404(request.user, LegalHold.objects.all(), "records_manage", pk=hold_id)
    try:
        hold = services.release_hold(hold_id, reason=request.POST.get("reason", ""), user=request.user,
                                     holds=visible_to(request.user, LegalHold.objects.all(), "records_manage"))
    except RetentionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The legal hold on clue %(clue)s was released.") % {"clue": hold.clue.public_id})
    return HttpResponseRedirect(BACK)


@staff_required(*WRITE_ROLES)
@require_POST
@sudo_required
def run_now(request: HttpRequest) -> HttpResponse:
    try:
        result = services.run_retention(trigger="staff", user=request.user,
                                        clues=Clue.objects.visible_to(request.user, "records_manage"))
    except RetentionError as exc:
        messages.error(request, exc.message)
    else:
        if result.run_id is None:
            text = _("Nothing is due for purging in your area.")
        else:
            text = _("Retention run %(run)d: %(purged)d clue(s) purged, %(held)d held.") % {
                "run": result.run_id, "purged": len(result.purged), "held": len(result.held)}
        if result.failed:
            messages.error(request, text + " " + _("%(n)d could not be purged and were left untouched.")
                           % {"n": len(result.failed)})
        else:
            messages.success(request, text)
    return HttpResponseRedirect(BACK)


def _due_rows(request: HttpRequest) -> list[list[Any]]:
    due, _upcoming, _error = _due_for(request)
    return [[c.public_id, c.outcome_label, f"{timezone.localtime(c.closed_at):%Y-%m-%d}", c.days,
             f"{timezone.localtime(c.due_at):%Y-%m-%d}" if c.due_at else "", _("held") if c.held else ""]
            for c in due]


def _due_header() -> list[str]:
    return [_("Clue"), _("Outcome"), _("Closed"), _("Retention days"), _("Due"), _("Hold")]


@staff_required(*READ_ROLES)
def due_csv(request: HttpRequest) -> HttpResponse:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(_due_header())
    w.writerows(_due_rows(request))
    response = HttpResponse(("\ufeff" + buf.getvalue()).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="retention-due.csv"'
    return response


@staff_required(*READ_ROLES)
def due_xlsx(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(_due_header())
    for row in _due_rows(request):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="retention-due.xlsx"'
    return response


@staff_required("admin")
@require_POST
@sudo_required
def publish(request: HttpRequest) -> HttpResponse:
    try:
        snap = statistics.publish_year(request.POST.get("year", ""), user=request.user)
    except statistics.StatisticsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The statistics for %(year)d are published and frozen.") % {"year": snap.year})
    return HttpResponseRedirect(BACK)


# --- public: statistics -----------------------------------------------------------------------
# Every figure comes from the stored page of the latest edition (statistics.py): nothing is
# computed on request, so nothing is cached and two tables of a page never disagree.

def _figures(request: HttpRequest) -> dict[str, Any]:
    """Tables and meta for the request, or an error (with the periods to offer instead)."""
    try:
        req = statistics.parse_request(request.GET)
    except statistics.StatisticsError as exc:
        return {"error": str(exc.message), "error_code": exc.code}
    try:
        tables, meta = statistics.page(req)
    except statistics.StatisticsError as exc:
        return {"req": req, "error": str(exc.message), "error_code": exc.code}
    return {"req": req, "tables": tables, "meta": meta}


def _regions(selected: str) -> list[Division]:
    """The nation and provinces; the cities of the chosen province (or of the chosen city's)."""
    out = list(Division.objects.filter(level__lte=1).order_by("level", "code"))
    chosen = Division.objects.filter(code=selected).first()
    if chosen is not None and chosen.level >= 1:
        province = chosen if chosen.level == 1 else chosen.parent
        if province is not None and province.level == 1:
            cities = list(Division.objects.filter(parent=province).order_by("code"))
            i = next((n for n, d in enumerate(out) if d.code == province.code), len(out) - 1)
            out[i + 1:i + 1] = cities
    return out


def _period_choices() -> list[tuple[int, list[tuple[str, str]]]]:
    """Published periods grouped by year, newest first: [(year, [(key, label), …]), …]."""
    groups: dict[int, list[tuple[str, str]]] = {}
    for key in statistics.published_periods():
        groups.setdefault(int(key[:4]), []).append((key, statistics.period_label(key)))
    return sorted(groups.items(), reverse=True)


def _query(division: str, period: str) -> str:
    q = QueryDict(mutable=True)
    if division:
        q["division"] = division
    q["period"] = period
    return q.urlencode()


def public_statistics(request: HttpRequest) -> HttpResponse:
    if request.GET.get("from") or request.GET.get("to"):
        target = statistics.range_redirect(request.GET)
        if target is not None:  # a range that is exactly a month, quarter or year: that period's page
            return HttpResponseRedirect("/statistics/?" + _query(request.GET.get("division", ""), target))
    found = _figures(request)
    k = found.get("meta", {}).get("min_cell") or statistics.min_cell()
    req = found.get("req")
    division = req.division.code if req else (request.GET.get("division") or "")
    choices = _period_choices()
    offer = []
    if found.get("error_code") in ("range", "too_deep", "too_small", "complement", "not_over", "pending", "none"):
        wanted = statistics.range_months(request.GET)  # for a range: the quarters and years it overlaps
        offer = [(label, "/statistics/?" + _query(division, key)) for _y, keys in choices for key, label in keys
                 if lattice.period_kind(key) != "month"
                 and (not wanted or set(lattice.period_months(key)) & wanted)][:6]
    return render(request, "records/statistics.html", {
        **found, "rule": statistics.rule_text(int(k)), "k": k, "choices": choices, "offer": offer,
        "regions": _regions(division), "division": division, "period": req.period if req else "",
        "query": _query(division, req.period) if req else "",
        "min_scope": statistics.min_scope_reports(int(k)),
    }, status=400 if "error" in found else 200)


def _file(request: HttpRequest, kind: str) -> HttpResponse:
    found = _figures(request)
    if "error" in found:
        return HttpResponse(found["error"], status=400, content_type="text/plain; charset=utf-8")
    meta = found["meta"]
    title = str(_("Published statistics"))
    name = f"statistics-{meta['division']}-{meta['period']}.{kind}"
    if kind == "csv":
        response = HttpResponse(statistics.csv_bytes(found["tables"], meta, title), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(statistics.xlsx_bytes(found["tables"], meta, title),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def public_statistics_csv(request: HttpRequest) -> HttpResponse:
    return _file(request, "csv")


def public_statistics_xlsx(request: HttpRequest) -> HttpResponse:
    return _file(request, "xlsx")
