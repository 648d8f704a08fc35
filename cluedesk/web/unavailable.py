"""When the database or the file store cannot take a write: 503 with Retry-After, never a 500.

A restarted PostgreSQL, a locked or full SQLite file, a file store that is read-only or full:
the request is answered "try again shortly" in the caller's language (JSON under /api/, a
plain page elsewhere). Nothing was acknowledged, and the services' transactions (and their
clean-up of files already written) guarantee nothing was half-kept. The next request opens a
fresh connection, so service resumes by itself when the database is back.

Placed first in MIDDLEWARE. Exceptions raised in a view reach ``process_exception``; those
raised inside other middleware (a session read while the database is down) are marked by the
``got_request_exception`` signal and the 500 they produced is turned into the 503 here.
"""

from __future__ import annotations

import errno
import html
import json
import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

log = logging.getLogger("cluedesk.unavailable")

RETRY_AFTER_SECONDS = 5
# errno values that mean "the store cannot take a write now", not "this request is wrong"
STORE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO})
# PostgreSQL SQLSTATE classes/codes that mean the server is away or going away
_PG_STATES = ("08", "57P01", "57P02", "57P03", "53300")
_SQLITE_WORDS = ("database is locked", "unable to open database", "disk i/o error", "database or disk is full",
                 "database table is locked")

MESSAGES = {
    "db": {
        "en": ("The service is briefly unavailable", "The service cannot save or read anything for a moment. "
               "Nothing from this request was saved. Please try again in a few seconds."),
        "zh": ("服务暂时不可用", "系统暂时无法保存或读取信息，本次提交的内容没有保存。请几秒钟后再试。"),
    },
    "store": {
        "en": ("Files cannot be stored right now", "The file store cannot accept files at the moment. "
               "Nothing from this request was saved. Please try again later, or send the report without files."),
        "zh": ("暂时无法保存文件", "文件存储暂时无法写入，本次提交的内容没有保存。请稍后再试，或先不附文件提交举报。"),
    },
}


class StoreUnavailable(Exception):
    """The file store refused a write (full, read-only, no permission); nothing was kept."""


def database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, InterfaceError):  # the connection is already closed or broken
        return True
    if not isinstance(exc, OperationalError):
        return False
    state = getattr(exc.__cause__, "sqlstate", None)
    if state:
        return str(state).startswith(_PG_STATES)
    text = str(exc).lower()
    return any(w in text for w in _SQLITE_WORDS) or "connection" in text or "server closed" in text


def store_unavailable(exc: BaseException) -> bool:
    """An OSError from writing under the file store (a write() has no file name: counted too)."""
    if isinstance(exc, StoreUnavailable):
        return True
    if not isinstance(exc, OSError) or exc.errno not in STORE_ERRNOS:
        return False
    name = exc.filename
    return name is None or str(name).startswith(str(settings.FILES_DIR))


def kind_of(exc: BaseException) -> str | None:
    if database_unavailable(exc):
        return "db"
    if store_unavailable(exc):
        return "store"
    return None


def response_for(request: HttpRequest, kind: str) -> HttpResponse:
    lang = "zh" if translation.get_language_from_request(request).lower().startswith("zh") else "en"
    title, message = MESSAGES[kind][lang]
    if request.path.startswith("/api/"):
        response = HttpResponse(json.dumps({"detail": message}, ensure_ascii=False), status=503,
                                content_type="application/json")
    else:
        page = (f'<!doctype html><html lang="{"zh-Hans" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}'
                f"</title></head><body><main><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
                f'<p><a href="{html.escape(request.path)}">{"重试" if lang == "zh" else "Try again"}</a></p>'
                "</main></body></html>")
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception)
def _mark(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    exc = sys.exc_info()[1]
    if request is not None and exc is not None:
        kind = kind_of(exc)
        if kind:
            request._cluedesk_unavailable = kind  # type: ignore[attr-defined]


class UnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception as exc:  # raised past every other middleware (tests' client re-raises)
            kind = kind_of(exc)
            if kind is None:
                raise
            log.warning("503 %s unavailable: %s", kind, type(exc).__name__)
            return response_for(request, kind)
        kind = getattr(request, "_cluedesk_unavailable", None)
        if kind and response.status_code >= 500:
            log.warning("503 %s unavailable (raised in middleware)", kind)
            return response_for(request, kind)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        kind = kind_of(exc)
        if kind is None:
            return None
        log.warning("503 %s unavailable: %s", kind, type(exc).__name__)
        return response_for(request, kind)
