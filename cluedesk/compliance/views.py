"""Compliance pages: the deployment profile, the compliance report (HTML, XLSX), the clocks list
with the justified extension, the oral records; and the reporter's check of the minutes. Thin:
rules live in ``profiles``, ``clocks`` and ``services``."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cluedesk.deployment import profiles
from cluedesk.deployment.models import Deployment
from cluedesk.deployment.services import set_profile
from cluedesk.intake import throttle
from cluedesk.intake.views import _tracked_report, too_many
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor
from cluedesk.org.access import (
    _grants,
    get_visible_or_404,
    roles_for,
    roles_of,
    staff_required,
    sudo_active,
    sudo_required,
    territory,
    visible_to,
)
from cluedesk.org.models import ROOT_CODE, Division, Role
from cluedesk.supervision.territory import chosen_division

from . import clocks, services
from .forms import DAY_FIELDS, FORM_FIELD_LABELS, OUTCOME_LABELS, ExtendForm, MinutesCheckForm, ProfileForm
from .models import OralRecord, ReportClock

REPORT_ROLES = (Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN, Role.DISPATCHER)
PROFILE_VIEW_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
ORAL_ROLES = (Role.INTAKE_REVIEWER, Role.DISPATCHER, Role.VERIFIER, Role.SUPERVISOR, Role.AUDITOR)


# --- scope and period -------------------------------------------------------------------------

def _scope_paths(user: Any) -> list[str]:
    return territory(user, "compliance_view")


def _month(text: str) -> dt.date:
    try:
        parsed = dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(_("“%(value)s” is not a month: write it as YYYY-MM, e.g. 2026-03.") % {"value": text}) from None
    if not 2000 <= parsed.year <= 2100:
        raise ValueError(_("“%(value)s” is not a month this system can hold (years 2000 to 2100).") % {"value": text})
    return parsed


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.year * 12 + d.month - 1 + n
    return dt.date(m // 12, m % 12 + 1, 1)


def _period(request: HttpRequest, now: dt.datetime) -> tuple[dt.date, dt.date, str]:
    """(first month, last month, error) from ``?from=YYYY-MM&to=YYYY-MM``; default: the last six months."""
    local = timezone.localtime(now).date()
    end = dt.date(local.year, local.month, 1)
    start, error = _add_months(end, -5), ""
    try:
        if request.GET.get("to"):
            end = _month(request.GET["to"])
        start = _month(request.GET["from"]) if request.GET.get("from") else _add_months(end, -5)
    except ValueError as exc:
        error, start, end = str(exc), _add_months(dt.date(local.year, local.month, 1), -5), dt.date(local.year, local.month, 1)
    if start > end:
        error = _("The period starts after it ends; showing the six months up to the end month.")
        start = _add_months(end, -5)
    if (end.year - start.year) * 12 + end.month - start.month > 120:
        error = _("A period is at most ten years; showing the six months up to the end month.")
        start = _add_months(end, -5)
    return start, end, error


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time(), tz), dt.datetime.combine(_add_months(end, 1), dt.time(), tz))


def _clocks_in(request: HttpRequest, division: Division) -> Any:
    qs = visible_to(request.user, ReportClock.objects.all(), "compliance_view")
    if not division.is_root:
        qs = qs.filter(division__path__prefix=division.path)
    return qs


# --- the compliance report --------------------------------------------------------------------

def _report_data(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    division = chosen_division(request, "compliance_view")
    start, end, error = _period(request, now)
    lo, hi = _bounds(start, end)
    qs = _clocks_in(request, division).filter(received_at__gte=lo, received_at__lt=hi)
    rows, total = clocks.report(qs, now)
    return {"division": division, "start": start, "end": end, "error": error, "rows": rows, "total": total,
            "now": now, "profile": profiles.current(), "qs": qs,
            "query": urlencode({"division": division.code, "from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}"})}


@staff_required(*REPORT_ROLES)
def report(request: HttpRequest) -> HttpResponse:
    data = _report_data(request)
    overdue = (data.pop("qs").filter(clocks.Q(ack_due__lte=data["now"], acknowledged_at__isnull=True)
                                     | clocks.Q(feedback_due__lte=data["now"], feedback_at__isnull=True))
               .select_related("report__clue", "unit").order_by("received_at")[:20])
    divisions = [d for d in Division.objects.filter(parent=data["division"]).order_by("code")] \
        if data["division"].level < Division.Level.COUNTY else []
    return render(request, "compliance/report.html", {**data, "overdue": overdue, "children": divisions,
                                                      "crumbs": _crumbs(request, data["division"])},
                  status=400 if data["error"] else 200)


def _crumbs(request: HttpRequest, division: Division) -> list[Division]:
    paths = _scope_paths(request.user)
    return [d for d in division.ancestors() if any(d.path.startswith(p) for p in paths)]


XLSX_COLUMNS = [
    ("label", pgettext_lazy("compliance", "Unit")),
    ("received", pgettext_lazy("compliance", "Reports received")),
    ("ack_due", pgettext_lazy("compliance", "Acknowledgment due")),
    ("ack_in_time", pgettext_lazy("compliance", "Acknowledged in time")),
    ("ack_late", pgettext_lazy("compliance", "Acknowledged late")),
    ("ack_overdue", pgettext_lazy("compliance", "Acknowledgment overdue now")),
    ("ack_rate", pgettext_lazy("compliance", "Acknowledged in time %")),
    ("fb_due", pgettext_lazy("compliance", "Feedback due")),
    ("fb_in_time", pgettext_lazy("compliance", "Feedback in time")),
    ("fb_late", pgettext_lazy("compliance", "Feedback late")),
    ("fb_overdue", pgettext_lazy("compliance", "Feedback overdue now")),
    ("fb_rate", pgettext_lazy("compliance", "Feedback in time %")),
    ("extended", pgettext_lazy("compliance", "Feedback period extended")),
]


@staff_required(*REPORT_ROLES)
def report_xlsx(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = _report_data(request)
    if data["error"]:
        return HttpResponse(data["error"], status=400, content_type="text/plain; charset=utf-8")
    wb = Workbook()
    ws = wb.active
    ws.title = _("Compliance")[:31]
    ws.append([_("Compliance report"), data["division"].name])
    ws.append([pgettext("compliance", "Reports received"), f"{data['start']:%Y-%m} – {data['end']:%Y-%m}"])
    ws.append([_("As of"), timezone.localtime(data["now"]).strftime("%Y-%m-%d %H:%M")])
    ws.append([_("Profile"), str(data["profile"].name)])
    ws.append([])
    ws.append([str(label) for _k, label in XLSX_COLUMNS])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)

    def line(row: clocks.Row) -> list[Any]:
        return [row.label if k == "label" else getattr(row, k) if k.endswith("_rate") else row.counts[k]
                for k, _l in XLSX_COLUMNS]

    for row in data["rows"]:
        ws.append(line(row))
    ws.append(line(data["total"]))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 36
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"compliance-{data['division'].code}-{data['start']:%Y%m}-{data['end']:%Y%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- clocks list and extension ----------------------------------------------------------------

STATES = {
    "open": lambda now: clocks.Q(ack_due__isnull=False, acknowledged_at__isnull=True)
    | clocks.Q(feedback_due__isnull=False, feedback_at__isnull=True),
    "overdue": lambda now: clocks.Q(ack_due__lte=now, acknowledged_at__isnull=True)
    | clocks.Q(feedback_due__lte=now, feedback_at__isnull=True),
    "extended": lambda now: clocks.Q(extended_at__isnull=False),
    "all": lambda now: clocks.Q(),
}


@staff_required(*REPORT_ROLES)
def clock_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    division = chosen_division(request, "compliance_view")
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    qs = (_clocks_in(request, division).filter(STATES[state](now))
          .select_related("report__clue", "unit", "division").order_by("received_at", "pk"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    may_extend = bool(roles_for("extend_feedback") & roles_of(request.user))
    return render(request, "compliance/clocks.html", {
        "page": page, "state": state, "division": division, "now": now, "profile": profiles.current(),
        "may_extend": may_extend and profiles.current().feedback_days_extended is not None,
        "states": [("open", pgettext("compliance", "open")), ("overdue", _("overdue now")), ("extended", _("extended")), ("all", _("all"))],
        "query": urlencode({"division": division.code, "state": state}), "form": ExtendForm(),
    })


@staff_required(Role.SUPERVISOR, Role.DISPATCHER)
@require_POST
def clock_extend(request: HttpRequest, clock_id: int) -> HttpResponse:
    clock = get_visible_or_404(request.user, ReportClock.objects.all(), "extend_feedback", pk=clock_id)
    form = ExtendForm(request.POST)
    form.is_valid()
    try:
        services.extend_feedback(clock, form.cleaned_data.get("reason", ""), acting_user=request.user)
    except services.ComplianceError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return HttpResponseRedirect(f"/staff/compliance/clocks/?state=open#clock-{clock.pk}", status=303)
    messages.success(request, _("The feedback deadline was extended; the reason is on record."))
    return HttpResponseRedirect(f"/staff/compliance/clocks/?state=extended#clock-{clock.pk}", status=303)


# --- the deployment profile -------------------------------------------------------------------

def _may_change_profile(user: Any) -> bool:
    """Only an admin of the national unit changes the deployment: the profile binds every unit."""
    return any(g.role == Role.ADMIN and g.division_path == f"{ROOT_CODE}/" for g in _grants(user))


def _profile_name(key: str) -> str:
    found = profiles.PROFILES.get(key)
    return str(found.name) if found is not None else key


def _override_words(overrides: dict[str, Any]) -> list[str]:
    """A profile change's overrides as the reader says them (labels, not field names and codes)."""
    words: list[str] = []
    for name, value in overrides.items():
        if name in DAY_FIELDS:
            words.append(f"{DAY_FIELDS[name]}: {value if value is not None else _('off')}")
        elif name == "anonymous_allowed":
            words.append(f"{_('Anonymous reports')}: {_('accepted') if value else _('not accepted')}")
        elif name == "outcome_wording":
            words.append(f"{_('Public wording of outcomes')}: {profiles.WORDING_SETS.get(value, {}).get('name', value)}")
        elif name == "form_fields":
            asked = ", ".join(str(FORM_FIELD_LABELS.get(f, f)) for f in value) or _("none")
            words.append(f"{_('Optional fields the report form asks')}: {asked}")
        elif name == "retention_days" and isinstance(value, dict):
            for outcome, days in value.items():
                kept = _("keep") if days is None else days
                words.append(f"{_('Retention')}, {OUTCOME_LABELS.get(outcome, outcome)}: {kept}")
        else:
            words.append(f"{name}: {value}")
    return words


