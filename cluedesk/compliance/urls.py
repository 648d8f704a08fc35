from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("", views.report, name="report"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("clocks/", views.clock_list, name="clocks"),
    path("clocks/<int:clock_id>/extend/", views.clock_extend, name="clock_extend"),
    path("profile/", views.profile, name="profile"),
    path("oral/", views.oral_list, name="oral_list"),
    path("oral/<int:record_id>/", views.oral_detail, name="oral_detail"),
]
