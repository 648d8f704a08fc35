"""Small template helpers for the compliance pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def clock_cell(due: dt.datetime | None, done: dt.datetime | None, now: dt.datetime) -> SafeString:
    """A deadline and what became of it: in time, late, overdue, or due."""
    if due is None:
        return format_html("<span class='muted'>—</span>")
    when = timezone.localtime(due).strftime("%Y-%m-%d")
    if done is not None:
        ok = done <= due
        return format_html("<span class='badge {}'>{}</span> {}", "" if ok else "warn",
                           _("in time") if ok else _("late"), when)
    if due <= now:
        return format_html("<span class='badge bad'>{}</span> {}", _("overdue"), when)
    return format_html("<span class='badge'>{}</span> {}", pgettext("compliance", "due"), when)
