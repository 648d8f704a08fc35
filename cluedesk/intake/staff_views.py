"""Staff pages of intake: entering a phone call or letter as a report, and the QR poster."""

from __future__ import annotations

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cluedesk.compliance import oral_entry
from cluedesk.compliance.services import ComplianceError
from cluedesk.ledger.services import Actor
from cluedesk.org.access import staff_required

from . import services, tracking
from .forms import PosterForm, StaffReportForm
from .models import Channel, Report
from .views import limits, with_uploads

CHANNEL_LABELS = dict(Channel.choices)


def _page(request: HttpRequest, form: StaffReportForm, *, status: int = 200,
          errors: list[str] | None = None, oral: object = None) -> HttpResponse:
    return render(request, "intake/staff_report_new.html",
                  {"form": form, "top_errors": errors or [], "limits": limits(),
                   "oral": oral or oral_entry.form(request)}, status=status)


@require_http_methods(["GET", "POST"])
@staff_required("intake_reviewer", "dispatcher")
@with_uploads(None)  # signed-in staff: no per-address limit (a phone desk shares one)
def report_new(request: HttpRequest) -> HttpResponse:
    """Enter a report received by phone or letter; the staff member is recorded as entering it."""
    if request.method == "GET":
        return _page(request, StaffReportForm())
    form = StaffReportForm(request.POST)
    upload_error = getattr(request, "upload_error", None)
    if upload_error is not None:
        form.is_valid()
        return _page(request, form, status=upload_error[1], errors=[upload_error[0]])
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    oral = oral_entry.form(request)
    try:
        # a phone call or meeting: recorded with consent, or minuted (cluedesk.compliance, issue 11)
        entry = oral_entry.read(request, data["channel"])
    except ComplianceError as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                oral.add_error(field if field in oral.fields else None, str(message))
        return _page(request, form, status=400, oral=oral)
    try:
        with transaction.atomic():
            report, code = services.submit_report(
                text=data["text"], place_text=data["place_text"], when_text=data["when_text"],
                who_text=data["who_text"], category=data["category"], name=data["name"], contact=data["contact"],
                files=[*request.FILES.getlist("files"), *entry.files], channel=data["channel"],
                actor=Actor.staff(request.user), entered_by=request.user)
            oral_entry.save(entry, report, acting_user=request.user)
    except services.InvalidReport as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, str(message))
        return _page(request, form, status=400, errors=[str(m) for m in exc.errors.get("files", [])], oral=oral)
    # the report is stored; its triage (grouping onto a clue) is queued and a worker does it in a
    # moment, so it normally has no clue yet: the page says so and links the awaiting queue
    clue = Report.objects.filter(pk=report.pk).values_list("clue__public_id", flat=True).first()
    return render(request, "intake/staff_report_done.html", {
        "report": report, "clue_number": clue or "", "code": tracking.display(code),
        "channel_label": CHANNEL_LABELS.get(report.channel, report.channel),
    }, status=201)


@staff_required("intake_reviewer", "dispatcher", "admin", "supervisor")
def poster(request: HttpRequest) -> HttpResponse:
    """A printable poster whose QR code opens the report page marked with a channel label."""
    form = PosterForm(request.GET or None)
    ref, heading, svg, url = "", "", "", ""
    if form.is_bound and form.is_valid():
        ref = form.cleaned_data["ref"]
        heading = form.cleaned_data["heading"] or _("Report organized crime and those who shield it")
        url = f"{settings.SITE_URL}/r/{ref}/"
        svg = segno.make(url, error="m").svg_inline(scale=1, omitsize=True, border=2)
    return render(request, "intake/poster.html", {
        "form": form, "ref": ref, "heading": heading, "svg": svg, "url": url,
    }, status=400 if form.is_bound and not form.is_valid() else 200)
