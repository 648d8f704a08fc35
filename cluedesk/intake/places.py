"""Turning what a reporter typed as a place ("湖南长沙岳麓区", "长沙市 岳麓") into a Division code.

The triage engine's pure resolver (``cluedesk.analysis.resolve_place``) reads the official list;
this module keeps only the codes this deployment has loaded into org.Division (cached per
process, refreshed every few minutes).
"""

from __future__ import annotations

import threading
import time

from cluedesk.analysis.places import resolve_place
from cluedesk.org.models import Division

REFRESH_SECONDS = 300
_lock = threading.Lock()
_known: frozenset[str] = frozenset()
_loaded_at = 0.0


def _fresh() -> frozenset[str]:
    global _known, _loaded_at
    if not _loaded_at or time.monotonic() - _loaded_at > REFRESH_SECONDS:
        with _lock:
            if not _loaded_at or time.monotonic() - _loaded_at > REFRESH_SECONDS:
                _known = frozenset(Division.objects.values_list("code", flat=True))
                _loaded_at = time.monotonic()
    return _known


def resolve_code(text: str) -> str | None:
    """The code of the most specific loaded division named in ``text``, or None."""
    text = (text or "").strip()
    if not text:
        return None
    found = resolve_place(text)
    if found is None:
        return None
    code = found[0]
    return code if code in _fresh() else None


def reset() -> None:
    """Forget the cached codes (tests load divisions after the first look-up)."""
    global _known, _loaded_at
    _known, _loaded_at = frozenset(), 0.0
