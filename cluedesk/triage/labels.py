"""Display names of taxonomy codes in the reader's language, cached briefly per process."""

from __future__ import annotations

import time

from django.utils.translation import get_language

from .models import Category, Industry

TTL_SECONDS = 60.0
_cache: dict[str, dict[str, tuple[str, str]]] = {}
_loaded_at = 0.0


def _names() -> dict[str, dict[str, tuple[str, str]]]:
    global _cache, _loaded_at
    if not _cache or time.monotonic() - _loaded_at > TTL_SECONDS:
        _cache = {
            "category": {c: (n, z) for c, n, z in Category.objects.values_list("code", "name", "name_zh")},
            "industry": {c: (n, z) for c, n, z in Industry.objects.values_list("code", "name", "name_zh")},
        }
        _loaded_at = time.monotonic()
    return _cache


def label(kind: str, code: str) -> str:
    """The name of a category or industry code; the code itself when the taxonomy lacks it."""
    if not code:
        return ""
    name, name_zh = _names().get(kind, {}).get(code, (code, ""))
    return name_zh if name_zh and (get_language() or "").startswith("zh") else name


def choices(kind: str) -> list[tuple[str, str]]:
    """Categories or industries as (code, name in the reader's language), in the taxonomy's order."""
    model = Category if kind == "category" else Industry
    codes = model.objects.filter(active=True).order_by("order", "code").values_list("code", flat=True)
    return [(code, label(kind, code)) for code in codes]


def forget() -> None:
    """Read the names again on next use (tests whose database was emptied, a restore)."""
    global _cache, _loaded_at
    _cache, _loaded_at = {}, 0.0
