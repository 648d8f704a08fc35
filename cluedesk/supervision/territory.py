"""The division a figures page is about: ``?division=`` inside the person's territory for an action.

One chooser for every page that shows figures by division (the supervision dashboard and
bulletins, compliance's clock report and lists), with the rule of
``org.access.get_visible_or_404``: a person who holds no role for the action anywhere may not use
the page (403); a division that is unknown or outside their territory is not theirs to see (404).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from cluedesk.org.access import territory
from cluedesk.org.models import ROOT_CODE, Division


def chosen_division(request: HttpRequest, action: str) -> Division:
    """The division asked for (``?division=``) inside the person's territory for ``action``; by
    default the highest division of that territory."""
    paths = territory(request.user, action)
    if not paths:
        raise PermissionDenied
    code = (request.GET.get("division") or "").strip()
    if code:
        division = Division.objects.filter(code=code).first()
        if division is None or not any(division.path.startswith(p) for p in paths):
            raise Http404
        return division
    return Division.objects.get(code=paths[0].rstrip("/").split("/")[-1] or ROOT_CODE)
