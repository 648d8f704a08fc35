"""System checks for a deployment behind a TLS proxy (issue 23, finding 4): shown by every
`cluedesk` command, `serve` included, before it starts.

With ``CLUEDESK_SECURE=1`` the browser's form posts (report, track, sign-in) carry an ``Origin`` of
``https://<public host>``; Django accepts it only when that origin is in
``CLUEDESK_CSRF_TRUSTED_ORIGINS`` or the request's host matches it — behind a proxy that sets
``Host`` without the public port, or that terminates TLS, it often does not. curl sends no Origin,
so a deployment tested with curl alone looks fine while every browser is refused."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "testserver"}


@register(Tags.security, deploy=False)
def proxy_settings(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not getattr(settings, "SECURE", False):
        return []
    found = []
    if not settings.CSRF_TRUSTED_ORIGINS:
        found.append(Warning(
            "CLUEDESK_SECURE=1 but CLUEDESK_CSRF_TRUSTED_ORIGINS is empty: browsers' form posts through the TLS "
            "proxy may be refused (403) while curl passes",
            hint="set CLUEDESK_CSRF_TRUSTED_ORIGINS=https://your.public.host (with the port if it is not 443); "
                 "see docs/operations.md, 'Behind a TLS proxy'",
            id="cluedesk.W001"))
    if set(settings.ALLOWED_HOSTS) <= LOCAL_HOSTS:
        found.append(Warning(
            "CLUEDESK_SECURE=1 but CLUEDESK_ALLOWED_HOSTS names only local hosts: requests for the public name "
            "will be refused (400)",
            hint="set CLUEDESK_ALLOWED_HOSTS=your.public.host", id="cluedesk.W002"))
    return found