def _history_rows(events: Any) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        before, after = e.data.get("before", {}), e.data.get("after", {})
        rows.append({"at": e.created_at, "seq": e.seq, "before": _profile_name(before.get("profile", "")),
                     "after": _profile_name(after.get("profile", "")),
                     "same": before.get("profile") == after.get("profile"),
                     "changes": _override_words(after.get("overrides") or {})})
    return rows


def _profile_page(request: HttpRequest, form: ProfileForm, *, status: int = 200, errors: list[str] | None = None) -> HttpResponse:
    row = Deployment.objects.filter(pk=1).select_related("changed_by").first()
    profile = profiles.current()
    history = Event.objects.filter(verb="compliance.profile_set").order_by("-seq")[:10]
    return render(request, "compliance/profile.html", {
        "form": form, "profile": profile, "row": row, "profiles": profiles.PROFILES.values(),
        "may_change": _may_change_profile(request.user), "sudo": sudo_active(request), "errors": errors or [],
        "wording": [(OUTCOME_LABELS[o], profiles.outcome_wording(o, profile)) for o in profiles.OUTCOMES],
        "wording_sets": profiles.WORDING_SETS, "history": _history_rows(history), "day_labels": DAY_FIELDS,
    }, status=status)


@staff_required(*PROFILE_VIEW_ROLES)
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponseBase:
    if request.method == "GET":
        return _profile_page(request, ProfileForm(initial=ProfileForm.initial_for(profiles.current())))
    return _profile_change(request)


