"""Public (no sign-in) pages of cluedesk.records: the published statistics."""
from django.urls import path

from . import views

urlpatterns = [
    path("statistics/", views.public_statistics, name="records_statistics"),
    path("statistics.csv", views.public_statistics_csv, name="records_statistics_csv"),
    path("statistics.xlsx", views.public_statistics_xlsx, name="records_statistics_xlsx"),
]
