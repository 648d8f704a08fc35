from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("", views.report, name="home"),
    path("report/", views.report, name="report"),
    path("r/<str:channel_ref>/", views.report, name="report_via"),
    path("track/", views.track, name="track"),
    path("track/status/", views.status, name="status"),
    path("track/close/", views.track_close, name="track_close"),
]
