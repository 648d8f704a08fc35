from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("items/", views.items, name="items"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:notice_id>/read/", views.notice_read, name="notice_read"),
    path("samples/", views.samples, name="samples"),
    path("samples/<int:year>/<int:month>/", views.sample_detail, name="sample_detail"),
    path("samples/items/<int:item_id>/check/", views.sample_check, name="sample_check"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("bulletin.xlsx", views.bulletin_xlsx, name="bulletin_xlsx"),
    path("bulletin.pdf", views.bulletin_pdf, name="bulletin_pdf"),
    path("key-regions/", views.key_regions, name="key_regions"),
    path("key-regions/adjust/", views.key_regions_adjust, name="key_regions_adjust"),
    path("rounds/", views.rounds_list, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:round_id>/", views.round_detail, name="round_detail"),
    path("rounds/<int:round_id>/teams/", views.round_team, name="round_team"),
    path("rounds/<int:round_id>/handover/", views.round_handover, name="round_handover"),
]
