"""Template filters of the rectification registers."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def industry_label(code: str) -> str:
    from cluedesk.rectify.views import industry_name

    return industry_name(code)
