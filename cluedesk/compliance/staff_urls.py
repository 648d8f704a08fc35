"""The staff pages under ``/staff/`` in the namespace they have always had (``intake_staff``):
entering a report received by phone, in a meeting or by letter (here, since it keeps the oral
record with the report) and intake's QR poster."""

from django.urls import path

from cluedesk.intake import staff_views as intake_staff_views

from . import staff_views

app_name = "intake_staff"
urlpatterns = [
    path("reports/new/", staff_views.report_new, name="report_new"),
    path("poster/", intake_staff_views.poster, name="poster"),
]
