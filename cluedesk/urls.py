from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from cluedesk.api import api

urlpatterns = [
    path("", include("cluedesk.intake.urls")),
    path("staff/", include("cluedesk.org.urls")),
    path("staff/", include("cluedesk.compliance.staff_urls")),
    path("staff/clues/", include("cluedesk.clues.urls")),
    path("staff/vault/", include("cluedesk.disclosure.urls")),
    path("staff/supervision/", include("cluedesk.supervision.urls")),
    path("staff/cases/", include("cluedesk.cases.urls")),
    path("staff/rectify/", include("cluedesk.rectify.urls")),
    path("staff/compliance/", include("cluedesk.compliance.urls")),
    path("staff/records/", include("cluedesk.records.urls")),
    path("staff/triage/", include("cluedesk.triage.urls")),
    path("", include("cluedesk.records.public_urls")),
    path("", include("cluedesk.compliance.public_urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("cluedesk.web.urls")),
    path("", include("cluedesk.ops.urls")),
]
if settings.DEMO or settings.DEBUG:
    urlpatterns.append(path("django-admin/", admin.site.urls))

# Friendly error pages in the reader's language (cluedesk/web/views.py); the 500 one needs no database.
handler400 = "cluedesk.web.views.bad_request"
handler403 = "cluedesk.web.views.permission_denied"
handler404 = "cluedesk.web.views.page_not_found"
handler500 = "cluedesk.web.views.server_error"
