"""Real-browser tests: Playwright for Python driving Debian's Chromium against Django's live server.

* The browser is ``/usr/bin/chromium`` (``CLUEDESK_E2E_CHROMIUM`` overrides it); a downloaded
  Playwright browser is never used. When Playwright does not import or Chromium is missing or does
  not start, every test here is skipped with the reason.
* One browser per module; each test opens its own context (cookies, language, JavaScript on/off).
* Screenshots go to ``CLUEDESK_E2E_SHOTS`` (a folder) when set, else to a pytest temporary folder.
* Playwright's sync API keeps an asyncio loop registered as running in the main thread while it
  is open, so Django's async-safety check would refuse the ORM calls the tests make to set up
  data. ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while a browser is open (module scope) and restored
  afterwards; the live server itself answers from its own thread, where no loop runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CLUEDESK_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
# A tracking code as the page shows it (the template puts each group in a <span>; innerText joins them).
CODE = re.compile(r"[0-9A-Z]{4}-?[0-9A-Z]{4}-?[0-9A-Z]{4}-?[0-9A-Z]{4}")


def _why_no_browser() -> str | None:
    if os.environ.get("CLUEDESK_E2E_SKIP"):
        return os.environ["CLUEDESK_E2E_SKIP"]
    try:
        import playwright.sync_api  # noqa: F401
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"playwright does not import ({exc}); pip install -e '.[test]'"
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install -y chromium); browser tests skipped"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import Error, sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        try:
            chromium = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Error as exc:
            pytest.skip(f"{CHROMIUM} does not start under Playwright: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()
    finally:
        manager.stop()
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("CLUEDESK_E2E_SHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("e2e-shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def new_page(browser: Any, live_server: Any, shots_dir: Path) -> Iterator[Callable[..., Any]]:
    """``new_page(locale="en-GB", javascript=True, viewport=PHONE, bypass_csp=False)``: a page in a
    fresh context whose relative URLs go to the live server. ``bypass_csp`` only for injecting test
    tools (axe): the site's strict CSP refuses injected scripts. Contexts are closed after the test."""
    from django.core.cache import cache

    cache.clear()  # rate-limit counters live in the cache: each test starts with none
    contexts: list[Any] = []

    def make(*, locale: str = "en-GB", javascript: bool = True, viewport: dict[str, int] | None = None,
             accept_language: str | None = None, bypass_csp: bool = False) -> Any:
        headers = {"Accept-Language": accept_language} if accept_language else None
        context = browser.new_context(base_url=live_server.url, locale=locale, java_script_enabled=javascript,
                                      viewport=viewport or PHONE, extra_http_headers=headers,
                                      bypass_csp=bypass_csp)
        context.set_default_timeout(15_000)
        # a page that derives a key (the custodian passphrase, Argon2id) can take long on a busy machine
        context.set_default_navigation_timeout(60_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(shots_dir: Path) -> Callable[[Any, str], Path]:
    """``shot(page, "name")`` saves a full-page screenshot as e2e-<name>.png and returns its path."""

    def take(page: Any, name: str) -> Path:
        path = shots_dir / f"e2e-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
