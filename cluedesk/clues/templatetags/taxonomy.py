from __future__ import annotations

from django import template

from cluedesk.triage.labels import label

register = template.Library()


@register.filter
def category_label(code: str) -> str:
    return label("category", code)


@register.filter
def industry_label(code: str) -> str:
    return label("industry", code)
