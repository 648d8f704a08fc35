from django.urls import path

from . import files, views

app_name = "clues"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("export/<str:fmt>/", views.export, name="export"),
    path("bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/act/<str:verb>/", views.act, name="act"),
    path("<str:public_id>/message/", views.message, name="message"),
    path("<str:public_id>/evidence/<str:file_id>/", views.evidence_file, name="evidence"),
    path("<str:public_id>/files/<str:file_id>/", files.attachment_file, name="file"),
    path("<str:public_id>/files/<str:file_id>/thumbnail/", files.attachment_thumbnail, name="thumbnail"),
    path("<str:public_id>/files/<str:file_id>/cleaned/", files.attachment_cleaned, name="cleaned"),
]
