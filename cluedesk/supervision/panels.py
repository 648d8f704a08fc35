"""Panels that other apps add to the supervision dashboard (the registers feed their figures here).

Each entry is the dotted path of a callable ``(request, division, start, end)`` returning
``(template_name, context)`` or ``None`` to show nothing. The dashboard renders them in order
below its own figures; a panel that raises is logged and left out, never breaks the dashboard.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

PANELS = [
    "cluedesk.cases.panels.dashboard_panel",
    "cluedesk.rectify.panels.dashboard_panel",
]

log = logging.getLogger("cluedesk.supervision")


def render_panels(request: HttpRequest, division: Any, start: dt.date, end: dt.date) -> list[SafeString]:
    out = []
    for dotted in PANELS:
        try:
            found = import_string(dotted)(request, division, start, end)
            if found:
                template, context = found
                out.append(mark_safe(render_to_string(template, context, request=request)))  # noqa: S308
        except Exception:  # a broken panel must not take the dashboard down
            log.exception("dashboard panel %s failed", dotted)
    return out
