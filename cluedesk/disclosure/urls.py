from django.urls import path

from . import views

app_name = "vault"

urlpatterns = [
    path("", views.index, name="index"),
    path("clues/<str:public_id>/request/", views.request_form, name="request"),
    path("requests/<int:request_id>/", views.request_detail, name="detail"),
    path("requests/<int:request_id>/decide/", views.decide, name="decide"),
    path("requests/<int:request_id>/open/", views.open_identity, name="open"),
    path("keys/", views.keys, name="keys"),
    path("keys/rotate/", views.rotate, name="rotate"),
    path("keys/passphrases/", views.add_passphrase, name="add_passphrase"),
]
