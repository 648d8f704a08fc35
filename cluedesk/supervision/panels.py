"""Panels that other apps add to the supervision dashboard (the registers feed their figures here).

The apps above register a callable ``(request, division, start, end)`` returning
``(template_name, context)`` or ``None`` (show nothing) in the registry store ``dashboard_panels``
from their ``AppConfig.ready()``; this module reads the store and imports none of them. The
dashboard renders them in order below its own figures; a panel that raises is logged and left
out, never breaks the dashboard.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from cluedesk.platform.registry import registry

log = logging.getLogger("cluedesk.supervision")


def render_panels(request: HttpRequest, division: Any, start: dt.date, end: dt.date) -> list[SafeString]:
    out = []
    for panel in registry["dashboard_panels"]:
        try:
            found = panel(request, division, start, end)
            if found:
                template, context = found
                out.append(mark_safe(render_to_string(template, context, request=request)))  # noqa: S308
        except Exception:  # a broken panel must not take the dashboard down
            log.exception("dashboard panel %s.%s failed", panel.__module__, panel.__qualname__)
    return out
