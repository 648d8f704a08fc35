"""Public (no sign-in) pages of cluedesk.records: the published statistics."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
