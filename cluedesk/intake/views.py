"""Public pages: the report form, the confirmation, tracking and the status page.

Views are thin: check the rate limit, parse (with the upload limits installed before anything
reads the body), call a service, render. No page needs JavaScript.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from cluedesk.deployment.intake_rules import asked_fields
from cluedesk.ledger.services import Actor
from cluedesk.platform.registry import registry

from . import attachments, public_wording, services, throttle, tracking, uploads
from .forms import NONCE_PATTERN, MessageForm, ReportForm, TrackForm, clean_ref
from .models import Report

REPORT_FIELDS = ("text", "place_text", "when_text", "who_text", "category", "name", "contact")
TRACK_COOKIE = "cd_track"
TRACK_SALT = "cluedesk.intake.track"
TRACK_SECONDS = 30 * 60
# What a sent file is, in words (its name is sealed for the custodian: the server cannot show it)
FILE_KINDS = {"image": _lazy("photo or image"), "audio": _lazy("audio recording"), "video": _lazy("video"),
              "document": _lazy("document"), "text": _lazy("text file"), "other": _lazy("file")}


def limits() -> dict[str, Any]:
    return {"max_files": settings.CLUEDESK_MAX_FILES,
            "max_file": attachments.human_size(settings.CLUEDESK_MAX_FILE_BYTES),
            "max_total": attachments.human_size(settings.CLUEDESK_MAX_REPORT_BYTES)}


def refusal_message(request: HttpRequest) -> tuple[str, int]:
    """A message and status for an upload stopped by the limiting handler."""
    reason = getattr(request, "upload_refusal", None)
    name = getattr(request, "upload_refused_name", "")
    lim = limits()
    if reason == "file_too_large":
        return (_("“%(name)s” is too large: each file may be at most %(limit)s. Nothing was saved.")
                % {"name": name, "limit": lim["max_file"]}, 413)
    if reason == "too_many_files":
        return _("Too many files: at most %(limit)d per report. Nothing was saved.") % {"limit": lim["max_files"]}, 413
    if reason == "truncated":
        return (_("The upload was cut off before it was complete (the connection may have dropped). "
                  "Nothing was saved: please send the form again."), 400)
    return _("What you sent is too large: at most %(limit)s of files per report. Nothing was saved.") % {
        "limit": lim["max_total"]}, 413


def parse_upload(request: HttpRequest) -> tuple[str, int] | None:
    """Read the body with the limits in place; a (message, status) when it must be refused."""
    uploads.install(request)
    try:
        request.POST  # noqa: B018 - parse now, with our handler first
        request.FILES  # noqa: B018
    except RequestDataTooBig:
        return _("The text you sent is too long. Shorten it and send again. Nothing was saved."), 413
    except (TooManyFilesSent, TooManyFieldsSent):
        return _("Too many files: at most %(limit)d per report. Nothing was saved.") % {
            "limit": settings.CLUEDESK_MAX_FILES}, 413
    except MultiPartParserError:
        return _("The upload could not be read; it may have been cut off. Nothing was saved: please send the form "
                 "again."), 400
    if getattr(request, "upload_refusal", None):
        return refusal_message(request)
    return None


def too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "web/error.html", {
        "title": _("Please wait a little"),
        "message": _("Too many attempts have come from your connection in a short time. Wait ten minutes and "
                     "try again. Nothing was saved."),
    }, status=429)
    response["Retry-After"] = str(throttle.WINDOW_SECONDS)
    return response


def with_uploads(scope: str | None) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For form views that take files: rate limit first, then parse with limits, then CSRF.

    Django's CSRF middleware would read the body before our upload handler is in place, so the
    view is exempted from the middleware and ``csrf_protect`` runs after parsing (Django docs,
    "Modifying upload handlers on the fly").
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                if scope and not throttle.allow(request, scope, settings.CLUEDESK_RATE_SUBMIT):
                    return too_many(request)
                refused = parse_upload(request)
                if refused is not None:
                    # The body was refused before its CSRF token could be read; the view only
                    # renders the refusal (it changes nothing), so answer with the real reason.
                    request.upload_error = refused  # type: ignore[attr-defined]
                    return view(request, *args, **kwargs)
            return protected(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


def _form_page(request: HttpRequest, form: ReportForm, *, status: int = 200, errors: list[str] | None = None,
               channel_ref: str = "") -> HttpResponse:
    return render(request, "intake/report_form.html", {
        "form": form, "top_errors": errors or [], "limits": limits(), "via": channel_ref, "asked": asked_fields(),
    }, status=status)


@require_http_methods(["GET", "POST"])
@with_uploads("submit")
def report(request: HttpRequest, channel_ref: str = "") -> HttpResponse:
    """The report form (``/``, ``/report/``, ``/r/<label>/`` for QR posters)."""
    channel_ref = clean_ref(channel_ref or request.GET.get("via") or request.POST.get("via"))
    if request.method == "GET":
        form = ReportForm(initial={"via": channel_ref, "nonce": secrets.token_urlsafe(18)})
        return _form_page(request, form, channel_ref=channel_ref)

    upload_error = getattr(request, "upload_error", None)
    if upload_error is not None:
        message, status = upload_error
        form = ReportForm(request.POST)
        form.is_valid()
        fresh = ReportForm(initial={**form.cleaned_data, "nonce": secrets.token_urlsafe(18)})
        errors = [message]
        if any(form.cleaned_data.get(k) for k in REPORT_FIELDS):
            errors.append(_("What you typed is still in the form below: only the files must be chosen again."))
        return _form_page(request, fresh, status=status, errors=errors, channel_ref=channel_ref)

    # The success path skips the Django form (it only re-displays input); the rules live in
    # services.validate_fields, and a form is built only when there are errors to show.
    data = request.POST
    channel = "qr" if channel_ref else "web"
    asked = asked_fields()  # what the deployment profile does not ask for is not taken either
    fields: dict[str, Any] = {k: data.get(k, "") if k == "text" or k in asked else "" for k in REPORT_FIELDS}
    files = request.FILES.getlist("files") if "files" in asked else []
    claim = None
    nonce = data.get("nonce") or ""
    if NONCE_PATTERN.match(nonce):
        claim = services.IdempotencyClaim(
            channel="form", key=nonce,
            body_hash=services.body_hash({**fields, "via": channel_ref,
                                          "files": [(f.name, f.size, services.upload_digest(f)) for f in files]}))
    try:
        try:
            new_report, code = services.submit_report(
                **fields, files=files, channel=channel, channel_ref=channel_ref, actor=Actor.reporter(),
                idempotency=claim)
        except services.IdempotencyRace:
            assert claim is not None
            try:
                found = services.replay(claim)  # the same page sent twice: the first answer
            except services.IdempotencyConflict:
                found = None  # the same page sent again with changes: a new report
            if found is not None:
                return _done(request, *found)
            new_report, code = services.submit_report(
                **fields, files=files, channel=channel, channel_ref=channel_ref, actor=Actor.reporter())
    except services.InvalidReport as exc:
        form = ReportForm(request.POST)
        form.is_valid()
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, str(message))
        top = [str(m) for m in exc.errors.get("files", [])]
        return _form_page(request, form, status=400, errors=top, channel_ref=channel_ref)
    return _done(request, new_report, code)


def _done(request: HttpRequest, report: Report, code: str) -> HttpResponse:
    return render(request, "intake/report_done.html", {
        "code": tracking.display(code), "groups": tracking.display(code).split("-"), "report": report,
        "site_url": settings.SITE_URL,
    }, status=201 if request.method == "POST" else 200)


def _track_page(request: HttpRequest, form: TrackForm, *, status: int = 200, error: str = "",
                note: str = "") -> HttpResponse:
    return render(request, "intake/track.html", {"form": form, "error": error, "note": note}, status=status)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Enter a tracking code; a right one opens the status page for thirty minutes on this device."""
    if request.method == "GET":
        return _track_page(request, TrackForm())
    if not throttle.allow(request, "lookup", settings.CLUEDESK_RATE_LOOKUP):
        return too_many(request)
    form = TrackForm(request.POST)
    form.is_valid()
    typed = form.cleaned_data.get("code") or ""
    if not typed.strip():
        return _track_page(request, TrackForm(), status=400, error=_(
            "Enter your tracking code: the 16 characters you were given when you sent the report."))
    try:
        found = services.find_report(typed)
    except services.UnknownCode:
        # The code stays in the box: one wrong character is corrected, not typed again.
        return _track_page(request, TrackForm(initial={"code": typed[:40]}), status=404, error=_(
            "No report matches this code. Check each character and try again; the code has 16 characters "
            "in four groups, like ABCD-EFGH-JKMN-PQRS."))
    # The cookie holds a random session id; which report it opens is kept server-side (in the
    # shared cache) for thirty minutes, so closing the page ends the session for a copied cookie too.
    session = secrets.token_urlsafe(32)
    cache.set(_track_session_key(session), found.tracking_hash, TRACK_SECONDS)
    response = HttpResponseRedirect("/track/status/", status=303)
    response.status_code = 303
    response.set_signed_cookie(TRACK_COOKIE, session, salt=TRACK_SALT, max_age=TRACK_SECONDS,
                               path="/track/", httponly=True, samesite="Lax", secure=settings.SECURE)
    return response


