"""What other pages show of the major-case register: the cases opened from a clue (the clue
page, through the registry store ``clue_panels``) and the cases of an industry (rectify's industry page, through
the registry store ``industry_cases``, filled in ``CasesConfig.ready()``). Scoped for reading the
registers: a person who may not read them sees none."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from cluedesk.org.access import visible_to

from .models import MajorCase
from .views.base import VIEW


def cases_of_clue(user: Any, clue: Any) -> list[MajorCase]:
    """Cases opened from this clue that the person may see (for the clue page's include)."""
    return list(visible_to(user, MajorCase.objects.filter(clues=clue), VIEW)[:20])


def industry_cases(user: Any, industry: str) -> list[tuple[str, str]]:
    """(label, link) of the cases linked to a clue of this industry that the person may see."""
    cases = visible_to(user, MajorCase.objects.filter(clues__industry=industry).distinct(), VIEW)
    return [(str(c), reverse("cases:case_detail", args=[c.pk])) for c in cases.order_by("-opened_on", "-id")[:20]]


def clue_panel(request: HttpRequest, clue: Any) -> str:
    """The clue page's block of the major cases opened from the clue (registry ``clue_panels``)."""
    return render_to_string("cases/_clue_cases.html", {"clue_cases": cases_of_clue(request.user, clue)},
                            request=request)
