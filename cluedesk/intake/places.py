"""Turning what a reporter typed as a place ("湖南长沙岳麓区", "长沙市 岳麓") into a Division.

When ``cluedesk.analysis.resolve_place`` exists (the triage engine's resolver) it is used;
otherwise a small name matcher over org.Division, loaded once per process and refreshed every
few minutes, finds the most specific division whose ancestors agree with the rest of the text.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from typing import Any

from cluedesk.org.models import Division

REFRESH_SECONDS = 300
_SUFFIXES = ("特别行政区", "自治州", "自治县", "自治旗", "地区", "新区", "林区", "省", "市", "区", "县", "盟", "旗")
_lock = threading.Lock()
_index: dict[str, list[tuple[str, int, str]]] = {}
_known: frozenset[str] = frozenset()
_loaded_at = 0.0
_max_len = 0
_external: Callable[[str], Any] | None | bool = False  # False: not looked up yet


def _aliases(name: str) -> list[str]:
    names = [name]
    if name.endswith("自治区"):
        names.append("内蒙古" if name.startswith("内蒙古") else name[:2])
        return names
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            names.append(name[: -len(suffix)])
            break
    return names


def _load() -> None:
    global _index, _known, _loaded_at, _max_len
    index: dict[str, list[tuple[str, int, str]]] = {}
    known = set()
    for code, name, level, path in Division.objects.values_list("code", "name", "level", "path"):
        known.add(code)
        if level > 0:
            for alias in _aliases(name):
                index.setdefault(alias, []).append((code, level, path))
    _index, _known = index, frozenset(known)
    _max_len, _loaded_at = max((len(k) for k in index), default=0), time.monotonic()


def _fresh() -> None:
    if not _loaded_at or time.monotonic() - _loaded_at > REFRESH_SECONDS:
        with _lock:
            if not _loaded_at or time.monotonic() - _loaded_at > REFRESH_SECONDS:
                _load()


def _external_resolver() -> Callable[[str], Any] | None:
    global _external
    if _external is False:
        _external = None
        for module in ("cluedesk.analysis.places", "cluedesk.analysis"):
            try:
                _external = importlib.import_module(module).resolve_place
                break
            except (ImportError, AttributeError):
                continue
    return _external or None  # type: ignore[return-value]


def _code_from(result: Any) -> str | None:
    if result is None or result == "":
        return None
    if isinstance(result, Division):
        return result.code
    if isinstance(result, str):
        return result
    if isinstance(result, dict):
        return result.get("code") or result.get("division")
    if isinstance(result, tuple | list) and result:
        return _code_from(result[0])
    return getattr(result, "code", None)


def resolve_code(text: str) -> str | None:
    """The code of the most specific division named in ``text``, or None."""
    text = (text or "").strip()
    if not text:
        return None
    _fresh()
    resolver = _external_resolver()
    if resolver is not None:
        code = _code_from(resolver(text))
        # the resolver knows the official list; keep only divisions this deployment has loaded
        return code if code in _known else None
    found: list[tuple[str, int, str]] = []
    i, n = 0, len(text)
    while i < n:
        for length in range(min(_max_len, n - i), 1, -1):
            hits = _index.get(text[i:i + length])
            if hits:
                found.extend(hits)
                i += length
                break
        else:
            i += 1
    if not found:
        return None
    codes = {code for code, _, _ in found}
    # Prefer a division confirmed by the most other names in the text, then the deepest.
    best = max(found, key=lambda d: (sum(1 for c in codes if c != d[0] and c in d[2]), d[1]))
    rivals = [d for d in found if d[1] == best[1] and d[0] != best[0]
              and sum(1 for c in codes if c != d[0] and c in d[2]) == sum(1 for c in codes if c != best[0] and c in best[2])]
    if rivals:  # e.g. "朝阳区" alone: two cities have one; keep only what is certain
        levels = {code: level for code, level, _ in found}
        ancestors = [c for c in codes if c in best[2] and c != best[0]]
        return max(ancestors, key=lambda c: levels[c]) if ancestors else None
    return best[0]


def reset() -> None:
    """Forget the cached names (tests load divisions after the first look-up)."""
    global _index, _known, _loaded_at
    _index, _known, _loaded_at = {}, frozenset(), 0.0
