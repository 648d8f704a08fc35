"""/api/docs in a real browser: Swagger UI draws the operations from our own files, under our CSP,
asking no other host for anything (script, style, icon or validator badge)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import DESK, PHONE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("locale", "viewport", "name"), [("en-GB", DESK, "api-docs-en-1280"),
                                                            ("zh-CN", PHONE, "api-docs-zh-390")])
def test_the_api_docs_draw_with_no_other_host_and_no_csp_refusal(new_page: Any, live_server: Any, shot: Any,
                                                                  locale: str, viewport: dict[str, int],
                                                                  name: str) -> None:
    page = new_page(locale=locale, viewport=viewport)
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.goto("/api/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 3 and "/api/v1/reports" in page.inner_text("body")
    elsewhere = [u for u in requests if not u.startswith(live_server.url) and not u.startswith("data:")]
    assert elsewhere == [] and problems == []
    shot(page, name)
