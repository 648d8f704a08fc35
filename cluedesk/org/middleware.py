"""Session lifetime for signed-in people: an absolute limit (``SESSION_COOKIE_AGE`` after
sign-in) and an idle limit (``SESSION_IDLE_SECONDS`` without a request). Either ends the
session; a staff page then asks to sign in again, saying why."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from .auth import LAST_SEEN, SESSION_ENDED, SIGNED_IN_AT

# Refresh the idle mark at most this often, so a busy page does not write the session on every request.
TOUCH_EVERY = 30


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in = session.get(SIGNED_IN_AT)
            last_seen = session.get(LAST_SEEN)
            if not isinstance(signed_in, (int, float)) or not isinstance(last_seen, (int, float)):
                # sessions created outside the sign-in views (tests' force_login): start the clocks now
                session[SIGNED_IN_AT] = signed_in = now
                session[LAST_SEEN] = last_seen = now
            if now - signed_in > settings.SESSION_COOKIE_AGE or now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
                request.session[SESSION_ENDED] = True  # the sign-in page says why
            elif now - last_seen > TOUCH_EVERY:
                session[LAST_SEEN] = now
        return self.get_response(request)
