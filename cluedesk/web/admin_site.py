"""The Django admin site (mounted in demo and debug mode only, cluedesk/urls.py).

django-otp's OTPAdminSite: only a session verified by a second factor gets in, and here only an
active superuser's. It takes no password of its own: its sign-in page sends people to the staff
sign-in (password, then TOTP, under the per-username and per-address lockout), so the admin is
never a password check without a lockout, nor an oracle telling a right password from a wrong one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp.admin import OTPAdminSite


class StaffAdminSite(OTPAdminSite):
    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(super().has_permission(request) and user.is_superuser)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index", current_app=self.name),
                                 settings.LOGIN_URL)