@sudo_required
def _profile_change(request: HttpRequest) -> HttpResponseBase:
    if not _may_change_profile(request.user):
        raise PermissionDenied
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, form, status=400)
    key = form.cleaned_data["profile"]
    raw = form.raw_overrides()
    if request.POST.get("defaults") == "1" or key != profiles.current().key:
        raw = {}  # switching profile (or asking for its defaults) starts from that profile's settings
    try:
        set_profile(key, raw, actor=Actor.staff(request.user), acting_user=request.user)
    except profiles.ProfileError as exc:
        for name, msgs in exc.errors.items():
            for m in msgs:
                form.add_error(name if name in form.fields else None, str(m))
        return _profile_page(request, form, status=400)
    messages.success(request, _("The deployment profile was saved and recorded in the ledger."))
    return HttpResponseRedirect("/staff/compliance/profile/", status=303)


# --- oral records -----------------------------------------------------------------------------

@staff_required(*ORAL_ROLES)
def oral_list(request: HttpRequest) -> HttpResponse:
    qs = visible_to(request.user, OralRecord.objects.select_related("report__clue", "recorded_by"), "oral_view")
    status = request.GET.get("status", "")
    if status in OralRecord.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "compliance/oral_list.html", {"page": page, "status": status,
                                                         "statuses": OralRecord.Status.choices})


