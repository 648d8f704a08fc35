from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("due.csv", views.due_csv, name="due_csv"),
    path("due.xlsx", views.due_xlsx, name="due_xlsx"),
    path("holds/", views.hold_by_number, name="hold_by_number"),
    path("holds/<str:public_id>/add/", views.hold_add, name="hold_add"),
    path("holds/<int:hold_id>/release/", views.hold_release, name="hold_release"),
    path("run/", views.run_now, name="run"),
    path("statistics/publish/", views.publish, name="publish"),
]
