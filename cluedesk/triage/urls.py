from django.urls import path

from . import views

app_name = "triage"

urlpatterns = [
    path("awaiting/", views.awaiting_view, name="awaiting"),
    path("<str:public_id>/correct/", views.correct_view, name="correct"),
    path("<str:public_id>/reports/<int:report_id>/split/", views.split_view, name="split"),
]
