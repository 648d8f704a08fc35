"""``{% load cases_links %}{% clue_cases clue %}``: the major cases opened from a clue, on its page."""

from __future__ import annotations

from typing import Any

from django import template

from cluedesk.cases.links import cases_of_clue

register = template.Library()


@register.inclusion_tag("cases/_clue_cases.html", takes_context=True)
def clue_cases(context: dict[str, Any], clue: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"clue_cases": cases_of_clue(user, clue) if user is not None else []}
