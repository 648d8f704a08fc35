from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from cluedesk.api import api

urlpatterns = [
    path("", include("cluedesk.intake.urls")),
    path("staff/", include("cluedesk.org.urls")),
    path("staff/", include("cluedesk.intake.staff_urls")),
    path("staff/clues/", include("cluedesk.clues.urls")),
    path("staff/vault/", include("cluedesk.vault.urls")),
    path("staff/supervision/", include("cluedesk.supervision.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("cluedesk.web.urls")),
]
if settings.DEMO or settings.DEBUG:
    urlpatterns.append(path("django-admin/", admin.site.urls))
