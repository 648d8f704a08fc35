from django.templatetags.static import static
from django.urls import path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # pages link their icon (web/_icons.html); this answers clients that ask the old default place
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("web/favicon.ico"), permanent=True)),
]
