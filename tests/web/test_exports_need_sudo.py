"""Every staff export (a URL named ``…export…``) needs a fresh re-authentication (``sudo_required``):
an export takes a register out of the building in one click, so a session left open is not enough."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def test_every_staff_export_needs_sudo() -> None:
    exports = {route: p for route, p in _patterns(get_resolver())
               if "export" in (p.name or "") and route.startswith("staff/")}
    assert len(exports) >= 7, sorted(exports)  # clues, three case registers, three rectify lists
    missing = sorted(route for route, p in exports.items() if not getattr(p.callback, "sudo", False))
    assert missing == []
