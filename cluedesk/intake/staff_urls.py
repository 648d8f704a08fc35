from django.urls import path

from . import staff_views

app_name = "intake_staff"
urlpatterns = [
    path("reports/new/", staff_views.report_new, name="report_new"),
    path("poster/", staff_views.poster, name="poster"),
]
