from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from cluedesk.platform.replica import REPLICA


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A forged or stale form: say what to do, in the reader's language."""
    return render(request, "web/error.html", {
        "title": _("This form has expired"),
        "message": _("For your safety the page must be reloaded before it can be sent. "
                     "Go back, reload the page, and send it again. Nothing was saved."),
    }, status=403)


def _where_next(request: HttpRequest) -> tuple[str, str]:
    if request.path.startswith("/staff/"):
        return "/staff/", _("Back to the workbench")
    return "/", _("Go to the start page")


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    href, label = _where_next(request)
    return render(request, "web/error.html", {"title": title, "message": message, "status": status,
                                              "next_href": href, "next_label": label}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the same page whether the thing never existed or the reader may not see it."""
    return _error(request, 404, _("This page does not exist"),
                  _("The address may be mistyped, or what it pointed to is not there (or not for you). "
                    "Check the address, or start again from the links below."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403."""
    return _error(request, 403, _("You may not open this page"),
                  _("Your roles do not allow this. If you think they should, ask your unit's administrator. "
                    "Nothing was changed."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400."""
    return _error(request, 400, _("This request could not be understood"),
                  _("Go back, reload the page and try again. Nothing was saved."))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: needs neither the database nor the session (either may be why we are here):
    a standalone template rendered without the request's context processors, in the language the
    locale middleware chose from the cookie or the browser."""
    href, label = _where_next(request)
    html = loader.render_to_string("web/500.html", {"next_href": href, "next_label": label})
    return HttpResponseServerError(html)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _answers(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - readiness reports any database failure as down
        return False
    return True


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when the primary database answers (503 with Retry-After when not). The read replica,
    when one is configured, is reported but does not decide readiness: every write and every page
    but the statistics ones read the primary, so a node with its replica down still serves
    reporters and staff; the supervision dashboard and bulletins answer 503 until it is back."""
    body: dict[str, str] = {"status": "ok", "database": "up"}
    if REPLICA in connections.settings:
        body["replica"] = "up" if _answers(REPLICA) else "down"
    if not _answers(DEFAULT_DB_ALIAS):
        body.update(status="unavailable", database="down")
        response = JsonResponse(body, status=503)
        response["Retry-After"] = "5"
        return response
    if body.get("replica") == "down":
        body["status"] = "degraded"
    return JsonResponse(body)
