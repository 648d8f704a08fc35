from __future__ import annotations

from django import template
from django.utils.html import format_html

from cluedesk.supervision import notice_wording

register = template.Library()


@register.filter
def notice(text: str) -> str:
    """A stored notice's subject or body in the reader's language (supervision/notice_wording.py)."""
    return notice_wording.localize(text)


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.simple_tag
def delta(now: int, before: int) -> str:
    diff = (now or 0) - (before or 0)
    if not before and not now:
        return ""
    cls = "up" if diff > 0 else "down" if diff < 0 else "same"
    return format_html('<small class="delta {}">{}{}</small>', cls, "+" if diff > 0 else "", diff)


@register.simple_tag
def delta_pct(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    diff = (now - before) * 100
    cls = "up" if diff > 0 else "down" if diff < 0 else "same"
    return format_html('<small class="delta {}">{}{} pp</small>', cls, "+" if diff > 0 else "", f"{diff:.1f}")
