"""Staff pages of intake: the QR poster. (Entering a phone call, meeting or letter as a report is
cluedesk.compliance.staff_views, which keeps the oral record with it.)"""

from __future__ import annotations

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cluedesk.org.access import staff_required

from .forms import PosterForm


@staff_required("intake_reviewer", "dispatcher", "admin", "supervisor")
def poster(request: HttpRequest) -> HttpResponse:
    """A printable poster whose QR code opens the report page marked with a channel label."""
    form = PosterForm(request.GET or None)
    ref, heading, svg, url = "", "", "", ""
    if form.is_bound and form.is_valid():
        ref = form.cleaned_data["ref"]
        heading = form.cleaned_data["heading"] or _("Report organized crime and those who shield it")
        url = f"{settings.SITE_URL}/r/{ref}/"
        svg = segno.make(url, error="m").svg_inline(scale=1, omitsize=True, border=2)
    return render(request, "intake/poster.html", {
        "form": form, "ref": ref, "heading": heading, "svg": svg, "url": url,
    }, status=400 if form.is_bound and not form.is_valid() else 200)
