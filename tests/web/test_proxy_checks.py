"""The deployment checks behind a TLS proxy (issue 23, finding 4): secure mode without trusted
origins or public hosts is warned about by every command, `serve` included."""

from __future__ import annotations

import io

from django.core.management import call_command

from cluedesk.web import checks


def _ids(settings) -> set[str]:
    return {w.id for w in checks.proxy_settings()}


def test_secure_mode_without_trusted_origins_or_public_hosts_is_warned(settings) -> None:
    settings.SECURE = True
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    assert _ids(settings) == {"cluedesk.W001", "cluedesk.W002"}
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    assert "CLUEDESK_CSRF_TRUSTED_ORIGINS" in err.getvalue() and "cluedesk.W002" in err.getvalue()


def test_a_configured_proxy_deployment_and_plain_mode_are_quiet(settings) -> None:
    settings.SECURE = True
    settings.CSRF_TRUSTED_ORIGINS = ["https://jubao.example.org"]
    settings.ALLOWED_HOSTS = ["jubao.example.org"]
    assert _ids(settings) == set()
    settings.SECURE = False
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.ALLOWED_HOSTS = ["localhost"]
    assert _ids(settings) == set()
