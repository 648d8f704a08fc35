"""``{% load triage_panel %}{% triage_card clue %}``: what triage found on a clue, and for staff
allowed to triage it, the form to correct it and a "split off" button per report."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("triage/_card.html", takes_context=True)
def triage_card(context: dict[str, Any], clue: Any) -> dict[str, Any]:
    from cluedesk.triage.panel import card_context

    request = context.get("request")
    user = getattr(request, "user", None)
    failed = getattr(request, "_triage_failed_form", None)
    if failed is not None:
        form, error = failed
        return card_context(user, clue, form=form, error=error)
    return card_context(user, clue)