@staff_required(*ORAL_ROLES)
def oral_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    row = get_visible_or_404(request.user, OralRecord.objects.select_related("report__clue", "recording"),
                             "oral_view", pk=record_id)
    return render(request, "compliance/oral_detail.html", {
        "record": row, "versions": services.versions_of(row),
        # the report's entry (``report.submitted``, which records the oral record made with it) and
        # what became of the minutes since
        "events": Event.objects.filter(Q(verb__startswith="compliance.") | Q(verb="report.submitted"),
                                       subject_type="report", subject_id=str(row.report_id)).order_by("seq"),
    })


# --- the reporter's check of the minutes (public, no JavaScript) ------------------------------

def _minutes_page(request: HttpRequest, row: OralRecord, *, form: MinutesCheckForm | None = None, status: int = 200,
                  errors: list[str] | None = None, done: str = "") -> HttpResponse:
    versions = services.versions_of(row)
    return render(request, "compliance/minutes_check.html", {
        "record": row, "latest": versions[-1] if versions else None, "versions": versions,
        "form": form or MinutesCheckForm(initial={"text": versions[-1]["text"] if versions else ""}),
        "errors": errors or [], "done": done,
    }, status=status)


@require_http_methods(["GET", "POST"])
def minutes_check(request: HttpRequest) -> HttpResponse:
    report_ = _tracked_report(request)
    if report_ is None:
        return HttpResponseRedirect("/track/", status=303)
    row = OralRecord.objects.filter(report=report_, kind=OralRecord.Kind.MINUTES).first()
    if row is None:
        raise Http404
    if request.method == "GET":
        return _minutes_page(request, row, done=request.GET.get("done", ""))
    if not throttle.allow(request, "lookup", settings.CLUEDESK_RATE_LOOKUP):
        return too_many(request)
    form = MinutesCheckForm(request.POST)
    form.is_valid()
    code, action = form.cleaned_data.get("code", ""), request.POST.get("action", "")
    try:
        if action == "confirm":
            services.reporter_confirm(row, code)
        elif action == "correct":
            services.reporter_correct(row, code, form.cleaned_data.get("text", ""))
        else:
            raise services.ComplianceError(_("Choose whether to confirm the minutes or send a correction."))
    except services.ComplianceError as exc:
        for name, msgs in exc.errors.items():
            for m in msgs:
                form.add_error(name if name in form.fields else None, str(m))
        return _minutes_page(request, row, form=form, status=400, errors=exc.messages)
    return HttpResponseRedirect(f"/track/minutes/?done={action}", status=303)
