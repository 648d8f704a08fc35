"""Every page a person can reach, found rather than listed: shared by the accessibility test and
scripts/contact_sheet.py, so a page added by any app is checked and photographed without anyone
editing a list.

* Start points: every route of the URL resolver without parameters (public and /staff/), minus the
  machine ones (API, health, i18n, admin, static) and the ones that only take POST.
* From each page reached, the same-site links it shows are followed (breadth first), so pages with
  parameters (a clue, a unit, a disclosure request) are reached through real data.
* One page per route (``resolve(path).route``): the 50th clue adds nothing the first did not show.
* Each path is asked for first without the browser: POST-only views (405) and redirects are
  passed over, downloads (CSV, XLSX, PDF, evidence files) are noted, not opened as pages.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

SKIP_PREFIXES = ("/static/", "/api/", "/i18n/", "/django-admin/", "/healthz", "/readyz", "/staff/logout/",
                 "/media/",
                 "/staff/divisions/search/")  # an htmx fragment (the division picker's <option>s), not a page
# Links whose GET is harmless but which leave the page (a download) or end the session.
DOWNLOAD_HINTS = (".csv", ".xlsx", ".pdf", ".png", "/export/", "/evidence/", "/download")


@dataclass
class Visit:
    route: str          # the resolver's route, e.g. "staff/clues/<str:public_id>/"
    path: str           # the path (and query) visited
    status: int
    html: bool


def route_of(path: str) -> str | None:
    """The URL pattern a path resolves to, or None when nothing does."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.route or match.view_name


def wanted(path: str) -> bool:
    return path.startswith("/") and not path.startswith(SKIP_PREFIXES)


def start_paths(prefix: str = "") -> list[str]:
    """Every parameterless route under ``prefix`` ("" for all, "/staff/" for the workbench)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[str] = []

    def walk(patterns: Iterable[Any], base: str) -> None:
        for p in patterns:
            route = base + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                if "<" in route or "(" in route or route.startswith("^"):
                    continue
                path = "/" + route.lstrip("^").rstrip("$")
                if wanted(path) and path.startswith(prefix) and path not in found:
                    found.append(path)

    walk(get_resolver().url_patterns, "")
    return found


def is_download(path: str) -> bool:
    return any(hint in path.lower() for hint in DOWNLOAD_HINTS)


LINKS_JS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'))"


def crawl(page: Any, base_url: str, starts: Iterable[str], *, on_page: Callable[[Any, Visit], None],
          limit: int = 250, follow: Callable[[str], bool] = wanted) -> Iterator[Visit]:
    """Visit each route once, breadth first from ``starts``; call ``on_page(page, visit)`` while the
    page is open (for axe, a screenshot). Yields every visit, downloads included (html False)."""
    queue: deque[str] = deque(starts)
    seen_routes: set[str] = set()
    seen_paths: set[str] = set()
    visits = 0
    while queue and visits < limit:
        path = queue.popleft()
        if path in seen_paths:
            continue
        seen_paths.add(path)
        route = route_of(path)
        if route is None or route in seen_routes:
            continue
        if is_download(path):
            seen_routes.add(route)
            yield Visit(route, path, 0, False)
            continue
        # Asked first without the browser (same cookies): a POST-only view (405), a download or a
        # redirect is not a page, and a browser sent to an empty error body ends on chrome-error://.
        probe = page.context.request.get(urljoin(base_url, path), max_redirects=0)
        ctype = probe.headers.get("content-type", "")
        if probe.status == 405 or 300 <= probe.status < 400:
            continue
        if "attachment" in probe.headers.get("content-disposition", "") or "text/html" not in ctype:
            seen_routes.add(route)
            yield Visit(route, path, probe.status, False)
            continue
        response = page.goto(urljoin(base_url, path))
        seen_routes.add(route)
        visits += 1
        visit = Visit(route, path, response.status if response else 0, True)
        on_page(page, visit)
        for href in page.evaluate(LINKS_JS):
            parts = urlsplit(urljoin(page.url, href))
            if parts.netloc != urlsplit(base_url).netloc:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if follow(target) and target not in seen_paths:
                queue.append(target)
        yield visit
