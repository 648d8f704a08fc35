"""The reporter's side: checking the minutes of a phone call or meeting (under /track/, where the
tracking cookie is sent)."""

from django.urls import path

from . import views

app_name = "compliance_public"

urlpatterns = [
    path("track/minutes/", views.minutes_check, name="minutes_check"),
]
