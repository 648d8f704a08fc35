"""/api/docs and the site icon come from our own static files: nothing from another host, no
inline script for the CSP to block, no 404 for an icon on every page view."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db
ASSET = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"', re.I)


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


def _static_file(url: str) -> str | None:
    assert url.startswith("/static/"), url
    return finders.find(url.removeprefix("/static/"))


def test_the_api_docs_page_uses_only_our_own_files(client: Client) -> None:
    resp = client.get("/api/docs")
    html = resp.content.decode()
    assert resp.status_code == 200
    assets = _assets(html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), html
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url  # same origin only
        assert _static_file(url), f"{url} is not one of our static files"
    assert "cdn" not in html.lower() and "django-ninja.dev" not in html and "http" not in html


def test_the_api_docs_page_has_no_inline_script_and_a_csp_that_allows_its_files(client: Client) -> None:
    resp = client.get("/api/docs")
    html = resp.content.decode()
    for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", html, re.S):
        # a script either loads a file or is data (JSON) the browser does not run
        assert 'src="' in tag or 'type="application/json"' in tag, tag
        if 'src="' in tag:
            assert not body.strip()
    assert re.search(r"<[^>]+\son\w+=", html) is None  # no inline event handler either
    csp = resp["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "'unsafe-inline'" not in csp and "http" not in csp
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise send the schema to validator.swagger.io


@pytest.mark.parametrize("url", ["/", "/track/", "/staff/login/"])
def test_every_page_links_its_icon_from_our_static_files(client: Client, url: str) -> None:
    html = client.get(url).content.decode()
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert icons and all(_static_file(icon) for icon in icons)


def test_the_default_icon_address_leads_to_the_icon(client: Client) -> None:
    resp = client.get("/favicon.ico")
    assert resp.status_code == 301 and _static_file(resp["Location"])