def _track_session_key(session: str) -> str:
    """The cache key of a tracking session: a hash, so the cache never holds the cookie's value."""
    return "track-session:" + hashlib.sha256(session.encode()).hexdigest()


def _track_session(request: HttpRequest) -> str | None:
    session = request.get_signed_cookie(TRACK_COOKIE, default=None, salt=TRACK_SALT, max_age=TRACK_SECONDS)
    return session or None


def _tracked_report(request: HttpRequest) -> Report | None:
    session = _track_session(request)
    digest = cache.get(_track_session_key(session)) if session else None
    if not digest:
        return None
    return Report.objects.filter(tracking_hash=digest).first()


def _status_page(request: HttpRequest, found: Report, *, form: MessageForm | None = None, status: int = 200,
                 errors: list[str] | None = None, sent: bool = False) -> HttpResponse:
    seen = services.status_of(found)
    for step in seen.steps:
        step.wording = public_wording.localize(step.outcome)  # type: ignore[attr-defined]
    for sent_file in seen.files:
        sent_file.kind = FILE_KINDS[attachments.family(sent_file.mime)]  # type: ignore[attr-defined]
    panels: dict[str, list[SafeString]] = {"after_progress": [], "after_messages": []}
    for slot, panel in registry["status_panels"]:  # what apps above add (compliance: clocks, minutes)
        panels[slot].append(mark_safe(panel(request, found)))  # noqa: S308 - rendered templates
    return render(request, "intake/status.html", {
        "status": seen, "form": form or MessageForm(), "errors": errors or [],
        "sent": sent, "limits": limits(), "panels": panels,
    }, status=status)


