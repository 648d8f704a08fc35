"""System checks shown by every `cluedesk` command, `serve` included, before it starts: warnings a
deployment should not run with unnoticed.

Behind a TLS proxy (issue 23, finding 4): with ``CLUEDESK_SECURE=1`` the browser's form posts
(report, track, sign-in) carry an ``Origin`` of ``https://<public host>``; Django accepts it only
when that origin is in ``CLUEDESK_CSRF_TRUSTED_ORIGINS`` or the request's host matches it — behind
a proxy that sets ``Host`` without the public port, or that terminates TLS, it often does not. curl
sends no Origin, so a deployment tested with curl alone looks fine while every browser is refused.

Secure mode is the sign of a real deployment (issue 21): demo mode beside it hands out sign-in
codes (``demo-totp``) and demo people; a site URL left at the laptop default puts
``http://127.0.0.1:8000`` into the links of escalation e-mails and posters. And PDF bulletins
print Chinese names as empty boxes when fontconfig (which WeasyPrint asks) knows no font with
Chinese glyphs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Tags, Warning, register

from cluedesk.platform.fonts import CJK_FONT_FILES

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "testserver"}


@register(Tags.security, deploy=False)
def proxy_settings(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not settings.SECURE:
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


@register(Tags.security, deploy=False)
def secure_deployment(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not settings.SECURE:
        return []
    found = []
    if settings.DEMO:
        found.append(Warning(
            "CLUEDESK_SECURE=1 together with CLUEDESK_DEMO on: this deployment seeds demo people and hands "
            "out their sign-in codes (demo-totp) to anyone with shell access",
            hint="set CLUEDESK_DEMO=0 on a real deployment (create the first administrator with "
                 "`cluedesk createadmin`)",
            id="cluedesk.W003"))
    site = urlparse(settings.SITE_URL)
    if site.scheme != "https" or (site.hostname or "") in LOCAL_HOSTS | {"::1"}:
        found.append(Warning(
            f"CLUEDESK_SECURE=1 but the public site URL is {settings.SITE_URL!r}: links in e-mails, posters "
            "and the reporter's receipt point there",
            hint="set CLUEDESK_SITE_URL=https://your.public.host", id="cluedesk.W004"))
    return found


def cjk_fonts() -> list[str]:
    """Fonts with Chinese glyphs that fontconfig finds (``fc-list :lang=zh``), else those of the
    bulletin template's font files that exist."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listed = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True,
                                    timeout=20, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            listed = ""
        families = sorted({line.strip() for line in listed.splitlines() if line.strip()})
        if families:
            return families
    return [path for path in CJK_FONT_FILES if Path(path).exists()]


@register(deploy=False)
def pdf_fonts(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if cjk_fonts():
        return []
    return [Warning(
        "no font with Chinese glyphs is installed: PDF bulletins print Chinese names as empty boxes",
        hint="install fonts-wqy-microhei (or fonts-noto-cjk); see docs/operations.md, 'Worker and queue'",
        id="cluedesk.W005")]
