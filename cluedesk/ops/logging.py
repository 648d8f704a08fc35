"""Structured logs: one JSON line per request, and a JSON formatter for every ``cluedesk`` logger.

What a request line holds, and nothing else: time, method, the route *pattern* (``track/status/``,
never the path a client typed), the view name, the status, the duration in milliseconds and the
process id. No client address, no query string, no header, no body, no user name: a reporter's
name, contact, text or tracking code can never reach a log through here. Django's own
``django.request`` error records carry the path and the request object; the formatter drops both
and keeps only the route, so an error on a tracking page does not write the code either.

The same middleware feeds the Prometheus counters (cluedesk/ops/metrics.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

log = logging.getLogger("cluedesk.request")

# Attributes every LogRecord has; anything else passed through ``extra=`` is a field of the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# ``extra`` keys that must never be written, whoever passes them.
_NEVER = {"request", "server_time", "remote_addr", "ip", "query", "body", "headers", "path"}


def route_of(request: HttpRequest) -> tuple[str, str]:
    """(route pattern, view name) of a resolved request; ``("<unmatched>", "")`` otherwise."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>", ""
    return "/" + (match.route or ""), match.view_name or ""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, and the record's safe extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        request = getattr(record, "request", None)
        if record.name.startswith("django.request") or record.name.startswith("django.security"):
            # Django writes "Internal Server Error: /track/…" with the path: keep the route only
            out["msg"] = record.msg.split(":", 1)[0] if isinstance(record.msg, str) else "request error"
            if request is not None and hasattr(request, "method"):
                out["method"] = request.method
                out["route"], out["view"] = route_of(request)
            status = getattr(record, "status_code", None)
            if status is not None:
                out["status"] = status
        else:
            out["msg"] = record.getMessage()
        for key, value in vars(record).items():
            if key in _STANDARD or key in _NEVER or key.startswith("_") or key == "status_code":
                continue
            # scalars as they are; a job's result (a dict of counts) as JSON; anything else as text
            out[key] = value if isinstance(value, int | float | bool | str | type(None) | dict | list) else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"), default=str)


class RequestLogMiddleware:
    """Time each request; write one log line and update the request metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.pid = os.getpid()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - started
            route, view = route_of(request)
            method = request.method or ""
            if not request.path.startswith("/static/"):
                from . import metrics

                metrics.observe_request(method, route, view, status, elapsed)
                log.info("request", extra={
                    "event": "request", "method": method, "route": route, "view": view,
                    "status": status, "duration_ms": round(elapsed * 1000, 2), "pid": self.pid,
                })