@require_http_methods(["GET", "POST"])
@with_uploads("submit")
def status(request: HttpRequest) -> HttpResponse:
    """The reporter's status page: public timeline, messages, and a form to add information."""
    found = _tracked_report(request)
    if found is None:
        return _track_page(request, TrackForm(), status=403 if request.method == "POST" else 200,
                           note=_("For your safety the status page closes after thirty minutes. "
                                  "Enter your tracking code again."))
    if request.method == "GET":
        return _status_page(request, found, sent=request.GET.get("sent") == "1")
    form = MessageForm(request.POST)
    form.is_valid()
    upload_error = getattr(request, "upload_error", None)
    if upload_error is not None:
        return _status_page(request, found, form=form, status=upload_error[1], errors=[upload_error[0]])
    try:
        services.add_reporter_message(found, form.cleaned_data.get("body", ""), request.FILES.getlist("files"))
    except services.InvalidReport as exc:
        return _status_page(request, found, form=form, status=400,
                            errors=[str(m) for ms in exc.errors.values() for m in ms])
    return HttpResponseRedirect("/track/status/?sent=1", status=303)


@require_POST
def track_close(request: HttpRequest) -> HttpResponse:
    session = _track_session(request)
    if session:
        cache.delete(_track_session_key(session))  # a copy of the cookie opens nothing any more
    response = _track_page(request, TrackForm(), note=_("The status page is closed on this device."))
    response.delete_cookie(TRACK_COOKIE, path="/track/", samesite="Lax")
    return response
