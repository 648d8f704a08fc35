"""Staff entry of a report received by phone, in a meeting or by letter (``/staff/reports/new/``),
with its oral record: a recording kept with the reporter's consent, or minutes (issue 11).

It lives above intake because it keeps the report and its oral record together, in one service
(``services.enter_report``): one transaction, one ledger event."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from cluedesk.intake import tracking
from cluedesk.intake.forms import StaffReportForm
from cluedesk.intake.models import Channel, Report
from cluedesk.intake.services import InvalidReport
from cluedesk.intake.views import limits, with_uploads
from cluedesk.org.access import staff_required

from . import oral_entry, services

CHANNEL_LABELS = dict(Channel.choices)


def _page(request: HttpRequest, form: StaffReportForm, *, status: int = 200,
          errors: list[str] | None = None, oral: object = None) -> HttpResponse:
    return render(request, "compliance/staff_report_new.html",
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
        # a phone call or meeting: recorded with consent, or minuted
        entry = oral_entry.read(request, data["channel"])
        report, code = services.enter_report(
            text=data["text"], place_text=data["place_text"], when_text=data["when_text"],
            who_text=data["who_text"], category=data["category"], name=data["name"], contact=data["contact"],
            files=request.FILES.getlist("files"), channel=data["channel"], oral_kind=entry.kind,
            minutes=entry.minutes, consent=entry.consent, recording=entry.recording, acting_user=request.user)
    except services.ComplianceError as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                oral.add_error(field if field in oral.fields else None, str(message))
        return _page(request, form, status=400, oral=oral)
    except InvalidReport as exc:
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
